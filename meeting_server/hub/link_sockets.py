"""Sockets held by links that stop being theirs: a personal link opened on a second device takes over
(the first is told ``taken_over`` and dropped), a revoked personal link or a rotated role link drops
the sockets that connected with it (told ``link_revoked``), and a link (or session) that expires drops
its sockets at expiry (told ``link_expired``; the hub also refuses every message of an expired socket,
so nothing it sends between expiry and the next sweep counts).

Revocations are events in the meeting's log, so every process sees them (its own, or after catching up on
another's) and drops its own sockets. A takeover is told to the person's room across processes and the
local sockets are dropped here; a page told ``taken_over`` stays disconnected by itself. Disconnecting
runs the hub's disconnect listeners (the audio hub closes that socket's WebRTC peer), so it happens in a
task of its own, never under the meeting's lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import socketio

from meeting_server.core.invitations import PersonalLinkRevoked, RoleLinkRotated
from meeting_server.core.registry import Event
from meeting_server.core.roles import Role

log = logging.getLogger(__name__)

TAKEN_OVER = {"code": "taken_over", "message": "您已在另一台设备上进入会议"}
REVOKED = {"code": "link_revoked", "message": "此链接已被收回，请向社区工作人员索取新的邀请"}
EXPIRED = {"code": "expired_token", "message": "链接已过期，请向工作人员索取新链接"}
EXPIRY_SWEEP_S = 1.0  # how often connected sockets are checked for an expired link (wall time)


class LinkHolder(Protocol):
    meeting_id: str
    role: Role
    generation: int
    person_id: str | None

    @property
    def expires(self) -> float: ...


def expired_holders(clients: Mapping[str, LinkHolder], now: float) -> list[str]:
    """The sockets whose link or session has expired by ``now``."""
    return [sid for sid, c in clients.items() if c.expires < now]


def revoked_holders(clients: Mapping[str, LinkHolder], meeting_id: str, events: Sequence[Event]) -> list[str]:
    """The sockets whose link one of ``events`` revoked or rotated."""
    out: list[str] = []
    for ev in events:
        for sid, c in clients.items():
            if c.meeting_id != meeting_id:
                continue
            if isinstance(ev, PersonalLinkRevoked) and c.person_id == ev.person_id:
                out.append(sid)
            elif isinstance(ev, RoleLinkRotated):
                if c.person_id is None and c.role is ev.role and c.generation < ev.generation:
                    out.append(sid)
    return out


class LinkSockets:
    """Drops sockets for the hub (which owns ``clients``)."""

    def __init__(self, sio: socketio.AsyncServer, clients: Mapping[str, LinkHolder]) -> None:
        self.sio = sio
        self.clients = clients
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._dropping: set[str] = set()  # expired sockets being dropped (not dropped twice)

    def start(self, clock: Callable[[], float], every_s: float = EXPIRY_SWEEP_S) -> None:
        """Drop expired sockets every ``every_s`` seconds, by ``clock`` (the registry's)."""

        async def sweep() -> None:
            while True:
                await asyncio.sleep(every_s)
                self.expire(clock())

        self._sweeper = asyncio.get_running_loop().create_task(sweep())

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    def expire(self, now: float) -> None:
        """Drop (later, in a task) every socket whose link or session has expired by ``now``."""
        sids = [sid for sid in expired_holders(self.clients, now) if sid not in self._dropping]
        if not sids:
            return
        self._dropping.update(sids)

        async def drop() -> None:
            try:
                for sid in sids:
                    await self._drop(sid, "link_expired", EXPIRED)
            finally:
                self._dropping.difference_update(sids)

        self._spawn(drop)

    async def take_over(self, sid: str, meeting_id: str, person_id: str, room: str) -> None:
        """``sid`` is the person's socket now: every other one, on any process, is told and dropped."""
        local = [
            other
            for other, c in self.clients.items()
            if other != sid and c.meeting_id == meeting_id and c.person_id == person_id
        ]
        await self.sio.emit("taken_over", TAKEN_OVER, room=room, skip_sid=[sid, *local])
        for other in local:
            await self._drop(other, "taken_over", TAKEN_OVER)

    def on_events(self, meeting_id: str, events: Sequence[Event]) -> None:
        """Called with each batch of the log (under the meeting's lock): drop what it revoked, later."""
        sids = revoked_holders(self.clients, meeting_id, events)
        if sids:
            self._spawn(lambda: self._drop_all(sids))

    async def _drop_all(self, sids: list[str]) -> None:
        for sid in sids:
            await self._drop(sid, "link_revoked", REVOKED)

    async def _drop(self, sid: str, event: str, message: dict[str, Any]) -> None:
        try:
            await self.sio.emit(event, message, to=sid)
            await self.sio.disconnect(sid)
        except Exception:
            log.exception("could not drop socket %s (%s)", sid, event)

    def _spawn(self, work: Callable[[], Any]) -> None:
        task = asyncio.get_running_loop().create_task(work())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
