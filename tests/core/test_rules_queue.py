"""Speaker queue, debate rounds and the floor: ordering, turn limits, and queue operations."""

from __future__ import annotations

import pytest

from meeting_server.core.commands import (
    AddToQueue,
    CheckOutInRoom,
    CloseRound,
    GrantFloor,
    LeaveMeeting,
    LowerHand,
    MoveInQueue,
    OpenRound,
    RaiseHand,
    RemoveFromQueue,
    RevokeFloor,
    StartAgendaItem,
    YieldFloor,
)
from meeting_server.core.errors import ErrorCode
from meeting_server.core.events import FloorGranted, FloorRevoked, FloorYielded, HandRaised, ParticipantLeft
from meeting_server.core.registry import Command
from meeting_server.core.roles import Actor
from meeting_server.core.values import MeetingSettings
from meeting_server.core.view import public_view

from .sim import MOD, P1, P2, P3, REC, Sim, resident, running, speaking


def hands(sim: Sim, *pids: str) -> None:
    for pid in pids:
        sim.do(resident(pid), RaiseHand())


def queue(sim: Sim) -> tuple[str, ...]:
    return sim.state.queue


def speak(sim: Sim, pid: str) -> None:
    """``pid`` gets the floor (from wherever they are) and yields it."""
    sim.do(MOD, GrantFloor(pid))
    sim.do(resident(pid), YieldFloor())


def test_outside_a_round_the_queue_is_first_come_first_served() -> None:
    sim = running(online=4)
    hands(sim, "p3", "p1", "p2")
    assert queue(sim) == ("p3", "p1", "p2")
    sim.do(MOD, GrantFloor())
    assert sim.state.floor is not None and sim.state.floor.participant_id == "p3"
    assert queue(sim) == ("p1", "p2")


def test_in_a_round_first_time_speakers_come_before_those_who_have_spoken() -> None:
    sim = running(online=5)
    sim.do(MOD, OpenRound())
    speak(sim, "p1")
    speak(sim, "p2")
    hands(sim, "p1")  # has spoken: to the end
    hands(sim, "p3")  # has not: before p1
    hands(sim, "p2")  # has spoken: to the end, after p1
    hands(sim, "p4")  # has not: after p3, before p1
    assert queue(sim) == ("p3", "p4", "p1", "p2")
    view = public_view(sim.state, None, sim.now)
    assert [(q["participant_id"], q["position"], q["turns_this_round"]) for q in view["queue"]] == [
        ("p3", 1, 0),
        ("p4", 2, 0),
        ("p1", 3, 1),
        ("p2", 4, 1),
    ]


def test_the_event_records_where_the_newcomer_went() -> None:
    sim = running()
    sim.do(MOD, OpenRound())
    speak(sim, "p1")
    hands(sim, "p1")
    [ev] = sim.do(P2, RaiseHand())
    assert isinstance(ev, HandRaised) and ev.position == 1


def test_a_new_round_forgets_who_spoke() -> None:
    sim = running()
    sim.do(MOD, OpenRound())
    speak(sim, "p1")
    hands(sim, "p1", "p2")
    assert queue(sim) == ("p2", "p1")
    sim.do(MOD, CloseRound())
    sim.do(MOD, OpenRound())
    hands(sim, "p3")
    assert queue(sim) == ("p2", "p1", "p3")
    assert sim.state.round == 2


def test_the_moderator_overrides_the_order() -> None:
    sim = running()
    hands(sim, "p1", "p2", "p3")
    sim.do(MOD, MoveInQueue("p3", 1))
    assert queue(sim) == ("p3", "p1", "p2")
    sim.do(MOD, MoveInQueue("p3", 3))
    assert queue(sim) == ("p1", "p2", "p3")
    sim.do(MOD, RemoveFromQueue("p2"))
    sim.do(P1, LowerHand())
    assert queue(sim) == ("p3",)


def test_the_moderator_queues_in_room_people() -> None:
    sim = running()
    sim.do(MOD, AddToQueue("room-1"))
    [granted] = sim.do(MOD, GrantFloor())
    assert isinstance(granted, FloorGranted) and granted.channel.value == "room"


@pytest.mark.parametrize("max_turns", [1, 2, 3])
def test_at_most_n_turns_per_round(max_turns: int) -> None:
    sim = running(MeetingSettings(max_turns_per_round=max_turns))
    sim.do(MOD, OpenRound())
    for _ in range(max_turns):
        hands(sim, "p1")
        sim.do(MOD, GrantFloor())
        sim.do(P1, YieldFloor())
    assert sim.refuse(P1, RaiseHand()) is ErrorCode.LIMIT
    assert sim.refuse(MOD, AddToQueue("p1")) is ErrorCode.LIMIT
    assert sim.refuse(MOD, GrantFloor("p1")) is ErrorCode.LIMIT
    sim.do(MOD, CloseRound())  # outside a round, no limit
    hands(sim, "p1")
    sim.do(MOD, GrantFloor())
    sim.do(P1, YieldFloor())
    sim.do(MOD, OpenRound())  # a new round, a fresh allowance
    hands(sim, "p1")


