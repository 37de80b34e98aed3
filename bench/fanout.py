"""Event fan-out to N observers over loopback.

A server runs as a subprocess; N observers connect with a minimal engine.io/socket.io client over aiohttp
WebSockets (cheap enough to run thousands in one process). Two ways to make events:

- ``--mode keypoints``: the recorder marks key points at ``--rate`` per second, each an event in the log;
- ``--mode hands``: ``--residents`` joined residents toggle their hands (``RaiseHand`` / ``LowerHand``),
  ``--rate`` per second in all, half of them in the queue when measuring starts (the view is that of a full
  hall: every participant and a long queue).

Every client records, per events message, its size in bytes, the delay from the event's server timestamp to
its arrival (and, in hands mode, from the moment the command was sent), and the sequence numbers it saw (to
count losses). Prints one JSON line.

    python bench/fanout.py --observers 2000 --rate 2 --seconds 20
    python bench/fanout.py --mode hands --residents 300 --observers 1000 --rate 5 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
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
ACK = re.compile(r"43(\d+)")


class RawClient:
    """A socket.io v5 client reduced to what the bench needs: connect, hello, acknowledged calls (join,
    command), receive events."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str) -> None:
        self.session = session
        self.url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.token = token
        self.seqs: list[int] = []
        self.delays: list[float] = []
        self.arrivals: list[tuple[int, float]] = []  # (seq, when it arrived)
        self.sizes: list[int] = []  # bytes of each events message
        self.bytes_in = 0  # every frame received
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._next_id = 1  # 0 is the hello's

    async def run(self) -> None:
        async with self.session.ws_connect(self.url, max_msg_size=0) as ws:
            self.ws = ws
            await ws.receive()  # engine.io open packet
            await ws.send_str("40" + json.dumps({"token": self.token}))
            async for msg in ws:
                data = msg.data
                size = len(data.encode())
                self.bytes_in += size
                if data == "2":
                    await ws.send_str("3")
                elif data.startswith("40"):
                    await ws.send_str('420["hello",{}]')
                elif data.startswith('42["events"'):
                    # Only the envelope fields are needed (and they come before any whole view); a regex
                    # keeps thousands of clients in one process cheap enough that the figures measure the
                    # server, not this client.
                    now = time.time()
                    cut = data.find(',"view":')
                    self.sizes.append(size)
                    for seq, ts in ENVELOPE.findall(data if cut < 0 else data[:cut]):
                        self.seqs.append(int(seq))
                        self.delays.append(now - float(ts))
                        self.arrivals.append((int(seq), now))
                elif data.startswith('42["welcome"'):
                    self.ready.set()
                elif (m := ACK.match(data)) is not None:
                    fut = self._acks.pop(int(m.group(1)), None)
                    if fut is not None and not fut.done():
                        fut.set_result(json.loads(data[m.end() :])[0])

    async def call(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        assert self.ws is not None
        ack_id = self._next_id
        self._next_id += 1
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = fut
        await self.ws.send_str(f"42{ack_id}" + json.dumps([event, payload], ensure_ascii=False))
        async with asyncio.timeout(30):
            result: dict[str, Any] = await fut
        return result


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def connect_all(clients: list[RawClient]) -> None:
    for i in range(0, len(clients), 100):
        batch = clients[i : i + 100]
        for c in batch:
            c.task = asyncio.create_task(c.run())
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in batch)), 60)


