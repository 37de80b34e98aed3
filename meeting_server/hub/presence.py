"""Connection presence: which joined people have a device in the meeting now (see ``core.presence``).

This process counts its own sockets per participant. When the last one of an online participant goes,
the participant gets ``[meeting] presence_grace_s`` to come back; then the server executes
``MarkDisconnected(participant_id, connection)`` as the system, having re-checked under the meeting's lock
that no socket of theirs has come back here. A device that comes back to a participant marked
disconnected makes ``MarkConnected``.

Scale-out (several processes on one log): the socket may come back through another process, which knows
nothing of the drop this one saw. So each socket belongs to a *connection number* (``Participant.
connection``): a process that gets the first socket of a participant it had none of writes
``MarkConnected`` (unless it is itself waiting out that participant's grace period), which moves the number
on; the drop this process saw carries the old number, and the rules refuse it (``wrong_state``). A
participant open on two processes whose device on one of them goes is marked out by that one; the other,
seeing ``ParticipantDisconnected`` for someone it has a socket of, writes ``MarkConnected`` at once.

Start-up: nobody is connected to a process that just started, so every online participant still marked
connected gets the grace period to come back (here, or through another process, as above) before being
marked out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from meeting_server.core.errors import DomainError
from meeting_server.core.presence import MarkConnected, MarkDisconnected, ParticipantDisconnected
from meeting_server.core.registry import Event
from meeting_server.core.roles import Actor
from meeting_server.core.values import Channel, MeetingStatus
from meeting_server.store.records import EventRecord

from .runtime import MeetingRegistry, MeetingRuntime

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (meeting id, participant id)


class PresenceTracker:
    """This process's sockets per participant, and the grace periods of those whose last one went."""

    def __init__(self, registry: MeetingRegistry, grace_s: float) -> None:
        self.registry = registry
        self.grace_s = grace_s
        self._sockets: dict[Key, set[str]] = {}
        self._socket_key: dict[str, Key] = {}
        self._socket_connection: dict[str, int] = {}
        # Participants whose last socket here went: (deadline, the connection number that went).
        self._gone: dict[Key, tuple[float, int]] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        registry.add_listener(self._on_events, foreign=True)

    def connected_here(self, meeting_id: str, participant_id: str) -> int:
        return len(self._sockets.get((meeting_id, participant_id), ()))

    def pending(self, meeting_id: str, participant_id: str) -> bool:
        """Whether this process waits out that participant's grace period now."""
        return (meeting_id, participant_id) in self._gone

    async def attach(
        self, sid: str, rt: MeetingRuntime, participant_id: str, *, joined: bool = False
    ) -> None:
        """A socket of ``participant_id`` is in the meeting (it connected with its session, or joined)."""
        key = (rt.meeting_id, participant_id)
        first = not self._sockets.get(key)
        self._sockets.setdefault(key, set()).add(sid)
        self._socket_key[sid] = key
        waiting = self._gone.pop(key, None) is not None
        # Under the lock: a sweep writing this participant's disconnection right now is seen here, done.
        async with rt.lock:
            person = rt.state.participants.get(participant_id) if rt.state is not None else None
            if person is not None and person.channel is Channel.ONLINE and person.present and not joined:
                others_may_wait = self.registry.shared and first and not waiting
                if not person.connected or others_may_wait:
                    try:
                        await self.registry.execute_locked(rt, Actor.system(), MarkConnected(participant_id))
                    except DomainError as e:  # the meeting closed meanwhile
                        log.info("not marked connected on %s: %s", rt.meeting_id, e)
                    person = rt.state.participants.get(participant_id) if rt.state is not None else None
            self._socket_connection[sid] = person.connection if person is not None else 0

    def detach(self, sid: str) -> None:
        """A socket went away; the last of a participant's starts their grace period."""
        key = self._socket_key.pop(sid, None)
        connection = self._socket_connection.pop(sid, 0)
        if key is None:
            return
        sockets = self._sockets.get(key)
        if sockets is not None:
            sockets.discard(sid)
            if sockets:
                return
            del self._sockets[key]
        self._gone[key] = (self.registry.clock() + self.grace_s, connection)
        self._arm()

    def start(self) -> None:
        """After loading the meetings at start-up: everyone online still marked connected has the grace
        period to come back."""
        deadline = self.registry.clock() + self.grace_s
        for rt in self.registry.loaded():
            state = rt.state
            if state is None or state.status is MeetingStatus.CLOSED:
                continue
            for p in state.participants.values():
                key = (rt.meeting_id, p.participant_id)
                if p.channel is Channel.ONLINE and p.present and p.connected and not self._sockets.get(key):
                    self._gone[key] = (deadline, p.connection)
        self._arm()

    async def sweep(self) -> None:
        """Mark out everyone whose grace period has run out (the timer calls this; tests do, too)."""
        now = self.registry.clock()
        due = [(key, conn) for key, (deadline, conn) in self._gone.items() if deadline <= now]
        for key, connection in due:
            del self._gone[key]
            meeting_id, participant_id = key
            rt = await self.registry.get(meeting_id)
            if rt is None:
                continue
            async with rt.lock:
                if self._sockets.get(key) or key in self._gone:  # back here meanwhile
                    continue
                try:
                    await self.registry.execute_locked(
                        rt, Actor.system(), MarkDisconnected(participant_id, connection)
                    )
                except DomainError as e:  # reconnected elsewhere, left, or the meeting closed
                    log.info("%s on %s not marked disconnected: %s", participant_id, meeting_id, e)
        self._arm()

    def _arm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._closed or not self._gone:
            return
        earliest = min(deadline for deadline, _ in self._gone.values())
        delay = max(0.05, earliest - self.registry.clock())
        self._handle = asyncio.get_running_loop().call_later(delay, self._spawn_sweep)

    def _spawn_sweep(self) -> None:
        self._handle = None
        self._spawn(self.sweep())

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_events(
        self, rt: MeetingRuntime, records: Sequence[EventRecord], events: Sequence[Event]
    ) -> None:
        # Someone marked out (by another process) who has a socket here is connected: say so, outside the
        # lock this listener runs under.
        for ev in events:
            if isinstance(ev, ParticipantDisconnected) and self._sockets.get(
                (rt.meeting_id, ev.participant_id)
            ):
                self._spawn(self._reconnect(rt, ev.participant_id))

    async def _reconnect(self, rt: MeetingRuntime, participant_id: str) -> None:
        try:
            await self.registry.execute(rt, Actor.system(), MarkConnected(participant_id))
        except DomainError as e:
            log.info("%s on %s not marked connected: %s", participant_id, rt.meeting_id, e)

    async def close(self) -> None:
        self._closed = True
        if self._handle is not None:
            self._handle.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
