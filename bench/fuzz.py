"""Fuzz a live server over socket.io: random and mutated payloads from every kind of client.

A server runs as a subprocess (as in bench/fanout.py). Each round creates a meeting; a moderator, a timer,
a recorder, two residents, an observer and a client without a token connect over raw engine.io
WebSockets (so that anything can be sent) and send payloads from ``bench/fuzz_payloads.py`` as fast as
the server answers, each client with up to ``--window`` acks outstanding. Near the end of a round the
moderator closes the meeting (the rest of the round is fuzz against a closed meeting), and the minutes of
the round's meeting are fetched in every export format. One payload in ``--http-every`` is an HTTP request
instead (a mutated meeting spec, exports, pages, QR codes, the door list, engine.io long-polling, the staff
sign-in), with link tokens of the meeting, mangled ones and junk.

Counted: payloads sent, answered (acks), sent without an ack id, ``unanswered`` (an ack id with no answer
within 5 s), ``server_exceptions`` (tracebacks in the server's log), ``http_5xx``, ``crashes`` (the server
process gone), and at the end the log verifier (``gongzhi verify all``) over every meeting. Prints one
JSON line.

    python bench/fuzz.py --count 1000000
    python bench/fuzz.py --count 20000 --seconds 60 --seed 7
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.fuzz_client import ACK_TIMEOUT_S, FuzzClient, Stats
from bench.fuzz_payloads import Generator
from tests.support.process import ADMIN, CROWD_ENV, SPEC, ServerProcess

# Per-connection limits out of the way: the fuzz is after the handlers, not the rate limiter (whose
# refusals are answers too, and tested on their own).
FUZZ_ENV = {
    **CROWD_ENV,
    "GONGZHI_LIMITS__COMMANDS_PER_S": "1000000",
    "GONGZHI_LIMITS__COMMANDS_BURST": "1000000",
    "GONGZHI_LIMITS__HELLOS_PER_S": "1000000",
    "GONGZHI_LIMITS__HELLOS_BURST": "1000000",
    "GONGZHI_LIMITS__LINK_COMMANDS_PER_S": "1000000",
    "GONGZHI_LIMITS__LINK_HELLOS_PER_S": "1000000",
    "GONGZHI_LIMITS__LINK_JOINS_PER_S": "1000000",
    "GONGZHI_LIMITS__CONNECTS_PER_ADDRESS_PER_S": "1000000",
    "GONGZHI_MEDIA__CAPTIONS": "false",
}
ROLES = ("moderator", "timer", "recorder", "participant", "participant", "observer", None)


async def _http_get(session: aiohttp.ClientSession, url: str, stats: Stats) -> int:
    async with session.get(url) as r:
        await r.read()
        stats.http_requests += 1
        if r.status >= 500:
            stats.http_5xx += 1
        return r.status


async def _create_meeting(session: aiohttp.ClientSession, url: str, stats: Stats) -> dict[str, Any]:
    async with session.post(
        url + "/api/meetings", json=SPEC, headers={"Authorization": "Bearer " + ADMIN}
    ) as r:
        stats.http_requests += 1
        stats.http_5xx += r.status >= 500
        body: dict[str, Any] = await r.json()
        stats.meetings += 1
        return body


async def _http_fuzz(
    session: aiohttp.ClientSession, url: str, gen: Generator, stats: Stats, meeting: dict[str, Any]
) -> None:
    tokens = [link["token"] for link in meeting["links"].values()]
    req = gen.http(meeting["meeting_id"], tokens, ADMIN, SPEC)
    stats.sent += 1
    stats.http_requests += 1
    what = f"{req.method} {req.path[:120]}"
    try:
        async with session.request(
            req.method, url + req.path, headers=req.headers, data=req.body, timeout=aiohttp.ClientTimeout(30)
        ) as r:
            await r.read()
            stats.answered += 1
            stats.codes[f"http {r.status}"] += 1
            if r.status >= 500:
                stats.http_5xx += 1
                if len(stats.http_5xx_samples) < 10:
                    stats.http_5xx_samples.append(f"{r.status} {what}")
            if req.path == "/api/meetings" and r.status == 201:
                stats.meetings += 1
    except (aiohttp.ClientError, TimeoutError) as e:
        stats.unanswered += 1
        if len(stats.unanswered_samples) < 10:
            stats.unanswered_samples.append(f"{what}: {type(e).__name__}")


async def _setup(c: FuzzClient, session: aiohttp.ClientSession, n: int) -> None:
    await c.open(session)
    c.rejoin = False
    c.joins += 1
    if c.role is None:
        return
    await c.call("hello", {})
    if c.role != "observer":
        names = {"moderator": "主持人", "timer": "计时员", "recorder": "记录员"}
        await c.call(
            "join", {"name": names.get(c.role or "", f"居民{n}号") + ("" if c.joins == 1 else str(c.joins))}
        )


async def fuzz_round(
    url: str, session: aiohttp.ClientSession, budget: int, args: argparse.Namespace, stats: Stats, seed: int
) -> None:
    meeting = await _create_meeting(session, url, stats)
    links = meeting["links"]
    clients = [
        FuzzClient(url, links[role]["token"] if role else None, role, Generator(seed * 100 + i), stats)
        for i, role in enumerate(ROLES)
    ]
    for i, c in enumerate(clients):
        await _setup(c, session, i)
    mod = clients[0]
    await mod.call("command", {"type": "OpenMeeting"})
    await mod.call("command", {"type": "StartAgendaItem", "index": 0})
    start = stats.sent
    close_at = start + int(budget * 0.97)
    closed = False

    async def drive(c: FuzzClient) -> None:
        nonlocal closed
        while stats.sent - start < budget:
            if c.ws is None or c.ws.closed or c.rejoin:
                await c.close()
                await _setup(c, session, clients.index(c))
            await c.drain(args.window)
            if c is mod and not closed and stats.sent >= close_at:
                closed = True
                await c.call("command", {"type": "CloseMeeting"})
            await c.send(c.gen.next())
            if stats.sent % 64 == 0:
                await asyncio.sleep(0)  # let the readers run

    async def http_drive() -> None:
        gen = Generator(seed * 100 + 99)
        next_at = start + args.http_every
        while stats.sent - start < budget:
            if stats.sent < next_at:
                await asyncio.sleep(0.005)
                continue
            next_at += args.http_every
            await _http_fuzz(session, url, gen, stats, meeting)

    await asyncio.gather(http_drive(), *(drive(c) for c in clients))
    deadline = time.monotonic() + ACK_TIMEOUT_S + 1
    while any(c.pending for c in clients) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    for c in clients:
        c.expire(time.monotonic() + ACK_TIMEOUT_S + 1)  # whatever is left now is unanswered
        await c.close()
    token = links["observer"]["token"]
    for fmt in ("md", "html", "docx", "pdf", "json", "srt", "vtt"):
        await _http_get(session, f"{url}/api/meetings/{meeting['meeting_id']}/minutes.{fmt}?t={token}", stats)


async def drive_all(server: ServerProcess, args: argparse.Namespace) -> tuple[Stats, float]:
    stats = Stats()
    began = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        n = 0
        while stats.sent < args.count and time.monotonic() - began < args.seconds:
            if server.proc.poll() is not None:
                break
            budget = min(args.round, args.count - stats.sent)
            try:
                await asyncio.wait_for(
                    fuzz_round(server.url, session, budget, args, stats, args.seed + n),
                    max(1.0, args.seconds - (time.monotonic() - began)),
                )
            except (aiohttp.ClientError, OSError, TimeoutError) as e:
                if server.proc.poll() is None and not isinstance(e, TimeoutError):
                    raise
            n += 1
    return stats, time.monotonic() - began


def verify_all(data_dir: Path) -> tuple[bool, str]:
    done = subprocess.run(
        [sys.executable, "-m", "meeting_server", "verify", "all", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, "GONGZHI_STORE__DATA_DIR": str(data_dir)},
        timeout=600,
    )
    return done.returncode == 0, done.stdout + done.stderr


def meetings_ok(verify_out: str) -> int:
    """How many meeting logs ``verify all`` calls OK (a meeting id has no ``:``; ledgers and rosters do)."""
    return sum(1 for line in verify_out.splitlines() if re.match(r"[^:\s]+: OK", line))


def fuzz(data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Run the whole fuzz against a fresh server in ``data_dir``; the result line as a dict."""
    server = ServerProcess(data_dir, extra_env=FUZZ_ENV)
    try:
        cpu0, own0 = server.cpu_seconds(), time.process_time()
        stats, wall = asyncio.run(drive_all(server, args))
        server_cpu, own_cpu = server.cpu_seconds() - cpu0, time.process_time() - own0
        crashed = server.proc.poll() is not None
        health_ok = False
        if not crashed:
            import urllib.request

            with urllib.request.urlopen(server.url + "/healthz", timeout=10) as r:
                health_ok = r.status == 200
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    verifies, verify_out = verify_all(data_dir)
    return {
        "bench": "fuzz",
        "payloads": stats.sent,
        "answered": stats.answered,
        "sent_without_ack": stats.no_ack,
        "unanswered": stats.unanswered,
        "rate_per_s": round(stats.sent / wall, 1) if wall else None,
        "wall_s": round(wall, 1),
        "server_cpu_pct_of_core": round(100 * server_cpu / wall, 1) if wall else None,
        "client_cpu_pct_of_core": round(100 * own_cpu / wall, 1) if wall else None,
        "crashes": int(crashed),
        "healthy_after": health_ok,
        "server_exceptions": log.count("Traceback (most recent call last)"),
        "internal_refusals": stats.codes.get("internal", 0),
        "http_requests": stats.http_requests,
        "http_5xx": stats.http_5xx,
        "http_5xx_samples": stats.http_5xx_samples,
        "disconnects": stats.disconnects,
        "disconnect_samples": stats.disconnect_samples,
        "log_verifies": verifies,
        "meetings_created": stats.meetings,
        "meetings_verified": meetings_ok(verify_out),
        "ack_codes": dict(stats.codes.most_common(12)),
        "unanswered_samples": stats.unanswered_samples,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--count", type=int, default=1_000_000, help="payloads to send")
    p.add_argument("--seconds", type=float, default=3600.0, help="stop after this long in any case")
    p.add_argument("--round", type=int, default=50_000, help="payloads per meeting")
    p.add_argument("--window", type=int, default=16, help="acks outstanding per client")
    p.add_argument("--http-every", type=int, default=100, help="one payload in this many is an HTTP request")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data-dir", type=Path, default=None, help="keep the server's data (and log) here")
    return p.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.data_dir is not None:
        result = fuzz(args.data_dir, args)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = fuzz(Path(tmp), args)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
