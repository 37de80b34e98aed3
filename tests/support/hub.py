"""A real Gongzhi server on loopback and real python-socketio clients talking to it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import socketio
from aiohttp import web

from meeting_server.core.delta import apply
from meeting_server.hub.app import create_app
from meeting_server.hub.keys import ADMIN_TOKEN, REGISTRY
from meeting_server.hub.live_fast import LiveRunner
from meeting_server.hub.runtime import MeetingRegistry
from meeting_server.settings import Settings, load_settings

DEMO_SPEC: dict[str, Any] = {
    "title": "测试议事会",
    "level": "shequ",
    "place": "社区活动中心",
    "scheduled_at": "2026-12-01T19:00+08:00",
    "agenda": [{"title": "东门停车", "planned_minutes": 20}, {"title": "加装电梯", "planned_minutes": 30}],
    "settings": {"speaking_limit_s": 180, "warning_s": 30, "expected_members": 4},
}


class FakeClock:
    """Wall-clock-like seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_settings(
    data_dir: Path,
    *,
    captions: bool = False,
    limits: dict[str, Any] | None = None,
    webrtc: dict[str, Any] | None = None,
    live: dict[str, Any] | None = None,
    **server: Any,
) -> Settings:
    """Loopback test settings; captions (the Whisper model) only for the tests that need them."""
    return load_settings(environ={}).with_overrides(
        server={"port": 0, "admin_token": "test-admin-token", "secret_key": "s" * 32, **server},
        store={"data_dir": str(data_dir)},
        media={"captions": captions},
        limits=limits or {},
        webrtc=webrtc or {},
        live=live or {},
    )


class Server:
    def __init__(self, app: web.Application, url: str, clock: FakeClock) -> None:
        self.app = app
        self.url = url
        self.clock = clock

    @property
    def registry(self) -> MeetingRegistry:
        return self.app[REGISTRY]

    async def create_meeting(self, spec: dict[str, Any] | None = None) -> dict[str, Any]:
        async with aiohttp.ClientSession() as s:
            r = await s.post(
                self.url + "/api/meetings",
                json=spec or DEMO_SPEC,
                headers={"Authorization": "Bearer " + self.app[ADMIN_TOKEN]},
            )
            body: dict[str, Any] = await r.json()
            assert r.status == 201, body
            return body

    async def tick(self, meeting_id: str) -> None:
        rt = await self.registry.get(meeting_id)
        assert rt is not None
        await self.registry.tick(rt)


@asynccontextmanager
async def running_server(
    data_dir: Path,
    *,
    captions: bool = False,
    limits: dict[str, Any] | None = None,
    webrtc: dict[str, Any] | None = None,
    limit_clock: FakeClock | None = None,
    live: dict[str, Any] | None = None,
    **server: Any,
) -> AsyncIterator[Server]:
    """A server on a free loopback port; its meetings run on a fake clock, its rate limits on the real
    monotonic clock unless ``limit_clock`` is given."""
    clock = FakeClock()
    settings = make_settings(data_dir, captions=captions, limits=limits, webrtc=webrtc, live=live, **server)
    app = create_app(settings, clock=clock, limit_clock=limit_clock or time.monotonic)
    runner = LiveRunner(app)  # as the server runs: the livestream's fast path in front of aiohttp
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Server(app, f"http://127.0.0.1:{port}", clock)
    finally:
        await runner.cleanup()


