"""HLS observers: N players poll a meeting's livestream over loopback, as hls.js does.

A server runs as a subprocess (its captions model off: this measures the stream). Each player fetches the
master playlist once, then every target duration the media and subtitles playlists, and each segment and
WebVTT file when it is first listed, over its own keep-alive connection. Measured over ``--seconds`` after
a warm-up: the server's CPU (% of one core), requests and bytes served, and latency: for each segment,
from the wall time of its first frame (``#EXT-X-PROGRAM-DATE-TIME``) to the moment a player first saw it
listed and to when its last byte arrived. A player plays ``LIVE_SYNC`` segments behind the live edge
(hls.js ``liveSyncDurationCount``, as the observer page sets it), so glass-to-glass for a player is the
segment's availability latency plus that hold-back; that estimate is reported as ``player_latency_s``.
Captions land in the subtitles segment of the stream time they are committed at, published with that media
segment, so a cue's delay from its commit is the same availability latency. Prints one JSON line.

    python bench/hls.py --observers 1000 --seconds 30 --procs 4
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
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.process import CROWD_ENV, ServerProcess

LIVE_SYNC = 2  # segments a player stays behind the live edge (live_video.js liveSyncDurationCount)
ENTRY = re.compile(r"#EXTINF:([0-9.]+),\n#EXT-X-PROGRAM-DATE-TIME:(\S+)\n(\S+)")


class Player:
    def __init__(self, base: str, index: str) -> None:
        self.base = base
        self.index = index
        self.seen: set[str] = set()
        self.requests = 0
        self.bytes = 0
        self.errors = 0
        self.listed: dict[str, tuple[float, float]] = {}  # segment -> (first frame wall time, seen at)
        self.loaded: dict[str, float] = {}  # segment -> last byte at

    async def get(self, session: aiohttp.ClientSession, url: str) -> bytes:
        self.requests += 1
        try:
            async with session.get(url) as r:
                body = await r.read()
        except aiohttp.ClientError:
            self.errors += 1  # counted, and the player goes on like hls.js retrying
            return b""
        self.bytes += len(body)
        if r.status != 200:
            self.errors += 1
        return body

    async def run(self, until: float) -> None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as s:
            master = ""
            while not master and time.time() < until:
                master = (await self.get(s, self.base + self.index)).decode() or await _pause()
            variant = re.search(r"^(s/\S+/stream\.m3u8)$", master, re.M)
            subs = re.search(r'URI="(s/\S+/subs\.m3u8)"', master)
            assert variant and subs, master
            folder = self.base + variant.group(1).rsplit("/", 1)[0] + "/"
            target = 2.0
            while time.time() < until:
                polled = time.monotonic()
                media = (await self.get(s, self.base + variant.group(1))).decode()
                now = time.time()
                for _dur, pdt, name in ENTRY.findall(media):
                    if name not in self.seen:
                        self.seen.add(name)
                        self.listed[name] = (datetime.datetime.fromisoformat(pdt).timestamp(), now)
                        await self.get(s, folder + name)
                        self.loaded[name] = time.time()
                text = (await self.get(s, self.base + subs.group(1))).decode()
                for name in re.findall(r"^(sub\d+\.vtt)$", text, re.M):
                    if name not in self.seen:
                        self.seen.add(name)
                        await self.get(s, folder + name)
                if m := re.search(r"#EXT-X-TARGETDURATION:(\d+)", media):
                    target = float(m.group(1))
                await asyncio.sleep(max(0.0, target - (time.monotonic() - polled)))


async def _pause() -> str:
    await asyncio.sleep(1.0)
    return ""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3) if ordered else -1.0


async def play(base: str, name: str, n: int, measure_from: float, until: float) -> dict[str, Any]:
    """One client process's players; counts only what happens after ``measure_from``."""
    players = [Player(base, name) for _ in range(n)]

    async def staggered(i: int, p: Player) -> None:
        await asyncio.sleep(2.0 * i / len(players))
        await p.run(until)

    tasks = [asyncio.create_task(staggered(i, p)) for i, p in enumerate(players)]
    await asyncio.sleep(max(0.0, measure_from - time.time()))
    req0, bytes0, own0 = sum(p.requests for p in players), sum(p.bytes for p in players), time.process_time()
    await asyncio.gather(*tasks)
    listed, loaded = [], []
    for p in players:
        for seg, (first_frame, seen_at) in p.listed.items():
            if seen_at >= measure_from:
                listed.append(seen_at - first_frame)
                loaded.append(p.loaded.get(seg, seen_at) - first_frame)
    return {
        "requests": sum(p.requests for p in players) - req0,
        "bytes": sum(p.bytes for p in players) - bytes0,
        "errors": sum(p.errors for p in players),
        "cpu": time.process_time() - own0,
        "listed": listed,
        "loaded": loaded,
    }


