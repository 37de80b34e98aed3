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
from meeting_server.core.publicity import Outcome, base, find_resolution
from meeting_server.core.registry import Event
from meeting_server.core.state import MeetingState
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
            topic_id = topic_of(rt.state, ev.resolution_id) if rt.state is not None else ""
            cmd = CarryOverResolution(
                rt.meeting_id, ev.resolution_id, ev.title, ev.objections, ev.base, topic_id
            )
            try:
                await communities.execute_carryover(community_id, cmd)
            except DomainError as e:
                if e.code is not ErrorCode.DUPLICATE:  # another process carried it already
                    raise

    registry.add_listener(on_events)


def topic_of(state: MeetingState, resolution_id: str) -> str:
    """The topic the resolution's agenda item names ("" if none)."""
    for r in state.resolutions:
        if r.resolution_id == resolution_id and 0 <= r.agenda_index < len(state.agenda):
            return state.agenda[r.agenda_index].topic_id
    return ""


def base_of(state: MeetingState, resolution_id: str) -> int:
    return base(state, find_resolution(state, resolution_id))


def redeliberated(rt: MeetingRuntime) -> list[CarryOverResolution]:
    """The carry-overs a meeting's log calls for (its 重新协商 outcomes)."""
    state = rt.state
    if state is None or state.minutes is None:
        return []
    titles = {r.resolution_id: r.title for r in state.resolutions}
    out = []
    for rid, outcome in state.minutes.decided.items():
        if outcome == Outcome.REDELIBERATE:
            count = len(state.minutes.objections.get(rid, ()))
            out.append(
                CarryOverResolution(
                    rt.meeting_id,
                    rid,
                    titles.get(rid, rid),
                    count,
                    base_of(state, rid),
                    topic_of(state, rid),
                )
            )
    return out


async def reconcile(
    registry: MeetingRegistry, communities: Communities, meeting_ids: Sequence[str], community_id: str
) -> None:
    """Carry over what a community meeting's log decided but the community's stream lacks (the server
    stopped between the two appends). Called before a new meeting's agenda is made."""
    carried = (await communities.carried(community_id)).items
    for meeting_id in meeting_ids:
        rt = await registry.get(meeting_id)
        if rt is None or rt.state is None or rt.state.community_id != community_id:
            continue
        for cmd in redeliberated(rt):
            if (cmd.meeting_id, cmd.resolution_id) not in carried:
                await communities.execute_carryover(community_id, cmd)
