"""One community's stream (``community:<id>``) holds its roster's, its topics' (with their research,
会前调研), its execution records' and its place names' events; this is the fold of all of them, so the
stream keeps one writer, one sequence and one hash chain."""

from __future__ import annotations

import dataclasses

from meeting_server.core.registry import Event

from .carryover_rules import AnyCarryOverEvent, CarryOverState, evolve_carryover
from .events import AnyPlacesEvent, AnyRosterEvent
from .execution_events import AnyExecutionEvent
from .execution_rules import evolve_execution
from .execution_state import ExecutionState
from .places_rules import PlacesState, evolve_places
from .roster_rules import evolve_roster
from .state import RosterState
from .topics_research_commands import AnyResearchEvent
from .topics_research_rules import ResearchState, evolve_research
from .topics_rules import evolve_topics
from .topics_state import TopicsState


@dataclasses.dataclass(frozen=True, slots=True)
class CommunityState:
    roster: RosterState
    topics: TopicsState
    execution: ExecutionState
    research: ResearchState = dataclasses.field(default_factory=ResearchState)
    # Resolutions sent back by 公示 to the next meeting's agenda (carryover_rules).
    carried: CarryOverState = dataclasses.field(default_factory=CarryOverState)
    places: PlacesState = dataclasses.field(default_factory=PlacesState)  # 地名 (places_rules)

    @classmethod
    def empty(cls, community_id: str) -> CommunityState:
        return cls(
            RosterState(community_id),
            TopicsState(community_id),
            ExecutionState(community_id),
            ResearchState(),
            CarryOverState(),
            PlacesState(),
        )


def evolve_community(state: CommunityState, event: Event) -> CommunityState:
    """``state`` after a roster, topics or execution event (anything else is an error in the log)."""
    if isinstance(event, AnyRosterEvent):
        return dataclasses.replace(state, roster=evolve_roster(state.roster, event))
    if isinstance(event, AnyExecutionEvent):
        return dataclasses.replace(state, execution=evolve_execution(state.execution, event))
    if isinstance(event, AnyResearchEvent):
        return dataclasses.replace(state, research=evolve_research(state.research, event))
    if isinstance(event, AnyPlacesEvent):
        return dataclasses.replace(state, places=evolve_places(state.places, event))
    if isinstance(event, AnyCarryOverEvent):
        return dataclasses.replace(state, carried=evolve_carryover(state.carried, event))
    return dataclasses.replace(state, topics=evolve_topics(state.topics, event))