def play_in_process(base: str, name: str, n: int, measure_from: float, until: float) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n * 2 + 1000)), hard))
    return asyncio.run(play(base, name, n, measure_from, until))


async def drive(server: ServerProcess, index: str, args: argparse.Namespace) -> dict[str, object]:
    base = f"{server.url}{index.rsplit('/', 1)[0]}/"
    name = index.rsplit("/", 1)[1]
    # The first viewer starts the encoder; the others come within the next two seconds.
    async with aiohttp.ClientSession() as s, s.get(base + name) as r:
        assert r.status == 200, await r.text()
    measure_from = time.time() + args.warmup
    until = measure_from + args.seconds
    loop = asyncio.get_running_loop()
    shares = [args.observers // args.procs + (i < args.observers % args.procs) for i in range(args.procs)]
    with concurrent.futures.ProcessPoolExecutor(args.procs) as pool:
        futures = [
            loop.run_in_executor(pool, play_in_process, base, name, n, measure_from, until) for n in shares
        ]
        await asyncio.sleep(max(0.0, measure_from - time.time()))
        cpu0, w0 = server.cpu_seconds(), time.time()
        parts = await asyncio.gather(*futures)
    wall = time.time() - w0
    cpu = server.cpu_seconds() - cpu0
    listed = [x for part in parts for x in part["listed"]]
    loaded = [x for part in parts for x in part["loaded"]]
    segment_s = 2.0
    return {
        "observers": args.observers,
        "client_processes": args.procs,
        "seconds": round(wall, 1),
        "hls_kind": "plain",  # 2 s MPEG-TS segments, no LL-HLS partial segments
        "segment_s": segment_s,
        "server_cpu_pct_of_core": round(100 * cpu / wall, 1),
        "client_cpu_pct_of_core": round(100 * sum(part["cpu"] for part in parts) / wall, 1),
        "requests_per_s": round(sum(part["requests"] for part in parts) / wall, 1),
        "served_mbit_per_s": round(8 * sum(part["bytes"] for part in parts) / wall / 1e6, 2),
        "http_errors": sum(part["errors"] for part in parts),
        "segment_listed_latency_s_p50": pct(listed, 0.5),
        "segment_listed_latency_s_p95": pct(listed, 0.95),
        "segment_loaded_latency_s_p50": pct(loaded, 0.5),
        "segment_loaded_latency_s_p95": pct(loaded, 0.95),
        # A moment at the start of a segment, played LIVE_SYNC segments behind the live edge.
        "player_latency_s_p50": round(pct(loaded, 0.5) + LIVE_SYNC * segment_s, 3) if loaded else -1.0,
        "segments_measured": len(listed),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--observers", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--warmup", type=float, default=8.0)
    p.add_argument("--procs", type=int, default=4, help="client processes the players are spread over")
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, args.observers * 2 + 1000)), hard))
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp), extra_env={**CROWD_ENV, "GONGZHI_MEDIA__CAPTIONS": "false"})
        try:
            created = server.create_meeting()
            token = created["links"]["observer"]["token"]
            index = f"/m/{created['meeting_id']}/live/index.m3u8?t={token}"
            result = asyncio.run(drive(server, index, args))
        finally:
            server.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