class Hands:
    """Residents toggling their hands at ``rate`` per second in all (random, reproducible)."""

    def __init__(self, residents: list[RawClient], rate: float) -> None:
        self.residents = residents
        self.rate = rate
        self.up = [False] * len(residents)
        self.sent_at: dict[int, float] = {}  # seq → when its command was sent
        self.last_seq = 0
        self.timeouts = 0  # commands not acknowledged within 30 s
        self.stuck: set[int] = set()

    async def toggle(self, i: int) -> None:
        t = time.time()
        try:
            ack = await self.residents[i].call(
                "command", {"type": "LowerHand" if self.up[i] else "RaiseHand"}
            )
        except TimeoutError:  # counted, and that resident's hand is left alone from now on (state unknown)
            self.timeouts += 1
            self.stuck.add(i)
            return
        assert ack["ok"], ack
        self.up[i] = not self.up[i]
        self.sent_at[ack["seq"]] = t
        self.last_seq = max(self.last_seq, ack["seq"])

    async def prefill(self) -> None:
        """Half the hall in the queue: the steady state of random toggling."""
        half = len(self.residents) // 2
        for chunk in range(0, half, 25):
            await asyncio.gather(*(self.toggle(i) for i in range(chunk, min(chunk + 25, half))))
        self.sent_at.clear()

    async def run(self, seconds: float) -> tuple[int, int]:
        """Toggle for ``seconds``; returns the first and last sequence numbers it caused."""
        rng = random.Random(13)
        first = self.last_seq + 1
        pending: set[asyncio.Task[None]] = set()
        busy: set[int] = set()
        sent, t0 = 0, time.time()
        while time.time() - t0 < seconds:
            i = rng.randrange(len(self.residents))
            if i in busy or i in self.stuck:  # its last toggle is not acknowledged (yet)
                continue
            busy.add(i)
            task = asyncio.create_task(self.toggle(i))
            task.add_done_callback(lambda _t, i=i: busy.discard(i))
            pending.add(task)
            task.add_done_callback(pending.discard)
            sent += 1
            await asyncio.sleep(max(0.0, t0 + sent / self.rate - time.time()))
        await asyncio.gather(*pending)
        return first, self.last_seq


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
            RawClient(session, observer_urls[i % len(observer_urls)], links["observer"]["token"])
            for i in range(args.observers)
        ]
        t0 = time.time()
        await connect_all(observers)
        connect_s = time.time() - t0
        residents: list[RawClient] = []
        if args.mode == "hands":
            residents = [
                RawClient(session, command_url, links["participant"]["token"]) for _ in range(args.residents)
            ]
            await connect_all(residents)
            for i, r in enumerate(residents):
                ack = await r.call("join", {"name": f"居民{i + 1}"})
                assert ack["ok"], ack

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
        await mod.call("command", {"type": "StartAgendaItem", "index": 0})
        await asyncio.sleep(1.0)

        hands = Hands(residents, args.rate)
        if residents:
            await hands.prefill()
            await asyncio.sleep(1.0)
        everyone = observers + residents
        cpu0, w0, own0 = server_cpu(), time.time(), time.process_time()
        bytes0 = sum(c.bytes_in for c in everyone)
        sizes0 = {id(c): len(c.sizes) for c in everyone}
        if residents:
            first_seq, last_seq = await hands.run(args.seconds)
            sent = len(hands.sent_at)
        else:
            first_seq = max(o.seqs[-1] if o.seqs else 0 for o in observers) + 1
            sent, last_seq, interval, next_at = 0, 0, 1.0 / args.rate, time.time()
            while time.time() - w0 < args.seconds:
                ack = await recorder.call(
                    "command", {"type": "MarkKeyPoint", "text": f"要点 {sent}"}, timeout=30
                )
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
        lost = sum(len(expected - set(c.seqs)) for c in everyone)
        arrivals = [(c, s, t) for c in observers for s, t in c.arrivals if first_seq <= s <= last_seq]
        delays = [
            d for c in observers for (s, _), d in zip(c.arrivals, c.delays, strict=True) if s >= first_seq
        ]
        from_send = [t - hands.sent_at[s] for _, s, t in arrivals if s in hands.sent_at]
        logged_at = {s: t - d for c in observers for (s, t), d in zip(c.arrivals, c.delays, strict=True)}
        to_log = [logged_at[s] - t for s, t in hands.sent_at.items() if s in logged_at]
        sizes = [n for c in observers for n in c.sizes[sizes0[id(c)] :]]
        bytes_out = sum(c.bytes_in for c in everyone) - bytes0
        disconnected = sum(1 for c in everyone if c.task is not None and c.task.done())
        for c in everyone:
            if c.task is not None:
                c.task.cancel()
        await asyncio.gather(*(c.task for c in everyone if c.task), return_exceptions=True)
        await recorder.disconnect()
        await mod.disconnect()
    result: dict[str, Any] = {
        "bench": "fanout",
        "mode": args.mode,
        "server_processes": len(observer_urls),
        "observers": args.observers,
        "residents": len(residents),
        "events_per_s": args.rate,
        "events_sent": sent,
        "deliveries": len(delays),
        "latency_p50_ms": round(pct(delays, 0.50) * 1000, 1),
        "latency_p99_ms": round(pct(delays, 0.99) * 1000, 1),
        "latency_max_ms": round(max(delays) * 1000, 1) if delays else None,
        "lost": lost,
        "ack_timeouts": hands.timeouts,
        "disconnected": disconnected,
        "bytes_per_msg_mean": round(sum(sizes) / len(sizes)) if sizes else None,
        "bytes_per_msg_max": max(sizes) if sizes else None,
        "bytes_out_total": bytes_out,  # received by all clients (observers and residents) while measuring
        "mbit_per_s_out": round(bytes_out * 8 / wall / 1e6, 1),
        "server_cpu_pct_of_core": round(100 * cpu / wall, 1),  # all server processes together
        "client_cpu_pct_of_core": round(100 * own_cpu / wall, 1),
        "connect_all_s": round(connect_s, 2),
    }
    if from_send:  # hands: from the moment the resident's command left to its arrival at each observer
        result["send_to_observer_p50_ms"] = round(pct(from_send, 0.50) * 1000, 1)
        result["send_to_observer_p99_ms"] = round(pct(from_send, 0.99) * 1000, 1)
        # of which: from the send to the event's timestamp in the log (the server took the command)
        result["send_to_log_p50_ms"] = round(pct(to_log, 0.50) * 1000, 1)
        result["send_to_log_p99_ms"] = round(pct(to_log, 0.99) * 1000, 1)
    return result


def parse_args(doc: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--observers", type=int, default=500)
    p.add_argument("--mode", choices=("keypoints", "hands"), default="keypoints")
    p.add_argument("--residents", type=int, default=300, help="joined residents (hands mode)")
    p.add_argument("--rate", type=float, default=2.0, help="events per second")
    p.add_argument("--seconds", type=float, default=20.0)
    args = p.parse_args()
    clients = args.observers + (args.residents if args.mode == "hands" else 0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, clients * 2 + 1000)), hard))
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
