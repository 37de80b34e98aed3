"""Every refusal reason, at least once, from one table; plus lifecycle, attendance and record rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from meeting_server.core.commands import (
    CastVote,
    CheckInGuest,
    CheckInInRoom,
    CheckOutInRoom,
    CloseMeeting,
    CloseVote,
    CommitCaption,
    GrantFloor,
    JoinMeeting,
    LeaveMeeting,
    MarkKeyPoint,
    MoveMotion,
    OpenMeeting,
    OpenRound,
    OpenVote,
    RaiseHand,
    RecordShowOfHands,
    SecondMotion,
    StartAgendaItem,
    YieldFloor,
)
from meeting_server.core.decide import decide
from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.events import CaptionCommitted, InRoomCheckedIn, KeyPointMarked
from meeting_server.core.presence import MarkDisconnected
from meeting_server.core.registry import Command, parse_command
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import AgendaItemSpec, Choice, MeetingSettings
from meeting_server.core.vote_rules import Art278, Scope, VoteRule

from .sim import MOD, OBS, P1, P2, P3, REC, SYS, Sim, create_command, running, speaking
from .vote_sim import HOUSEHOLD, PA2, PD, UNIT, meeting

AREA_RULE = VoteRule(scope=Scope.BUILDING, building="5栋", art278=Art278.ORDINARY)  # 5栋 has no area


def _voting_under(rule: VoteRule, *ballots: Actor) -> Setup:
    def setup() -> Sim:
        sim = meeting()
        sim.do(MOD, OpenVote("m1", rule=rule))
        for voter in ballots:
            sim.do(voter, CastVote("m1", Choice.YES))
        return sim

    return setup


Setup = Callable[[], Sim]


def _floor_p1() -> Sim:
    sim = running()
    speaking(sim, "p1")
    return sim


def _seconded() -> Sim:
    sim = running()
    sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    sim.do(P2, SecondMotion("m1"))
    return sim


def _voted() -> Sim:
    sim = _seconded()
    sim.do(MOD, OpenVote("m1"))
    sim.do(P1, CastVote("m1", Choice.YES))
    return sim


def _with_guest() -> Sim:
    sim = running()
    sim.do(REC, CheckInGuest(name="王律师", organisation="明理律师事务所"))  # guest-1
    return sim


def _closed() -> Sim:
    sim = running()
    sim.do(MOD, CloseMeeting())
    return sim


def _after_a_turn() -> Sim:
    sim = running()
    speaking(sim, "p2")
    sim.do(P2, YieldFloor())
    return sim


def _left_p3_voting() -> Sim:
    sim = _voted()
    sim.do(P3, LeaveMeeting())
    return sim


def _one_turn_round() -> Sim:
    sim = running(MeetingSettings(max_turns_per_round=1))
    sim.do(MOD, OpenRound())
    speaking(sim, "p1")
    sim.do(P1, YieldFloor())
    return sim


def _no_quorum() -> Sim:
    sim = running(MeetingSettings(expected_members=20))
    sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    sim.do(P2, SecondMotion("m1"))
    return sim


def _with_listener() -> Sim:
    sim = running()
    sim.do(SYS, SetElectorate("c-1", (Elector("r1", "王阿姨"),)))
    sim.do(Actor("p8", Role.PARTICIPANT), JoinMeeting(name="路过的居民"))  # no roster person: 旁听
    return sim


def _p1_disconnected() -> Sim:
    sim = running()
    sim.do(SYS, MarkDisconnected("p1", connection=1))
    return sim


REFUSALS: list[tuple[str, Setup, Actor, Command, ErrorCode]] = [
    ("observer acts", running, OBS, RaiseHand(), ErrorCode.FORBIDDEN),
    ("resident grants the floor", running, P1, GrantFloor("p2"), ErrorCode.FORBIDDEN),
    ("meeting opened twice", running, MOD, OpenMeeting(), ErrorCode.WRONG_STATE),
    ("item before opening", Sim, MOD, StartAgendaItem(0), ErrorCode.WRONG_STATE),
    ("join a closed meeting", _closed, P3, JoinMeeting(name="迟到"), ErrorCode.WRONG_STATE),
    ("leave a closed meeting", _closed, P3, LeaveMeeting(), ErrorCode.WRONG_STATE),
    ("caption of an unknown turn", _closed, SYS, CommitCaption("t1", "p1", "好", 0, 1), ErrorCode.NOT_FOUND),
    ("key point before opening", Sim, REC, MarkKeyPoint("要点"), ErrorCode.WRONG_STATE),
    ("leave twice", running, Actor("ghost", P1.role), LeaveMeeting(), ErrorCode.NOT_FOUND),
    ("vote after leaving", _left_p3_voting, P3, CastVote("m1", Choice.YES), ErrorCode.NOT_PRESENT),
    ("second turn in a one-turn round", _one_turn_round, P1, RaiseHand(), ErrorCode.LIMIT),
    ("show of hands above the room", _voted, REC, RecordShowOfHands("m1", 2, 0, 0), ErrorCode.LIMIT),
    ("grant to a stranger", running, MOD, GrantFloor("nobody"), ErrorCode.NOT_FOUND),
    ("caption of an unknown turn", running, SYS, CommitCaption("t9", "p1", "好", 0, 1), ErrorCode.NOT_FOUND),
    ("check out an unknown id", running, REC, CheckOutInRoom("room-9"), ErrorCode.NOT_FOUND),
    ("join twice", running, P1, JoinMeeting(name="居民1"), ErrorCode.DUPLICATE),
    (
        "same person checked in twice",
        running,
        REC,
        CheckInInRoom(name="现场居民1", building="1号楼", unit="1单元"),
        ErrorCode.DUPLICATE,
    ),
    ("create an existing meeting", running, SYS, create_command(), ErrorCode.DUPLICATE),
    ("vote twice", _voted, P1, CastVote("m1", Choice.NO), ErrorCode.DUPLICATE),
    ("empty name", running, P1, JoinMeeting(name="   "), ErrorCode.INVALID),
    ("name too long", running, Actor("p9", P1.role), JoinMeeting(name="名" * 41), ErrorCode.INVALID),
    ("check out an online person", running, REC, CheckOutInRoom("p1"), ErrorCode.INVALID),
    ("a zero-width name", running, Actor("p9", P1.role), JoinMeeting(name="张\u200b三"), ErrorCode.BAD_NAME),
    ("a title as a name", running, Actor("p9", P1.role), JoinMeeting(name="主持人"), ErrorCode.RESERVED_NAME),
    (
        "caption by the wrong person",
        _after_a_turn,
        SYS,
        CommitCaption("t1", "p1", "好", 0, 1),
        ErrorCode.INVALID,
    ),
    (
        "caption ends before it starts",
        _after_a_turn,
        SYS,
        CommitCaption("t1", "p2", "好", 2, 1),
        ErrorCode.INVALID,
    ),
    ("empty caption", _after_a_turn, SYS, CommitCaption("t1", "p2", "  ", 0, 1), ErrorCode.INVALID),
    ("negative caption number", running, REC, MarkKeyPoint("要点", caption_seq=-1), ErrorCode.INVALID),
    ("no quorum", _no_quorum, MOD, OpenVote("m1"), ErrorCode.NO_QUORUM),
    ("speaker raises a hand", _floor_p1, P1, RaiseHand(), ErrorCode.WRONG_STATE),
    ("close before the hall is counted", _voted, MOD, CloseVote("m1"), ErrorCode.HALL_COUNT_MISSING),
    (
        "move for a 列席 guest",
        _with_guest,
        REC,
        MoveMotion("标题", "内容", on_behalf_of="guest-1"),
        ErrorCode.NOT_A_VOTER,
    ),
    (
        "personal link of a person not on the roster",
        running,
        Actor("p9", Role.PARTICIPANT, person_id="r404"),
        JoinMeeting(name="张三"),
        ErrorCode.NOT_ON_ROSTER,
    ),
    (
        "a second join with the name of a resident present",
        running,
        Actor("p9", Role.PARTICIPANT),
        JoinMeeting(name=" 居民１ "),  # NFKC: the full-width digit is 1
        ErrorCode.NAME_TAKEN,
    ),
    (
        "a rejoin from another browser while the first is disconnected",
        _p1_disconnected,
        Actor("p9", Role.PARTICIPANT),
        JoinMeeting(name="居民1"),
        ErrorCode.NAME_TAKEN,
    ),
    (
        "a listener's hand",
        _with_listener,
        Actor("p8", Role.PARTICIPANT),
        RaiseHand(),
        ErrorCode.LISTENERS_MAY_NOT_SPEAK,
    ),
    ("marked out twice", _p1_disconnected, SYS, MarkDisconnected("p1", connection=1), ErrorCode.DUPLICATE),
    (
        "marked out after reconnecting",
        running,
        SYS,
        MarkDisconnected("p1", connection=0),
        ErrorCode.WRONG_STATE,
    ),
    (
        "a listener moves a motion",
        _with_listener,
        Actor("p8", Role.PARTICIPANT),
        MoveMotion("标题", "内容"),
        ErrorCode.NOT_A_VOTER,
    ),
    (
        "a unit vote from outside the unit",
        _voting_under(UNIT),
        PD,
        CastVote("m1", Choice.NO),
        ErrorCode.NOT_IN_SCOPE,
    ),
    (
        "a second ballot of one household",
        _voting_under(HOUSEHOLD, Actor("per-a", Role.PARTICIPANT, person_id="a")),
        PA2,
        CastVote("m1", Choice.NO),
        ErrorCode.HOUSEHOLD_VOTED,
    ),
    (
        "an area vote with an unknown area",
        meeting,
        MOD,
        OpenVote("m1", rule=AREA_RULE),
        ErrorCode.AREA_UNKNOWN,
    ),
]


@pytest.mark.parametrize(("why", "setup", "actor", "command", "code"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals(why: str, setup: Setup, actor: Actor, command: Command, code: ErrorCode) -> None:
    assert setup().refuse(actor, command) is code


def test_every_refusal_reason_is_exercised() -> None:
    assert {r[4] for r in REFUSALS} == set(ErrorCode)


def test_a_command_on_no_meeting_is_not_found() -> None:
    with pytest.raises(DomainError) as info:
        decide(None, MOD, OpenMeeting(), 0.0)
    assert info.value.code is ErrorCode.NOT_FOUND


@pytest.mark.parametrize(
    "change",
    [
        {"agenda": ()},
        {"agenda": (AgendaItemSpec("议题", 0),)},
        {"agenda": (AgendaItemSpec("  ", 10),)},
        {"title": " "},
        {"settings": MeetingSettings(speaking_limit_s=5)},
        {"settings": MeetingSettings(warning_s=180)},
        {"settings": MeetingSettings(max_turns_per_round=0)},
        {"settings": MeetingSettings(expected_members=0)},
        {"settings": MeetingSettings(quorum_ratio=0.0)},
        {"settings": MeetingSettings(quorum_ratio=1.5)},
    ],
)
def test_create_meeting_validates_its_specification(change: dict[str, object]) -> None:
    cmd = dataclasses.replace(create_command(), **change)  # type: ignore[arg-type]
    with pytest.raises(DomainError) as info:
        decide(None, SYS, cmd, 0.0)
    assert info.value.code is ErrorCode.INVALID


def test_wire_commands_are_parsed_and_checked() -> None:
    cmd = parse_command({"type": "CheckInInRoom", "name": "刘大爷", "building": "3号楼", "unit": "2单元"})
    assert cmd == CheckInInRoom(name="刘大爷", building="3号楼", unit="2单元")
    for bad in (
        {"type": "JoinMeeting", "name": "名" * 41},
        {"type": "ExtendClock", "seconds": "30"},
        {"type": "OpenVote", "motion_id": "m1", "threshold": "unanimous"},
        {"type": "CastVote", "motion_id": "m1", "choice": "maybe"},
        {"type": "RaiseHand", "extra": 1},
        {"type": "Nope"},
    ):
        with pytest.raises(DomainError) as info:
            parse_command(bad)
        assert info.value.code is ErrorCode.INVALID


def test_in_room_ids_are_derived_from_state() -> None:
    sim = running(room=2)
    [ev] = sim.do(REC, CheckInInRoom(name="刘大爷"))
    assert isinstance(ev, InRoomCheckedIn) and ev.participant_id == "room-3"
    sim.do(REC, CheckOutInRoom("room-3"))
    [again] = sim.do(REC, CheckInInRoom(name="刘大爷"))  # checked out: may be checked in again
    assert isinstance(again, InRoomCheckedIn) and again.participant_id == "room-4"


def test_captions_are_filed_under_their_turns_item_even_after_the_turn() -> None:
    sim = _after_a_turn()
    sim.do(MOD, StartAgendaItem(1))
    [ev] = sim.do(SYS, CommitCaption("t1", "p2", " 我同意这个方案。 ", 1.0, 2.5))
    assert isinstance(ev, CaptionCommitted) and (ev.agenda_index, ev.text) == (0, "我同意这个方案。")
    [kp] = sim.do(REC, MarkKeyPoint("同意方案", caption_seq=12))
    assert isinstance(kp, KeyPointMarked) and (kp.key_point_id, kp.agenda_index, kp.caption_seq) == (
        "k1",
        1,
        12,
    )


def test_last_words_are_committed_after_the_meeting_closes() -> None:
    """Recognition lags: the final caption of the last turn arrives after MeetingClosed and is kept."""
    sim = running()
    turn = speaking(sim, "p1")
    sim.do(MOD, CloseMeeting())
    events = sim.do(SYS, CommitCaption(turn, "p1", "感谢大家的参与。", 0.5, 2.0))
    assert isinstance(events[0], CaptionCommitted) and events[0].text == "感谢大家的参与。"
