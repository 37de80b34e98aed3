"""One runtime per meeting: the single writer that turns commands into durable events.

``execute`` holds the meeting's lock through decide → append (durable) → evolve → notify listeners, so
events reach every listener in sequence order and only after they are on disk. The speaking clock is
driven by scheduling a ``Tick`` at the state's next deadline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from meeting_server.core.clock import next_deadline
from meeting_server.core.commands import Tick
from meeting_server.core.decide import decide
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.evolve import evolve
from meeting_server.core.motion_events import BallotCast, VoteCancelled, VoteClosed
from meeting_server.core.redact import is_secret_plaintext, public_record, running_hidden
from meeting_server.core.registry import Command, Event
from meeting_server.core.roles import Actor
from meeting_server.core.state import MeetingState
from meeting_server.ledger.sealing import BallotSealer, unopened
from meeting_server.store.eventlog import MEETING, EventLog, stream_kind
from meeting_server.store.records import GENESIS_HASH, EventRecord
from meeting_server.store.writer import append_decided

log = logging.getLogger(__name__)

Clock = Callable[[], float]


# Told of every batch of new records (already durable), in order, under the meeting's lock.
Listener = Callable[["MeetingRuntime", Sequence[EventRecord], Sequence[Event]], Awaitable[None]]


class MeetingRuntime:
    """In-memory state of one meeting, kept equal to the fold of its log."""

    def __init__(self, meeting_id: str) -> None:
        self.meeting_id = meeting_id
        self.state: MeetingState | None = None
        self.seq = 0
        self.head_hash = GENESIS_HASH
        self.lock = asyncio.Lock()
        self.tick_handle: asyncio.TimerHandle | None = None
        # Hashes computed over a choice clients may not learn are withheld from these seqs on: a
        # plaintext secret ballot of an old log (for ever), a named ballot while running counts are hidden
        # (until its vote ends). Every later hash chains over it, so all of them are.
        self._legacy_from: int | None = None
        self._open_from: int | None = None

    def apply(self, record: EventRecord, event: Event) -> None:
        self.state = evolve(self.state, event)
        self.seq = record.seq
        self.head_hash = record.hash
        if record.type == BallotCast.name:
            if is_secret_plaintext(self.state, record.type, record.payload):
                self._legacy_from = self._legacy_from or record.seq
            elif running_hidden(self.state, record.type, record.payload):
                self._open_from = self._open_from or record.seq
        elif isinstance(event, VoteClosed | VoteCancelled):
            self._open_from = None

    @property
    def hash_hidden_from(self) -> int | None:
        """The first seq whose hash clients may not have now (None: every hash may be sent)."""
        hidden = [s for s in (self._legacy_from, self._open_from) if s is not None]
        return min(hidden) if hidden else None

    @property
    def withheld(self) -> tuple[int, str] | None:
        """``hash_hidden_from`` with why: ``open-vote`` (until it ends) or ``legacy-secret-ballot``."""
        hidden = [
            (s, why)
            for s, why in ((self._legacy_from, "legacy-secret-ballot"), (self._open_from, "open-vote"))
            if s is not None
        ]
        return min(hidden) if hidden else None

    def public(self, record: EventRecord) -> dict[str, Any]:
        """``record`` as clients may receive it now (see ``core.redact``)."""
        return public_record(self.state, record, self.hash_hidden_from)

    def public_head_hash(self) -> str | None:
        """The head hash, unless it is withheld (see ``hash_hidden_from``)."""
        return self.head_hash if self.hash_hidden_from is None else None


class MeetingRegistry:
    """All meetings of this process; loads a meeting from the log on first use.

    ``ballots`` seals secret ballots before they are written and opens them when the log is read back, so
    the state folds the choices the rules decided while the log (and every client) holds only sealed ones.
    """

    def __init__(self, log_store: EventLog, clock: Clock, ballots: BallotSealer) -> None:
        self._log = log_store
        self._clock = clock
        self._ballots = ballots
        self._meetings: dict[str, MeetingRuntime] = {}
        self._loading = asyncio.Lock()
        self._listeners: list[Listener] = []
        self._foreign_listeners: list[Listener] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self._watcher: asyncio.Task[None] | None = None

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def shared(self) -> bool:
        """Whether other processes write the same log (scale-out on Redis)."""
        return self._log.shared

    def add_listener(self, listener: Listener, *, foreign: bool = False) -> None:
        """Listen to events this process appends; with ``foreign=True``, also to those other processes
        append (scale-out), seen when this process catches up."""
        self._listeners.append(listener)
        if foreign:
            self._foreign_listeners.append(listener)

    async def read_log(self, meeting_id: str, after: int = 0, limit: int | None = None) -> list[EventRecord]:
        return await self._log.read(meeting_id, after, limit)

    async def load_all(self) -> None:
        """Rebuild every meeting from the log (at start-up) and re-arm their clocks."""
        for mid in await self._log.meeting_ids():
            try:
                await self.get(mid)
            except DomainError as e:  # one meeting that cannot run does not stop the others
                log.error("not loaded: %s", e.message)

    async def get(self, meeting_id: str) -> MeetingRuntime | None:
        if stream_kind(meeting_id) != MEETING:
            return None  # a community's or the street's stream is never a meeting
        rt = self._meetings.get(meeting_id)
        if rt is not None:
            return rt
        async with self._loading:
            rt = self._meetings.get(meeting_id)
            if rt is not None:
                return rt
            records = await self._log.read(meeting_id)
            if not records:
                return None
            rt = MeetingRuntime(meeting_id)
            for r in records:
                rt.apply(r, self._ballots.from_log(r))
            if unopened(rt.state):
                # Neither a second ballot could be refused nor the vote counted: do not run it.
                raise DomainError(
                    ErrorCode.WRONG_STATE,
                    f"meeting {meeting_id}: {unopened(rt.state)} ballots of the open vote do not open with "
                    "this server's ballot key (server.ballot_key / ballot.key): restore the key it was "
                    "written with",
                )
            self._meetings[meeting_id] = rt
            self._arm(rt)
            return rt

    async def create(self, meeting_id: str, command: Command) -> list[EventRecord]:
        """Run a creating command for a meeting id that has no log yet."""
        if stream_kind(meeting_id) != MEETING:
            raise DomainError(ErrorCode.INVALID, f"{meeting_id!r} is not a meeting id")
        async with self._loading:
            if meeting_id in self._meetings or await self._log.read(meeting_id, limit=1):
                raise DomainError(ErrorCode.DUPLICATE, f"meeting {meeting_id} exists")
            rt = MeetingRuntime(meeting_id)
            self._meetings[meeting_id] = rt
        try:
            return await self.execute(rt, Actor.system(), command)
        finally:
            if rt.state is None:
                self._meetings.pop(meeting_id, None)

    async def execute(self, rt: MeetingRuntime, actor: Actor, command: Command) -> list[EventRecord]:
        """Decide, persist, apply and announce. Raises DomainError if the rules refuse the command."""
        async with rt.lock:
            return await self.execute_locked(rt, actor, command)

    async def execute_locked(self, rt: MeetingRuntime, actor: Actor, command: Command) -> list[EventRecord]:
        """As ``execute``, for a caller already holding ``rt.lock``."""
        records, events = await append_decided(
            self._log,
            rt.meeting_id,
            head=lambda: (rt.seq, rt.head_hash),
            decide=lambda now: decide(rt.state, actor, command, now),
            actor=(actor.participant_id, actor.role.value),
            clock=self._clock,
            catch_up=lambda: self.catch_up_locked(rt),
            seal=lambda ev, who, role: self._ballots.for_log(rt.meeting_id, rt.state, ev, who, role),
        )
        if records:
            await self._apply(rt, records, events, self._listeners)
        return records

    async def _apply(
        self,
        rt: MeetingRuntime,
        records: Sequence[EventRecord],
        events: Sequence[Event],
        listeners: Sequence[Listener],
    ) -> None:
        """Fold durable records into the state, tell the listeners (in order), re-arm the clock."""
        for rec, ev in zip(records, events, strict=True):
            rt.apply(rec, ev)
        for listener in listeners:
            try:
                await listener(rt, records, events)
            except Exception:
                log.exception("listener failed on %s seq %d", rt.meeting_id, records[-1].seq)
        self._arm(rt)

    # ------------------------------------------------------------------ scale-out: other writers
    async def catch_up(self, rt: MeetingRuntime) -> None:
        async with rt.lock:
            await self.catch_up_locked(rt)

    async def catch_up_locked(self, rt: MeetingRuntime) -> None:
        """Apply what other processes appended to this meeting; tell the foreign-event listeners."""
        records = await self._log.read(rt.meeting_id, rt.seq)
        if not records:
            return
        events = [self._ballots.from_log(r) for r in records]
        await self._apply(rt, records, events, self._foreign_listeners)

    def start_watching(self, notifications: AsyncIterator[tuple[str, int]], poll_s: float = 2.0) -> None:
        """Catch up loaded meetings when another process appends (notified, and polled as a safety net)."""
        self._watcher = asyncio.get_running_loop().create_task(self._watch(notifications, poll_s))

    async def _watch(self, notifications: AsyncIterator[tuple[str, int]], poll_s: float) -> None:
        async def poll() -> None:
            while True:
                await asyncio.sleep(poll_s)
                for rt in list(self._meetings.values()):
                    try:
                        await self.catch_up(rt)
                    except Exception as e:  # Redis away: the next poll tries again
                        log.warning("catch-up of %s failed: %s", rt.meeting_id, e)

        poller = asyncio.get_running_loop().create_task(poll())
        try:
            async for meeting_id, seq in notifications:
                rt = self._meetings.get(meeting_id)
                if rt is not None and seq > rt.seq:
                    try:
                        await self.catch_up(rt)
                    except Exception as e:
                        log.warning("catch-up of %s failed: %s", meeting_id, e)
        finally:
            poller.cancel()
            await asyncio.gather(poller, return_exceptions=True)

    # ------------------------------------------------------------------ the clock
    def _arm(self, rt: MeetingRuntime) -> None:
        if rt.tick_handle is not None:
            rt.tick_handle.cancel()
            rt.tick_handle = None
        if self._closed or rt.state is None:
            return
        deadline = next_deadline(rt.state)
        if deadline is None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, deadline - self._clock())
        rt.tick_handle = loop.call_later(delay, self._spawn_tick, rt)

    def _spawn_tick(self, rt: MeetingRuntime) -> None:
        rt.tick_handle = None
        task = asyncio.get_running_loop().create_task(self.tick(rt))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def tick(self, rt: MeetingRuntime) -> None:
        """Let the clock act now (warning / expiry); re-arms itself."""
        try:
            await self.execute(rt, Actor.system(), Tick())
        except DomainError as e:
            log.warning("tick refused on %s: %s", rt.meeting_id, e)
            self._arm(rt)

    async def close(self) -> None:
        self._closed = True
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)
        for rt in self._meetings.values():
            if rt.tick_handle is not None:
                rt.tick_handle.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def loaded(self) -> list[MeetingRuntime]:
        return list(self._meetings.values())
