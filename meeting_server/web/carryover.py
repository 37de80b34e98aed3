"""重新协商 reaches the community: when a community meeting's log records ``PublicityDecided`` with the
outcome ``redeliberate``, the server records ``ResolutionCarriedOver`` in the community's stream (its own
writer, after the meeting's event is durable); the next meeting created for the community then opens
with it (``community_meetings.create``)."""

from __future__ import annotations

from collections.abc import Sequence

from meeting_server.communities import Communities
from meeting_server.community.carryover_rules import CarryOverResolution
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.minutes_events import PublicityDecided
from meeting_server.core.publicity import Outcome
from meeting_server.core.registry import Event
from meeting_server.hub.runtime import MeetingRegistry, MeetingRuntime
from meeting_server.store.records import EventRecord


def carry_redeliberated(registry: MeetingRegistry, communities: Communities) -> None:
    """Listen to the meetings of this process for re-deliberated resolutions."""

    async def on_events(rt: MeetingRuntime, records: Sequence[EventRecord], events: Sequence[Event]) -> None:
        community_id = rt.state.community_id if rt.state is not None else None
        if community_id is None:
            return
        for ev in events:
            if not isinstance(ev, PublicityDecided) or ev.outcome != Outcome.REDELIBERATE:
                continue
            cmd = CarryOverResolution(rt.meeting_id, ev.resolution_id, ev.title, ev.objections, ev.base)
            try:
                await communities.execute_carryover(community_id, cmd)
            except DomainError as e:
                if e.code is not ErrorCode.DUPLICATE:  # another process carried it already
                    raise

    registry.add_listener(on_events)
