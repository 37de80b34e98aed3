"""HLS observers: N players watch a meeting's livestream over loopback, first as LL-HLS players, then as plain
HLS players, against one server subprocess (its captions model off: this measures the stream).

Players. An LL-HLS player does what hls.js does in low-latency mode: a blocking reload of the media playlist
for the next part (``_HLS_msn``/``_HLS_part``), then that part; and on a second connection a blocking reload
of the subtitles playlist for the next segment, then its WebVTT. A plain player polls the media and
subtitles playlists every target duration and fetches each new segment and WebVTT file once. Every player
keeps its connections alive; all players live in one client process (``--procs`` spreads them) speaking
minimal HTTP/1.1 over asyncio protocols (uvloop when installed): the clients cost little next to the server.

Glass-to-glass latency. The encoder's clock is the stamp: stream time ``t`` is fed to the encoder at wall
time ``PROGRAM-DATE-TIME(segment) + offset in segment`` (the audio keeps real time, ``media/hls.py``), so a
part or segment holds what the hall saw until its END time ``e``. A player has it when its last byte arrives
(``a``). A player plays its hold-back behind the live edge (the end of the newest media it has), so what it
shows left the hall ``(a - e) + hold-back`` earlier. Hold-back: the playlist's ``PART-HOLD-BACK`` (1.5 s) for
LL-HLS, three target durations (3 s with 1 s segments, the spec's and hls.js's default) for plain HLS.
Reported as ``*_glass_to_glass_s_p50/p95``, and the availability delay ``a - e`` alone as
``*_available_after_end_s``.

Also per mode: the server's CPU (% of one core, and µs per request served), the requests/s served and the
share of the requests the players would make at their rate that they managed (LL: 6 a second each —
playlist + part every 0.5 s, and subtitles playlist + WebVTT every 1 s; plain: 4 a second each — the same
four files every 1 s target duration). When the share is well under 1 the client processes could not keep
up (the latency then includes their own lag): ``--procs`` spreads the players. Prints one JSON line.

    python bench/hls.py --observers 1000 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import datetime
import json
import re
import resource
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from meeting_server.media.hls_playlists import PART_HOLD_BACK_S, PART_S, PARTS, SEGMENT_S
from tests.support.process import CROWD_ENV, ServerProcess

PLAIN_HOLD_BACK_S = 3 * SEGMENT_S
RATE = {"ll": 2 / PART_S + 2 / SEGMENT_S, "plain": 4 / SEGMENT_S}  # requests a player makes a second
SEGMENT = re.compile(
    r"#EXT-X-PROGRAM-DATE-TIME:(\S+)\n((?:#EXT-X-PART:[^\n]*\n)*)(?:#EXTINF:[^\n]*\n(seg\d+)\.ts)?"
)
PART = re.compile(r'URI="seg(\d+)p(\d+)\.ts"')


class Conn(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time (responses carry Content-Length)."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's TCPTransport

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("closed"))
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None or self.waiter.done():
            return
        head = bytes(self.buf[:end]).lower()
        i = head.find(b"content-length:")
        length = (
            int(head[i + 15 : head.find(b"\r\n", i) if head.find(b"\r\n", i) > 0 else None]) if i > 0 else 0
        )
        if len(self.buf) >= end + 4 + length:
            body = bytes(self.buf[end + 4 : end + 4 + length])
            del self.buf[: end + 4 + length]
            self.waiter.set_result((int(head[9:12]), body))

    async def get(self, path: str, host: str) -> tuple[int, bytes]:
        if self.transport is None:
            raise ConnectionError("closed")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        return await self.waiter


class Player:
    def __init__(self, host: str, port: int, folder: str, measure_from: float, until: float) -> None:
        self.host, self.port, self.folder = host, port, folder
        self.measure_from, self.until = measure_from, until
        self.requests = 0
        self.errors = 0
        self.delays: list[float] = []  # arrival - media end, for media that arrived while measuring
        self.conns: dict[str, Conn] = {}  # a keep-alive connection per job (media, subtitles)

    async def get(self, job: str, name: str) -> bytes:
        counted = time.time() >= self.measure_from
        try:
            conn = self.conns.get(job)
            if conn is None or conn.transport is None:
                loop = asyncio.get_running_loop()
                _, conn = await loop.create_connection(Conn, self.host, self.port)
                self.conns[job] = conn
            status, body = await conn.get(self.folder + name, self.host)
        except OSError:
            status, body = 0, b""
            await asyncio.sleep(0.5)  # like a player's retry delay
        if counted:
            self.requests += 1
            self.errors += status != 200
        return body if status == 200 else b""

    def arrived(self, end_wall: float) -> None:
        now = time.time()
        if now >= self.measure_from:
            self.delays.append(now - end_wall)

    async def ll_media(self) -> None:
        conn = "media"
        text = (await self.get(conn, "stream.m3u8")).decode()
        have = -1  # the newest part (global number) this player has
        while time.time() < self.until:
            ends = parts_and_ends(text)
            if have < 0 and ends:
                have = max(ends) - 1  # start at the live edge
            for g in sorted(x for x in ends if x > have):
                if await self.get(conn, f"seg{g // PARTS}p{g % PARTS}.ts"):
                    self.arrived(ends[g])
                have = g
            nxt = have + 1
            text = (
                await self.get(conn, f"stream.m3u8?_HLS_msn={nxt // PARTS}&_HLS_part={nxt % PARTS}")
            ).decode() or text

    async def ll_subtitles(self) -> None:
        conn = "subtitles"
        text = (await self.get(conn, "subs.m3u8")).decode()
        have = -1
        while time.time() < self.until:
            names = [int(n) for n in re.findall(r"^sub(\d+)\.vtt$", text, re.M)]
            for n in (x for x in names if x > have):
                if have >= 0:
                    await self.get(conn, f"sub{n}.vtt")
                have = n
            text = (await self.get(conn, f"subs.m3u8?_HLS_msn={have + 1}")).decode() or text

    async def plain(self) -> None:
        conn = "media"
        seen: set[str] = set()
        first = True
        while time.time() < self.until:
            polled = time.monotonic()
            text = (await self.get(conn, "stream.m3u8")).decode()
            for pdt, _parts, seg in SEGMENT.findall(text):
                if seg and seg not in seen:
                    seen.add(seg)
                    if not first and await self.get(conn, seg + ".ts"):
                        self.arrived(_wall(pdt) + SEGMENT_S)
            subs = (await self.get(conn, "subs.m3u8")).decode()
            for name in re.findall(r"^(sub\d+\.vtt)$", subs, re.M):
                if name not in seen:
                    seen.add(name)
                    if not first:
                        await self.get(conn, name)
            first = False  # a player joining takes the live edge, not the whole window
            await asyncio.sleep(max(0.0, SEGMENT_S - (time.monotonic() - polled)))


def _wall(pdt: str) -> float:
    return datetime.datetime.fromisoformat(pdt).timestamp()


def parts_and_ends(text: str) -> dict[int, float]:
    """Global part number -> the wall time its media ends, for the parts a media playlist lists."""
    ends: dict[int, float] = {}
    for pdt, parts, _seg in SEGMENT.findall(text):
        start = _wall(pdt)
        for msn, k in PART.findall(parts):
            ends[int(msn) * PARTS + int(k)] = start + (int(k) + 1) * PART_S
    return ends


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3) if ordered else -1.0


async def play(url: str, folder: str, mode: str, n: int, measure_from: float, until: float) -> dict[str, Any]:
    split = urlsplit(url)
    assert split.hostname and split.port
    players = [Player(split.hostname, split.port, folder, measure_from, until) for _ in range(n)]

    async def staggered(i: int, p: Player) -> None:
        await asyncio.sleep(SEGMENT_S * i / n)  # players come over one segment's time, not all at once
        jobs = [p.ll_media(), p.ll_subtitles()] if mode == "ll" else [p.plain()]
        await asyncio.gather(*jobs)

    own0 = time.process_time()
    await asyncio.gather(*(staggered(i, p) for i, p in enumerate(players)))
    return {
        "requests": sum(p.requests for p in players),
        "errors": sum(p.errors for p in players),
        "delays": [d for p in players for d in p.delays],
        "cpu": time.process_time() - own0,
    }


def play_in_process(
    url: str, folder: str, mode: str, n: int, measure_from: float, until: float
) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n * 3 + 1000)), hard))
    try:
        import uvloop

        return uvloop.run(play(url, folder, mode, n, measure_from, until))
    except ImportError:
        return asyncio.run(play(url, folder, mode, n, measure_from, until))


def phase(server: ServerProcess, folder: str, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    measure_from = time.time() + args.warmup
    until = measure_from + args.seconds
    shares = [args.observers // args.procs + (i < args.observers % args.procs) for i in range(args.procs)]
    with concurrent.futures.ProcessPoolExecutor(args.procs) as pool:
        futures = [
            pool.submit(play_in_process, server.url, folder, mode, n, measure_from, until) for n in shares
        ]
        time.sleep(max(0.0, measure_from - time.time()))
        cpu0, w0 = server.cpu_seconds(), time.time()
        time.sleep(max(0.0, until - time.time()))
        cpu, wall = server.cpu_seconds() - cpu0, time.time() - w0
        parts = [f.result() for f in futures]
    delays = [d for part in parts for d in part["delays"]]
    hold = PART_HOLD_BACK_S if mode == "ll" else PLAIN_HOLD_BACK_S
    requests = sum(part["requests"] for part in parts)
    return {
        f"{mode}_server_cpu_pct_of_core": round(100 * cpu / wall, 1),
        # CPU per request served: what the server's code costs, whether or not the clients kept up.
        f"{mode}_server_cpu_us_per_request": round(1e6 * cpu / max(1, requests), 1),
        f"{mode}_client_cpu_pct_of_core": round(
            100 * sum(part["cpu"] for part in parts) / (wall + args.warmup), 1
        ),
        f"{mode}_requests_per_s": round(requests / wall, 1),
        f"{mode}_requests_managed_share": round(requests / (args.observers * RATE[mode] * wall), 3),
        f"{mode}_http_errors": sum(part["errors"] for part in parts),
        f"{mode}_available_after_end_s_p50": pct(delays, 0.5),
        f"{mode}_available_after_end_s_p95": pct(delays, 0.95),
        f"{mode}_hold_back_s": hold,
        f"{mode}_glass_to_glass_s_p50": round(pct(delays, 0.5) + hold, 3) if delays else -1.0,
        f"{mode}_glass_to_glass_s_p95": round(pct(delays, 0.95) + hold, 3) if delays else -1.0,
        f"{mode}_media_files_measured": len(delays),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--observers", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=20.0, help="measured per mode (LL-HLS, then plain)")
    p.add_argument("--warmup", type=float, default=6.0)
    p.add_argument("--procs", type=int, default=1, help="client processes the players are spread over")
    p.add_argument("--modes", default="ll,plain")
    args = p.parse_args()
    result: dict[str, object] = {
        "observers": args.observers,
        "client_processes": args.procs,
        "target_duration_s": SEGMENT_S,
        "part_s": PART_S,
    }
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp), extra_env={**CROWD_ENV, "GONGZHI_MEDIA__CAPTIONS": "false"})
        try:
            created = server.create_meeting()
            token = created["links"]["observer"]["token"]
            live = f"/m/{created['meeting_id']}/live/"
            with urllib.request.urlopen(f"{server.url}{live}index.m3u8?t={token}") as r:  # starts the encoder
                assert r.status == 200
            for mode in args.modes.split(","):
                result |= phase(server, f"{live}s/{token}/", mode, args)
        finally:
            server.stop()
    result["seconds_per_mode"] = args.seconds
    print(json.dumps(result))


if __name__ == "__main__":
    main()
