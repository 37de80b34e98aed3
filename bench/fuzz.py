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
import collections
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
from bench.fuzz_payloads import ACK_MARK, Generator, Payload
from tests.support.process import ADMIN, CROWD_ENV, SPEC, ServerProcess

ACK_TIMEOUT_S = 5.0
SETUP = "\x00setup"  # what a setup call's pending ack is noted as (not counted as fuzz)
ACK = re.compile(r"3(\d+)")
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


class Stats:
    def __init__(self) -> None:
        self.sent = 0
        self.answered = 0
        self.no_ack = 0
        self.unanswered = 0
        self.unanswered_samples: list[str] = []
        self.codes: collections.Counter[str] = collections.Counter()
        self.disconnects = 0
        self.disconnect_samples: list[str] = []
        self.http_5xx = 0
        self.http_5xx_samples: list[str] = []
        self.http_requests = 0
        self.meetings = 0  # created: one a round, and those a fuzzed spec made


class FuzzClient:
    """One raw socket.io connection with a role's link token (``None``: no token at all)."""

    def __init__(self, url: str, token: str | None, role: str | None, gen: Generator, stats: Stats) -> None:
        self.url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.token, self.role, self.gen, self.stats = token, role, gen, stats
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.pending: dict[int, tuple[float, str]] = {}
        self.next_id = 1
        self.changed = asyncio.Event()
        self.connected = asyncio.Event()
        self.connect_answers = 0
        self.rejoin = False
        self.last = ""
        self.closing = False
        self.joins = 0  # setups so far (a rejoin takes a fresh name)
        self.reader: asyncio.Task[None] | None = None

    async def open(self, session: aiohttp.ClientSession) -> None:
        self.closing = False
        self.ws = await session.ws_connect(self.url, max_msg_size=0)
        await self.ws.receive()  # engine.io open packet
        self.connected.clear()
        self.reader = asyncio.get_running_loop().create_task(self._read())
        await self.ws.send_str("40" + json.dumps({"token": self.token} if self.token else {}))
        await asyncio.wait_for(self.connected.wait(), 10)

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            data: str = msg.data
            if data == "2":
                await self.ws.send_str("3")
            elif data.startswith("40") or data.startswith("44"):
                self.connect_answers += 1
                self.connected.set()
                self.changed.set()
            elif data.startswith("43") and (m := ACK.match(data, 1)) is not None:
                what = self.pending.pop(int(m.group(1)), None)
                if what is not None:
                    self._note(data[m.end() :], counted=what[1] != SETUP)
                self.changed.set()
        if not self.closing:  # the server closed it
            self.stats.disconnects += 1
            if len(self.stats.disconnect_samples) < 10:
                self.stats.disconnect_samples.append(f"{self.role}: {self.last[:200]}")
        self.changed.set()

    def _note(self, body: str, *, counted: bool) -> None:
        """An ack: counted by its code (setup calls are not), and the participant id it may name."""
        try:
            ack = json.loads(body)[0]
        except (ValueError, IndexError, KeyError):
            ack = None
        if not isinstance(ack, dict) or not isinstance(ack.get("ok"), bool):
            ack = {"ok": False, "error": {"code": "(not an ack object)"}}
        code = "ok" if ack["ok"] else str((ack.get("error") or {}).get("code"))
        if counted:
            self.stats.answered += 1
            self.stats.codes[code] += 1
        if (
            counted
            and code == "not_present"
            and self.role in ("moderator", "timer", "recorder", "participant")
        ):
            self.rejoin = True
        you = ack.get("you")
        if isinstance(you, dict) and isinstance(you.get("participant_id"), str):
            self.gen.known_ids.append(you["participant_id"])

    async def call(self, event: str, data: Any, within: float = 10) -> None:
        """A setup call (not counted as fuzz): send and wait for its ack."""
        ack_id = self.next_id
        self.next_id += 1
        self.pending[ack_id] = (time.monotonic(), SETUP)
        assert self.ws is not None
        await self.ws.send_str(f"42{ack_id}" + json.dumps([event, data], ensure_ascii=False))
        deadline = time.monotonic() + within
        while ack_id in self.pending:
            self.changed.clear()
            if time.monotonic() > deadline:
                raise TimeoutError(f"no ack for setup {event} {data}")
            await asyncio.wait_for(self.changed.wait(), within)

    async def send(self, p: Payload) -> None:
        assert self.ws is not None
        self.stats.sent += 1
        self.last = repr(p.data if p.event is not None else p.raw)
        if self.role is None and p.event is None:  # no token, not connected: socket.io ignores events
            self.stats.no_ack += 1
            await (self.ws.send_bytes(p.raw) if isinstance(p.raw, bytes) else self.ws.send_str(str(p.raw)))
            return
        if self.role is None:  # no token: every payload is a connect attempt
            auth = p.data if self.gen.rng.random() < 0.7 else {"token": self.gen.text()}
            before = self.connect_answers
            await self.ws.send_str("40" + json.dumps(auth, ensure_ascii=False))
            deadline = time.monotonic() + ACK_TIMEOUT_S
            while self.connect_answers == before and not self.ws.closed:
                self.changed.clear()
                try:
                    await asyncio.wait_for(self.changed.wait(), max(0.01, deadline - time.monotonic()))
                except TimeoutError:
                    self._lost(f"connect {json.dumps(auth)[:200]}")
                    return
            self.stats.answered += 1
            return
        if p.event is None:
            if isinstance(p.raw, bytes):
                self.stats.no_ack += 1
                await self.ws.send_bytes(p.raw)
                return
            assert p.raw is not None
            raw = p.raw
            if p.raw_answered:
                ack_id = self.next_id
                self.next_id += 1
                raw = raw.replace(ACK_MARK, str(ack_id))
                self.pending[ack_id] = (time.monotonic(), raw[:200])
            else:
                self.stats.no_ack += 1
            await self.ws.send_str(raw)
            return
        text = json.dumps([p.event, p.data], ensure_ascii=False)
        if p.ack:
            ack_id = self.next_id
            self.next_id += 1
            self.pending[ack_id] = (time.monotonic(), text[:200])
            await self.ws.send_str(f"42{ack_id}{text}")
        else:
            self.stats.no_ack += 1
            await self.ws.send_str("42" + text)

    def _lost(self, what: str) -> None:
        self.stats.unanswered += 1
        if len(self.stats.unanswered_samples) < 10:
            self.stats.unanswered_samples.append(what)

    def expire(self, now: float) -> None:
        for ack_id, (sent, what) in list(self.pending.items()):
            if now - sent > ACK_TIMEOUT_S:
                del self.pending[ack_id]
                self._lost(what)

    async def drain(self, window: int) -> None:
        """Until fewer than ``window`` acks are outstanding (late ones are counted as unanswered)."""
        while len(self.pending) >= window:
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), 0.5)
            except TimeoutError:
                self.expire(time.monotonic())

    async def close(self) -> None:
        """Close once every outstanding ack has come (or is counted unanswered)."""
        await self.drain(1)
        self.closing = True
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


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
