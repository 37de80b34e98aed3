"""The hall as a first-class part of the meeting: the recorder moves and seconds for in-room residents, a
vote with in-room voters waits for their show of hands, and 列席 guests speak but never vote."""

from __future__ import annotations

import pytest

from meeting_server.core.commands import (
    AddToQueue,
    CastVote,
    CheckInGuest,
    CheckInInRoom,
    CheckOutInRoom,
    CloseVote,
    GrantFloor,
    MoveMotion,
    OpenVote,
    RecordShowOfHands,
    SecondMotion,
)
from meeting_server.core.errors import ErrorCode
from meeting_server.core.events import FloorGranted, GuestCheckedIn
from meeting_server.core.motion_events import (
    MotionMoved,
    MotionSeconded,
    ResolutionRecorded,
    VoteClosed,
    VoteOpened,
)
from meeting_server.core.registry import Command
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import Channel, Choice, Counts, MeetingSettings, MotionStatus
from meeting_server.core.view import public_view

from .sim import MOD, P1, P2, REC, Sim, running

MOTION = MoveMotion("东门车位", "增设十个车位", on_behalf_of="room-1")


def with_guest(sim: Sim) -> Sim:
    [ev] = sim.do(REC, CheckInGuest(name="王科长", organisation="街道办事处"))
    assert isinstance(ev, GuestCheckedIn) and ev.participant_id == "guest-1"
    return sim


# ---------------------------------------------------------------- moving and seconding for the hall


def test_the_recorder_moves_and_seconds_for_in_room_residents() -> None:
    sim = running(online=0, room=2)
    [moved] = sim.do(REC, MOTION)
    assert isinstance(moved, MotionMoved)
    assert (moved.mover, moved.entered_by) == ("room-1", "rec")
    [seconded] = sim.do(REC, SecondMotion("m1", on_behalf_of="room-2"))
    assert isinstance(seconded, MotionSeconded)
    assert (seconded.seconder, seconded.entered_by) == ("room-2", "rec")
    motion = sim.state.motions["m1"]
    assert (motion.mover, motion.entered_by, motion.seconder, motion.second_entered_by) == (
        "room-1",
        "rec",
        "room-2",
        "rec",
    )
    shown = public_view(sim.state, None, sim.now)["motions"][0]
    assert (shown["mover_name"], shown["entered_by"]) == ("现场居民1", "rec")
    assert (shown["seconder_name"], shown["second_entered_by"]) == ("现场居民2", "rec")


def test_a_motion_sent_by_its_mover_records_no_one_entering_it() -> None:
    sim = running()
    [moved] = sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    [seconded] = sim.do(P2, SecondMotion("m1"))
    assert isinstance(moved, MotionMoved) and moved.entered_by is None
    assert isinstance(seconded, MotionSeconded) and seconded.entered_by is None


def test_an_in_room_mover_may_not_second_their_own_motion() -> None:
    sim = running(room=2)
    sim.do(REC, MOTION)
    assert sim.refuse(REC, SecondMotion("m1", on_behalf_of="room-1")) is ErrorCode.FORBIDDEN
    # An online resident seconds the hall's motion from their phone, as any other.
    sim.do(P1, SecondMotion("m1"))
    assert sim.state.motions["m1"].status is MotionStatus.SECONDED


def test_the_hall_seconds_an_online_motion() -> None:
    sim = running()
    sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    sim.do(REC, SecondMotion("m1", on_behalf_of="room-1"))
    assert sim.state.motions["m1"].seconder == "room-1"


@pytest.mark.parametrize(
    ("setup", "actor", "command", "code"),
    [
        ("", P1, MOTION, ErrorCode.FORBIDDEN),  # a resident speaks for nobody else
        ("", MOD, MOTION, ErrorCode.FORBIDDEN),  # nor does the chair
        ("", REC, MoveMotion("东门车位", "增设十个车位"), ErrorCode.FORBIDDEN),  # the recorder has no motion
        ("", REC, MoveMotion("标题", "内容", on_behalf_of="p1"), ErrorCode.FORBIDDEN),  # online: own phone
        ("", REC, MoveMotion("标题", "内容", on_behalf_of="mod"), ErrorCode.NOT_A_VOTER),
        ("guest", REC, MoveMotion("标题", "内容", on_behalf_of="guest-1"), ErrorCode.NOT_A_VOTER),
        ("moved", REC, SecondMotion("m1", on_behalf_of="guest-1"), ErrorCode.NOT_A_VOTER),
        ("", REC, MoveMotion("标题", "内容", on_behalf_of="room-9"), ErrorCode.NOT_FOUND),
        ("gone", REC, MOTION, ErrorCode.NOT_PRESENT),
        ("moved", P2, SecondMotion("m1", on_behalf_of="room-1"), ErrorCode.FORBIDDEN),
        ("", REC, MoveMotion("  ", "内容", on_behalf_of="room-1"), ErrorCode.INVALID),
    ],
)
def test_on_behalf_refusals(setup: str, actor: Actor, command: Command, code: ErrorCode) -> None:
    sim = with_guest(running())
    if setup == "moved":
        sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    if setup == "gone":
        sim.do(REC, CheckOutInRoom("room-1"))
    assert sim.refuse(actor, command) is code


# ---------------------------------------------------------------- the show of hands before closing


