"""Event fan-out to N observers over loopback.

A server runs as a subprocess; N observers connect with a minimal engine.io/socket.io client over aiohttp
WebSockets (cheap enough to run thousands in one process); the recorder marks key points at a fixed rate, each
an event in the log. Every observer records, per event, the delay from the event's server timestamp to its
arrival, and the sequence numbers it saw (to count losses). Prints one JSON line.

    python bench/fanout.py --observers 2000 --rate 2 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.process import CROWD_ENV, ServerProcess

ENVELOPE = re.compile(r'\{"seq":(\d+),"ts":([0-9.]+)')


class RawObserver:
    """A socket.io v5 client reduced to what an observer needs: connect, hello, receive events."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str) -> None:
        self.session = session
        self.url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.token = token
        self.seqs: list[int] = []
        self.delays: list[float] = []
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        async with self.session.ws_connect(self.url, max_msg_size=0) as ws:
            await ws.receive()  # engine.io open packet
            await ws.send_str("40" + json.dumps({"token": self.token}))
            async for msg in ws:
                data = msg.data
                if data == "2":
                    await ws.send_str("3")
                elif data.startswith("40"):
                    await ws.send_str('420["hello",{}]')
                elif data.startswith('42["events"'):
                    # Only the envelope fields are needed; a regex keeps thousands of clients in one
                    # process cheap enough that the figures measure the server, not this client.
                    now = time.time()
                    for seq, ts in ENVELOPE.findall(data):
                        self.seqs.append(int(seq))
                        self.delays.append(now - float(ts))
                elif data.startswith('42["welcome"'):
                    self.ready.set()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def drive(
    observer_urls: list[str],
    command_url: str,
    links: dict[str, Any],
    server_cpu: Callable[[], float],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Observers spread round-robin over ``observer_urls``; the commanding clients on ``command_url``."""
    import socketio

    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=conn) as session:
        observers = [
            RawObserver(session, observer_urls[i % len(observer_urls)], links["observer"]["token"])
            for i in range(args.observers)
        ]
        t0 = time.time()
        for i in range(0, len(observers), 100):
            batch = observers[i : i + 100]
            for o in batch:
                o.task = asyncio.create_task(o.run())
            await asyncio.wait_for(asyncio.gather(*(o.ready.wait() for o in batch)), 60)
        connect_s = time.time() - t0

        recorder = socketio.AsyncClient(reconnection=False)
        await recorder.connect(
            command_url, auth={"token": links["recorder"]["token"]}, transports=["websocket"]
        )
        await recorder.call("hello", {})
        await recorder.call("join", {"name": "记录员"})
        mod = socketio.AsyncClient(reconnection=False)
        await mod.connect(command_url, auth={"token": links["moderator"]["token"]}, transports=["websocket"])
        await mod.call("hello", {})
        await mod.call("join", {"name": "主持人"})
        await mod.call("command", {"type": "OpenMeeting"})
        await asyncio.sleep(1.0)
        first_seq = max(o.seqs[-1] if o.seqs else 0 for o in observers) + 1

        cpu0, w0, own0 = server_cpu(), time.time(), time.process_time()
        sent = 0
        interval = 1.0 / args.rate
        next_at = time.time()
        last_seq = 0
        while time.time() - w0 < args.seconds:
            ack = await recorder.call("command", {"type": "MarkKeyPoint", "text": f"要点 {sent}"}, timeout=30)
            assert ack["ok"], ack
            last_seq = ack["seq"]
            sent += 1
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.time()))
        await asyncio.sleep(2.0)  # let the last deliveries land
        cpu = server_cpu() - cpu0
        wall = time.time() - w0
        own_cpu = time.process_time() - own0
        expected = set(range(first_seq, last_seq + 1))
        lost = sum(len(expected - set(o.seqs)) for o in observers)
        first = {o: o.seqs.index(first_seq) if first_seq in o.seqs else len(o.seqs) for o in observers}
        delays = [d for o in observers for d in o.delays[first[o] :]]
        disconnected = sum(1 for o in observers if o.task is not None and o.task.done())
        for o in observers:
            if o.task is not None:
                o.task.cancel()
        await asyncio.gather(*(o.task for o in observers if o.task), return_exceptions=True)
        await recorder.disconnect()
        await mod.disconnect()
    return {
        "bench": "fanout",
        "server_processes": len(observer_urls),
        "observers": args.observers,
        "events_per_s": args.rate,
        "events_sent": sent,
        "deliveries": len(delays),
        "latency_p50_ms": round(pct(delays, 0.50) * 1000, 1),
        "latency_p99_ms": round(pct(delays, 0.99) * 1000, 1),
        "latency_max_ms": round(max(delays) * 1000, 1) if delays else None,
        "lost": lost,
        "disconnected": disconnected,
        "server_cpu_pct_of_core": round(100 * cpu / wall, 1),  # all server processes together
        "client_cpu_pct_of_core": round(100 * own_cpu / wall, 1),
        "connect_all_s": round(connect_s, 2),
    }


def parse_args(doc: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--observers", type=int, default=500)
    p.add_argument("--rate", type=float, default=2.0, help="events per second")
    p.add_argument("--seconds", type=float, default=20.0)
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, args.observers * 2 + 1000)), hard))
    return args


def run(coro: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    try:  # the measuring side should add as little delay of its own as possible
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def main() -> None:
    args = parse_args(__doc__ or "")
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp), extra_env=CROWD_ENV)
        try:
            links = server.create_meeting()["links"]
            result = run(drive([server.url], server.url, links, server.cpu_seconds, args))
        finally:
            server.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
