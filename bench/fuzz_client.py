"""One fuzzing client of bench/fuzz.py: a raw engine.io WebSocket with a role's link token, sending
generated payloads with a window of acks outstanding, and the counts every client adds to."""

from __future__ import annotations

import asyncio
import collections
import json
import re
import time
from typing import Any

import aiohttp

from bench.fuzz_payloads import ACK_MARK, Generator, Payload

ACK_TIMEOUT_S = 5.0
SETUP = "\x00setup"  # what a setup call's pending ack is noted as (not counted as fuzz)
ACK = re.compile(r"3(\d+)")


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
