"""The statistics across meetings, kept folded from the log: ``StatsService.stats(community_id)``.

Each stream (every meeting, every community, the street directory) is read once and then only from its
last sequence number: a stream with new events has its facts folded again (``readmodels.stats_facts``),
the others are reused. Between two reads at most ``refresh_s`` seconds of staleness are accepted, so a
dashboard opened by many staff at once reads the log once. The KPIs themselves are a pure function of the
facts (``readmodels.stats``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from meeting_server.communities import COMMUNITY_KIND, STREET_STREAM
from meeting_server.community.events import CommunityCreated
from meeting_server.community.registry import load_event as load_community_event
from meeting_server.core.registry import Event
from meeting_server.core.registry import load_event as load_meeting_event
from meeting_server.readmodels.stats import street_stats
from meeting_server.readmodels.stats_facts import (
    COMMUNITY_EVENTS,
    MEETING_EVENTS,
    CommunityFacts,
    MeetingFacts,
    community_facts,
    meeting_facts,
)
from meeting_server.store.eventlog import EventLog
from meeting_server.store.records import EventRecord

F = TypeVar("F")
log = logging.getLogger(__name__)


@dataclasses.dataclass
class _Folded(Generic[F]):
    seq: int
    events: list[Event]
    facts: F


class StatsService:
    """Street-wide and per-community KPIs from ``log``, recomputed when streams gain events."""

    def __init__(
        self, log: EventLog, refresh_s: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._log = log
        self._refresh_s = refresh_s
        self._clock = clock
        self._checked_at: float | None = None
        self._meetings: dict[str, _Folded[MeetingFacts]] = {}
        self._communities: dict[str, _Folded[CommunityFacts]] = {}
        self._titles: dict[str, str] = {}
        self._street_seq = 0
        self._cache: dict[str | None, dict[str, Any]] = {}
        self._lock = asyncio.Lock()

    async def stats(self, community_id: str | None = None) -> dict[str, Any]:
        """The KPIs of the street (``None``) or of one community, at most ``refresh_s`` old."""
        async with self._lock:
            now = self._clock()
            if self._checked_at is None or now - self._checked_at >= self._refresh_s:
                if await self._catch_up():
                    self._cache.clear()
                self._checked_at = now
            if community_id not in self._cache:
                self._cache[community_id] = street_stats(
                    [f.facts for f in self._meetings.values()],
                    [f.facts for f in self._communities.values()],
                    dict(self._titles),
                    community_id,
                )
            return self._cache[community_id]

    async def warm(self) -> None:
        """Fold the whole log now (at start-up), so the first dashboard is served from the cache. A failure
        is logged here and met again by the next request, which reports it."""
        try:
            await self.stats()
        except Exception:
            log.exception("statistics: folding the log failed")

    async def titles(self) -> dict[str, str]:
        """Community id → title, as of the last catch-up."""
        await self.stats()
        return dict(self._titles)

    async def _catch_up(self) -> bool:
        changed = False
        for record in await self._log.read(STREET_STREAM, after=self._street_seq):
            self._street_seq = record.seq
            ev = load_community_event(record.type, record.payload)
            if isinstance(ev, CommunityCreated):
                self._titles[ev.community_id] = ev.title
                changed = True
        for stream_id in await self._log.stream_ids(COMMUNITY_KIND):
            cid = stream_id.partition(":")[2]
            load = _loader(load_community_event, COMMUNITY_EVENTS)
            changed |= await self._fold(self._communities, stream_id, cid, load, community_facts)
        for mid in await self._log.meeting_ids():
            load = _loader(load_meeting_event, MEETING_EVENTS)
            changed |= await self._fold(self._meetings, mid, mid, load, meeting_facts)
        return changed

    async def _fold(
        self,
        folded: dict[str, _Folded[F]],
        stream_id: str,
        name: str,
        load: Callable[[list[EventRecord]], list[Event]],
        fold: Callable[[str, list[Event]], F],
    ) -> bool:
        have = folded.get(name)
        records = await self._log.read(stream_id, after=have.seq if have else 0)
        if not records:
            return False

        def refold() -> _Folded[F]:
            events = (have.events if have else []) + load(records)
            return _Folded(records[-1].seq, events, fold(name, events))

        # Decoding and folding a long log is CPU work: off the event loop, like the log's own reads.
        folded[name] = await asyncio.to_thread(refold)
        return True


def _loader(
    load: Callable[[str, Any], Event], wanted: frozenset[str]
) -> Callable[[list[EventRecord]], list[Event]]:
    """Decode only the records whose type the fold reads (the others it would skip anyway)."""
    return lambda records: [load(r.type, r.payload) for r in records if r.type in wanted]
