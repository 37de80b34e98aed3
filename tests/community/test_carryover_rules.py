"""Carried-over resolutions in the community stream (community.carryover_rules): once per resolution, and
scheduled onto exactly the meeting whose agenda took them."""

from __future__ import annotations

import pytest

from meeting_server.community.carryover_rules import (
    AnyCarryOverEvent,
    CarryOverResolution,
    CarryOverState,
    ScheduleCarryOvers,
    decide_carryover,
    evolve_carryover,
)
from meeting_server.community.stream_rules import CommunityState, evolve_community
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.registry import Event


def fold(state: CarryOverState, events: list[Event]) -> CarryOverState:
    for ev in events:
        assert isinstance(ev, AnyCarryOverEvent)
        state = evolve_carryover(state, ev)
    return state


def test_carry_once_then_schedule_only_what_the_agenda_took() -> None:
    s = fold(
        CarryOverState(),
        decide_carryover(CarryOverState(), CarryOverResolution("m1", "r1", "加装电梯", 2, 4), 1.0),
    )
    with pytest.raises(DomainError) as info:
        decide_carryover(s, CarryOverResolution("m1", "r1", "加装电梯", 2, 4), 2.0)
    assert info.value.code is ErrorCode.DUPLICATE
    s = fold(s, decide_carryover(s, CarryOverResolution("m1", "r2", "东门停车", 3, 9), 3.0))
    assert [c.ref for c in s.pending()] == ["m1/r1", "m1/r2"]
    # The agenda of m2 was made when only r1 was pending: r2 stays pending for the meeting after.
    s = fold(s, decide_carryover(s, ScheduleCarryOvers("m2", ("m1/r1",)), 4.0))
    assert [c.ref for c in s.pending()] == ["m1/r2"] and s.items[("m1", "r1")].into_meeting_id == "m2"
    assert decide_carryover(s, ScheduleCarryOvers("m3", ("m1/r1",)), 5.0) == []  # already scheduled


def test_the_community_stream_folds_them() -> None:
    state = CommunityState.empty("c1")
    (ev,) = decide_carryover(state.carried, CarryOverResolution("m1", "r1", "加装电梯", 2, 4), 1.0)
    assert evolve_community(state, ev).carried.pending()[0].title == "加装电梯"