def test_an_all_hall_meeting_decides_by_show_of_hands() -> None:
    sim = running(MeetingSettings(expected_members=3), online=0, room=3)
    sim.do(REC, MOTION)
    sim.do(REC, SecondMotion("m1", on_behalf_of="room-2"))
    [opened] = sim.do(MOD, OpenVote("m1"))
    assert isinstance(opened, VoteOpened) and (opened.present, opened.room_present) == (3, 3)
    assert opened.eligible_online == ()
    assert sim.refuse(MOD, CloseVote("m1")) is ErrorCode.HALL_COUNT_MISSING
    sim.do(REC, RecordShowOfHands("m1", 2, 1, 0))
    closed, resolution = sim.do(MOD, CloseVote("m1"))
    assert isinstance(closed, VoteClosed) and closed.passed and closed.counts.room == Counts(2, 1, 0)
    assert isinstance(resolution, ResolutionRecorded) and resolution.motion_id == "m1"


def test_zero_hands_entered_count_as_entered() -> None:
    sim = running(room=1)
    sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    sim.do(P2, SecondMotion("m1"))
    sim.do(MOD, OpenVote("m1"))
    sim.do(P1, CastVote("m1", Choice.YES))
    assert sim.refuse(MOD, CloseVote("m1")) is ErrorCode.HALL_COUNT_MISSING
    sim.do(REC, RecordShowOfHands("m1", 0, 0, 0))
    [closed, _] = sim.do(MOD, CloseVote("m1"))
    assert isinstance(closed, VoteClosed) and closed.counts.room == Counts() and closed.passed


def test_a_vote_with_nobody_in_the_hall_closes_without_a_count() -> None:
    sim = with_guest(running(room=0))  # a guest in the hall has no hand to count
    sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    sim.do(P2, SecondMotion("m1"))
    sim.do(MOD, OpenVote("m1"))
    [closed] = sim.do(MOD, CloseVote("m1"))
    assert isinstance(closed, VoteClosed) and not closed.passed


def test_the_hall_counted_when_the_vote_opened_is_the_one_that_must_be_entered() -> None:
    # The in-room voter leaves during the vote: the recorder still says how the hall voted (zeros).
    sim = running(room=1)
    sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    sim.do(P2, SecondMotion("m1"))
    sim.do(MOD, OpenVote("m1"))
    sim.do(REC, CheckOutInRoom("room-1"))
    assert sim.refuse(MOD, CloseVote("m1")) is ErrorCode.HALL_COUNT_MISSING


# ---------------------------------------------------------------- 列席 guests


def test_a_guest_is_in_the_hall_but_no_voter() -> None:
    sim = with_guest(running(MeetingSettings(expected_members=6), online=2, room=1))
    guest = sim.state.participants["guest-1"]
    assert (guest.role, guest.channel, guest.organisation, guest.is_voter) == (
        Role.GUEST,
        Channel.ROOM,
        "街道办事处",
        False,
    )
    assert len(sim.state.present_voters()) == 3 and sim.state.eligible_residents() == 6
    sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    sim.do(P2, SecondMotion("m1"))
    assert (
        sim.refuse(MOD, OpenVote("m1")) is ErrorCode.NO_QUORUM
    )  # 3 voters: 4 of 6 needed, the guest not one
    shown = next(p for p in public_view(sim.state, None, sim.now)["participants"] if p["role"] == "guest")
    assert (shown["name"], shown["organisation"], shown["channel"]) == ("王科长", "街道办事处", "room")


def test_a_guests_hand_is_not_counted() -> None:
    sim = with_guest(running(room=1))
    sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    sim.do(P2, SecondMotion("m1"))
    [opened] = sim.do(MOD, OpenVote("m1"))
    assert (
        isinstance(opened, VoteOpened)
        and opened.room_present == 1
        and "guest-1" not in opened.eligible_online
    )
    assert sim.refuse(REC, RecordShowOfHands("m1", 2, 0, 0)) is ErrorCode.LIMIT  # the resident and the guest


def test_a_guest_is_queued_and_given_the_floor_from_the_hall() -> None:
    sim = with_guest(running())
    sim.do(MOD, AddToQueue("guest-1"))
    queue = public_view(sim.state, None, sim.now)["queue"]
    assert [(q["participant_id"], q["role"]) for q in queue] == [("guest-1", "guest")]
    [granted] = sim.do(MOD, GrantFloor())
    assert isinstance(granted, FloorGranted) and (granted.participant_id, granted.channel) == (
        "guest-1",
        Channel.ROOM,
    )
    assert public_view(sim.state, None, sim.now)["floor"]["role"] == "guest"


def test_guest_check_in_and_out() -> None:
    sim = with_guest(running())
    assert sim.refuse(REC, CheckInGuest(name="王科长", organisation="街道办事处")) is ErrorCode.DUPLICATE
    assert sim.refuse(REC, CheckInGuest(name="李律师", organisation="  ")) is ErrorCode.INVALID
    assert sim.refuse(P1, CheckInGuest(name="李律师", organisation="律师事务所")) is ErrorCode.FORBIDDEN
    # A resident of the same name is no duplicate of a guest.
    sim.do(REC, CheckInInRoom(name="王科长"))
    sim.do(REC, CheckOutInRoom("guest-1"))
    assert not sim.state.participants["guest-1"].present
    [again] = sim.do(REC, CheckInGuest(name="王科长", organisation="街道办事处"))
    assert isinstance(again, GuestCheckedIn) and again.participant_id == "guest-2"