class Peer:
    """One browser-like client: connects with a link token, keeps every message it receives."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.welcomes: list[dict[str, Any]] = []
        self.transients: list[dict[str, Any]] = []
        self.session: str | None = None
        self.gaps = 0
        self.deltas = 0  # batches whose view came as a delta
        self.batches: list[dict[str, Any]] = []  # every events message as received
        self._base = 0
        self.participant_id: str | None = None
        self._changed = asyncio.Event()
        self.sio.on("events", self._on_events)
        self.sio.on("welcome", self._on_welcome)
        self.sio.on("transient", self._on_transient)

    def _take(self, events: list[dict[str, Any]]) -> bool:
        """Keep events in sequence: drop duplicates, and on a gap ask the server again (as the pages do)."""
        fresh = [e for e in events if e["seq"] > self.last_seq]
        if fresh and fresh[0]["seq"] != self.last_seq + 1:
            self._resync()
            return False
        self.events.extend(fresh)
        return True

    async def _on_events(self, msg: dict[str, Any]) -> None:
        """A batch carries the whole view or the delta from the view at ``base_seq`` (as the pages do, a
        delta that does not fit the view held is a gap)."""
        self.batches.append(msg)
        if msg["seq"] <= self.last_seq:
            self._changed.set()
            return
        if "view" not in msg and (msg["base_seq"] != self.last_seq or not self.views):
            self._resync()
        elif self._take(msg["events"]):
            if "view" in msg:
                self.views.append(msg["view"])
            else:
                self.deltas += 1
                public = {k: v for k, v in self.views[-1].items() if k != "you"}  # a welcome's own part
                self.views.append(apply(public, msg["delta"]))
        self._changed.set()

    def _resync(self) -> None:
        self.gaps += 1
        asyncio.get_running_loop().create_task(self.sio.emit("sync", {"since": self.last_seq}))

    async def _on_welcome(self, msg: dict[str, Any]) -> None:
        if "events" in msg:
            self._take(msg["events"])
        elif not self.events:
            self._base = msg["seq"]  # a snapshot: the history before it is not replayed
        self.welcomes.append(msg)
        self.views.append(msg["view"])
        you = msg["you"]
        self.session = you.get("session", self.session)
        self.participant_id = you.get("participant_id", self.participant_id)
        self._changed.set()

    async def _on_transient(self, msg: dict[str, Any]) -> None:
        self.transients.append(msg)
        self._changed.set()

    @property
    def view(self) -> dict[str, Any]:
        return self.views[-1]

    @property
    def last_seq(self) -> int:
        return self.events[-1]["seq"] if self.events else self._base

    async def connect(
        self,
        *,
        session: str | None = None,
        since: int | None = None,
        transport: str = "websocket",
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Connect and say hello; ``transport="polling"`` stays on HTTP long-polling (never upgrades)."""
        if since is not None and not self.events:
            self._base = since  # a fresh client that remembers where it was (like a reloaded page)
        auth: dict[str, Any] = {"token": self.token}
        if session:
            auth["session"] = session
        await self.sio.connect(
            self.url, auth=auth, transports=[transport], wait_timeout=10, headers=headers or {}
        )
        ack: dict[str, Any] = await self.sio.call(
            "hello", {} if since is None else {"since": since}, timeout=10
        )
        assert ack["ok"], ack
        return ack

    async def join(self, name: str) -> dict[str, Any]:
        ack: dict[str, Any] = await self.sio.call("join", {"name": name}, timeout=10)
        if ack["ok"]:
            self.session = ack["you"]["session"]
            self.participant_id = ack["you"]["participant_id"]
        return ack

    async def cmd(self, type_: str, **fields: Any) -> dict[str, Any]:
        ack: dict[str, Any] = await self.sio.call("command", {"type": type_, **fields}, timeout=10)
        return ack

    async def ok(self, type_: str, **fields: Any) -> int:
        ack = await self.cmd(type_, **fields)
        assert ack["ok"], (type_, fields, ack)
        seq: int = ack["seq"]
        return seq

    async def wait_seq(self, seq: int, timeout: float = 10) -> None:
        async def _wait() -> None:
            while self.last_seq < seq:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(_wait(), timeout)

    async def wait_for(self, pred: Any, timeout: float = 10) -> None:
        """Until ``pred()`` holds; re-checked on every message and at least every 0.1 s (it may depend on
        more than this peer's messages)."""

        async def _wait() -> None:
            while not pred():
                self._changed.clear()
                try:
                    await asyncio.wait_for(self._changed.wait(), 0.1)
                except TimeoutError:
                    pass

        await asyncio.wait_for(_wait(), timeout)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