def test_turns_outside_a_round_do_not_count() -> None:
    sim = running(MeetingSettings(max_turns_per_round=1))
    speak(sim, "p1")
    sim.do(MOD, OpenRound())
    hands(sim, "p1")


def test_starting_an_item_clears_queue_and_round() -> None:
    sim = running()
    sim.do(MOD, OpenRound())
    hands(sim, "p1", "p2")
    sim.do(MOD, StartAgendaItem(1))
    assert (sim.state.queue, sim.state.round, sim.state.round_open, sim.state.current_item) == (
        (),
        0,
        False,
        1,
    )


def test_leaving_ends_the_floor_and_drops_out_of_the_queue() -> None:
    sim = running()
    hands(sim, "p2")
    speaking(sim, "p1")
    sim.advance(12)
    events = sim.do(P1, LeaveMeeting())
    assert [type(e) for e in events] == [FloorYielded, ParticipantLeft]
    assert isinstance(events[0], FloorYielded) and events[0].spoken_s == 12
    sim.do(P2, LeaveMeeting())
    assert queue(sim) == () and sim.state.floor is None


def test_checking_out_the_speaker_revokes_the_floor() -> None:
    sim = running()
    sim.do(MOD, AddToQueue("room-1"))
    sim.do(MOD, GrantFloor())
    events = sim.do(REC, CheckOutInRoom("room-1"))
    assert isinstance(events[0], FloorRevoked) and events[0].by == "rec"
    assert not sim.state.participants["room-1"].present


def test_revoke_and_the_turn_record() -> None:
    sim = running()
    turn = speaking(sim, "p2")
    sim.advance(42.5)
    [ev] = sim.do(MOD, RevokeFloor())
    assert isinstance(ev, FloorRevoked) and ev.spoken_s == 42.5
    assert sim.state.turns[turn].spoken_s == 42.5


@pytest.mark.parametrize(
    ("setup", "actor", "command", "code"),
    [
        ("scheduled", P1, RaiseHand(), ErrorCode.WRONG_STATE),  # meeting not open, no item
        ("p1", P1, RaiseHand(), ErrorCode.DUPLICATE),
        ("", P1, LowerHand(), ErrorCode.NOT_FOUND),
        ("", MOD, RemoveFromQueue("p2"), ErrorCode.NOT_FOUND),
        ("p1", MOD, MoveInQueue("p2", 1), ErrorCode.NOT_FOUND),
        ("p1", MOD, MoveInQueue("p1", 2), ErrorCode.INVALID),
        ("p1", MOD, MoveInQueue("p1", 0), ErrorCode.INVALID),
        ("", MOD, AddToQueue("nobody"), ErrorCode.NOT_FOUND),
        ("gone", MOD, AddToQueue("p3"), ErrorCode.NOT_PRESENT),
        ("gone", MOD, GrantFloor("p3"), ErrorCode.NOT_PRESENT),
        ("", MOD, GrantFloor(), ErrorCode.WRONG_STATE),  # empty queue
        ("floor", MOD, GrantFloor("p2"), ErrorCode.WRONG_STATE),
        ("floor", P2, YieldFloor(), ErrorCode.WRONG_STATE),  # not the holder
        ("floor", P1, RaiseHand(), ErrorCode.WRONG_STATE),  # holds the floor
        ("", MOD, RevokeFloor(), ErrorCode.WRONG_STATE),
        ("", MOD, CloseRound(), ErrorCode.WRONG_STATE),
        ("round", MOD, OpenRound(), ErrorCode.WRONG_STATE),
        ("", MOD, StartAgendaItem(0), ErrorCode.WRONG_STATE),  # already current
        ("", MOD, StartAgendaItem(7), ErrorCode.NOT_FOUND),
        ("floor", MOD, StartAgendaItem(1), ErrorCode.WRONG_STATE),
    ],
)
def test_queue_and_floor_refusals(setup: str, actor: Actor, command: Command, code: ErrorCode) -> None:
    sim = Sim() if setup == "scheduled" else running()
    if setup == "p1":
        hands(sim, "p1")
    elif setup == "gone":
        sim.do(P3, LeaveMeeting())
    elif setup == "floor":
        speaking(sim, "p1")
    elif setup == "round":
        sim.do(MOD, OpenRound())
    assert sim.refuse(actor, command) is code


def test_raise_hand_needs_presence() -> None:
    sim = running()
    sim.do(P2, LeaveMeeting())
    assert sim.refuse(P2, RaiseHand()) is ErrorCode.NOT_PRESENT
    assert sim.refuse(resident("stranger"), RaiseHand()) is ErrorCode.NOT_FOUND
    assert P3.participant_id in sim.state.participants
