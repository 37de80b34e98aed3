"""The street directory and every community's roster in this process, each one stream with one writer.

The directory is the stream ``street:directory``; a community's roster, its topics (议题征集) and its
execution records (执行监督) are ``community:<id>``. Commands go
through ``execute_*``: under the stream's lock, decide on the newest state, append (compare-and-set,
durable), then fold — the meeting runtime's discipline, through the same ``append_decided``. With a shared
log (Redis) another process may have appended: every read catches up first, so an account disabled
through one process is refused by all of them on its next request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from meeting_server.community.carryover_rules import CarryOverState, decide_carryover
from meeting_server.community.execution_rules import decide_execution
from meeting_server.community.execution_state import ExecutionActor, ExecutionState
from meeting_server.community.places_rules import decide_places
from meeting_server.community.registry import load_event
from meeting_server.community.roles import StaffActor
from meeting_server.community.roster_rules import decide_roster
from meeting_server.community.state import RosterState, StreetState
from meeting_server.community.stream_rules import CommunityState, evolve_community
from meeting_server.community.street_rules import decide_street, evolve_street
from meeting_server.community.topics_research_rules import ResearchState, decide_research
from meeting_server.community.topics_rules import decide_topics
from meeting_server.community.topics_state import TopicActor, TopicsState
from meeting_server.core.registry import Command, Event
from meeting_server.store.eventlog import EventLog
from meeting_server.store.records import GENESIS_HASH, EventRecord
from meeting_server.store.writer import Clock, append_decided

STREET_STREAM = "street:directory"
COMMUNITY_KIND = "community"

S = TypeVar("S")


def community_stream(community_id: str) -> str:
    return f"{COMMUNITY_KIND}:{community_id}"


class Stream(Generic[S]):
    """One stream folded in memory: its state, its head, and the lock its single writer holds."""

    def __init__(self, stream_id: str, state: S, evolve: Callable[[S, Event], S]) -> None:
        self.stream_id = stream_id
        self.state = state
        self.seq = 0
        self.head_hash = GENESIS_HASH
        self.lock = asyncio.Lock()
        self._evolve = evolve

    def apply(self, records: list[EventRecord], events: list[Event] | None = None) -> None:
        for i, record in enumerate(records):
            event = events[i] if events is not None else load_event(record.type, record.payload)
            self.state = self._evolve(self.state, event)
            self.seq = record.seq
            self.head_hash = record.hash


class Communities:
    """Loads streams on first use and keeps them equal to the fold of their logs."""

    def __init__(self, log: EventLog, clock: Clock) -> None:
        self._log = log
        self._clock = clock
        self._street = Stream(STREET_STREAM, StreetState(), evolve_street)
        self._street_loaded = False
        self._rosters: dict[str, Stream[CommunityState]] = {}
        self._loading = asyncio.Lock()

    @property
    def clock(self) -> Clock:
        return self._clock

    async def _catch_up_locked(self, stream: Stream[Any]) -> None:
        records = await self._log.read(stream.stream_id, stream.seq)
        stream.apply(records)

    async def _fresh(self, stream: Stream[S]) -> S:
        async with stream.lock:
            await self._catch_up_locked(stream)
        return stream.state

    async def _execute(
        self, stream: Stream[S], actor: tuple[str, str], decide: Callable[[S, float], Any]
    ) -> list[Event]:
        async with stream.lock:
            records, events = await append_decided(
                self._log,
                stream.stream_id,
                head=lambda: (stream.seq, stream.head_hash),
                decide=lambda now: decide(stream.state, now),
                actor=actor,
                clock=self._clock,
                catch_up=lambda: self._catch_up_locked(stream),
            )
            stream.apply(records, events)
            return events

    # ------------------------------------------------------------------ the street directory
    async def street(self) -> StreetState:
        """The directory as it stands (caught up with other processes on a shared log)."""
        if self._street_loaded and not self._log.shared:
            return self._street.state
        state = await self._fresh(self._street)
        self._street_loaded = True
        return state

    async def execute_street(self, actor: StaffActor, command: Command) -> list[Event]:
        """Decide, persist and fold a directory command; DomainError if the rules refuse it."""
        await self.street()
        return await self._execute(
            self._street, _by(actor), lambda s, now: decide_street(s, actor, command, now)
        )

    # ------------------------------------------------------------------ a community's roster and topics
    async def _roster_stream(self, community_id: str) -> Stream[CommunityState]:
        stream = self._rosters.get(community_id)
        if stream is None:
            async with self._loading:
                stream = self._rosters.get(community_id)
                if stream is None:
                    stream = Stream(
                        community_stream(community_id), CommunityState.empty(community_id), evolve_community
                    )
                    await self._catch_up_locked(stream)
                    self._rosters[community_id] = stream
                    return stream
        if self._log.shared:
            await self._fresh(stream)
        return stream

    async def head_seq(self, community_id: str) -> int:
        """The seq of the newest record of ``community_stream(community_id)`` this process has folded."""
        return (await self._roster_stream(community_id)).seq

    async def roster(self, community_id: str) -> RosterState:
        """A community's roster (empty until its first person). The caller checks the community exists."""
        return (await self._roster_stream(community_id)).state.roster

    async def execute_roster(self, community_id: str, actor: StaffActor, command: Command) -> list[Event]:
        """Decide, persist and fold a roster command; DomainError if the rules refuse it."""
        stream = await self._roster_stream(community_id)
        return await self._execute(
            stream, _by(actor), lambda s, now: decide_roster(s.roster, actor, command, now)
        )

    async def topics(self, community_id: str) -> TopicsState:
        """A community's topics (empty until its first). The caller checks the community exists."""
        return (await self._roster_stream(community_id)).state.topics

    async def execute_topics(self, community_id: str, actor: TopicActor, command: Command) -> list[Event]:
        """Decide, persist and fold a topics command; DomainError if the rules refuse it."""
        stream = await self._roster_stream(community_id)
        by = actor.person.key if actor.person is not None else actor.screener
        return await self._execute(
            stream, (by, actor.role.value), lambda s, now: decide_topics(s.topics, actor, command, now)
        )

    async def execution(self, community_id: str) -> ExecutionState:
        """A community's execution records (empty until its first). The caller checks the community exists."""
        return (await self._roster_stream(community_id)).state.execution

    async def execute_execution(
        self, community_id: str, actor: ExecutionActor, command: Command
    ) -> list[Event]:
        """Decide, persist and fold an execution command; DomainError if the rules refuse it."""
        stream = await self._roster_stream(community_id)
        return await self._execute(
            stream,
            (actor.by, actor.role.value),
            lambda s, now: decide_execution(s.execution, actor, command, now),
        )

    async def research(self, community_id: str) -> ResearchState:
        """A community's research tasks and carried-over topics (会前调研)."""
        return (await self._roster_stream(community_id)).state.research

    async def execute_research(self, community_id: str, actor: TopicActor, command: Command) -> list[Event]:
        """Decide, persist and fold a research command; DomainError if the rules refuse it."""
        stream = await self._roster_stream(community_id)
        by = actor.person.key if actor.person is not None else actor.screener
        return await self._execute(
            stream,
            (by, actor.role.value),
            lambda s, now: decide_research(s.roster, s.topics, s.research, actor, command, now),
        )

    async def carried(self, community_id: str) -> CarryOverState:
        """The resolutions 公示 sent back to the community's next meeting."""
        return (await self._roster_stream(community_id)).state.carried

    async def execute_carryover(self, community_id: str, command: Command) -> list[Event]:
        """Decide, persist and fold a carry-over command of the server (system)."""
        stream = await self._roster_stream(community_id)
        return await self._execute(
            stream, ("system", "system"), lambda s, now: decide_carryover(s.carried, command, now)
        )

    async def places(self, community_id: str) -> tuple[str, ...]:
        """A community's place names (地名), as its staff keep them."""
        return (await self._roster_stream(community_id)).state.places.places

    async def execute_places(self, community_id: str, actor: StaffActor, command: Command) -> list[Event]:
        """Decide, persist and fold a place-names command; DomainError if the rules refuse it."""
        stream = await self._roster_stream(community_id)
        return await self._execute(
            stream,
            _by(actor),
            lambda s, now: decide_places(s.places, community_id, actor, command, now),
        )


def _by(actor: StaffActor) -> tuple[str, str]:
    """How the log names who appended (``append_decided``'s actor)."""
    return (actor.account_id, actor.role.value)
