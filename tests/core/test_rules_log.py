"""The log side of the rules: every event type round-trips through JSON, fold equals successive evolve,
the registries, the permission table and the exhaustive unions agree, and views are JSON-safe."""

from __future__ import annotations

import dataclasses
import json
from typing import get_args

import pytest

from meeting_server.core.captions import CorrectCaption
from meeting_server.core.commands import (
    AddToQueue,
    AmendMotion,
    AnyCommand,
    CastVote,
    CheckInGuest,
    CheckInInRoom,
    CheckOutInRoom,
    CloseMeeting,
    CloseRound,
    CloseVote,
    CommitCaption,
    ExtendClock,
    GrantFloor,
    JoinMeeting,
    LeaveMeeting,
    LowerHand,
    MarkKeyPoint,
    MoveInQueue,
    MoveMotion,
    OpenRound,
    OpenVote,
    PauseClock,
    RaiseHand,
    RecordShowOfHands,
    ResumeClock,
    RevokeFloor,
    SecondMotion,
    StartAgendaItem,
    StartClock,
    WithdrawMotion,
    YieldFloor,
)
from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.core.events import AnyEvent, MeetingOpened
from meeting_server.core.evolve import evolve, fold
from meeting_server.core.invitations import RevokePersonalLink, RotateRoleLink
from meeting_server.core.motion_events import SealedHallCount, SecretBallotCast
from meeting_server.core.payload import to_payload
from meeting_server.core.permissions import PERMISSIONS
from meeting_server.core.presence import AllowListenersToSpeak, MarkConnected, MarkDisconnected
from meeting_server.core.registry import COMMANDS, EVENTS, Event, load_event
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import Choice, Threshold
from meeting_server.core.view import public_view

from .minutes_sim import minutes_tail
from .sim import MOD, OBS, P1, P2, P3, REC, SYS, TIMER, Sim, resident, running


def whole_meeting() -> Sim:
    """A meeting that produces every event type at least once."""
    sim = running(online=4, room=2)
    sim.do(SYS, SetElectorate("c-1", (Elector("r9", "赵大姐", "5号楼", "1单元", "502"),)))
    sim.do(Actor("p8", Role.PARTICIPANT), JoinMeeting(name="路过的居民"))  # no roster person: 旁听
    sim.do(MOD, AllowListenersToSpeak(True))
    sim.do(Actor("per-r9", Role.PARTICIPANT, person_id="r9"), JoinMeeting(name="随便写的"))
    sim.do(REC, CheckInInRoom(name="", person_id="r9"))  # online, then at the door: the same participant
    sim.do(SYS, RevokePersonalLink("r9", by="staff-1"))
    sim.do(SYS, RotateRoleLink(Role.MODERATOR, by="staff-1"))
    sim.do(REC, CheckOutInRoom("room-2"))
    sim.do(REC, CheckInGuest(name="街道王科长", organisation="街道办事处"))
    sim.do(P1, RaiseHand())
    sim.do(P2, RaiseHand())
    sim.do(MOD, AddToQueue("room-1"))
    sim.do(MOD, MoveInQueue("room-1", 1))
    sim.do(P2, LowerHand())
    sim.do(MOD, OpenRound())
    sim.do(MOD, GrantFloor())  # room-1
    sim.do(TIMER, StartClock())
    sim.do(TIMER, PauseClock(), at=sim.now + 10)
    sim.do(TIMER, ResumeClock(), at=sim.now + 5)
    sim.do(TIMER, ExtendClock(30))
    sim.tick(at=sim.now + 185)  # warning
    sim.do(REC, MarkKeyPoint("东门车位紧张", caption_seq=None))
    sim.tick(at=sim.now + 60)  # expiry
    sim.do(MOD, GrantFloor())  # p1
    sim.do(P1, YieldFloor(), at=sim.now + 20)
    sim.do(MOD, GrantFloor("p3"))
    sim.do(MOD, RevokeFloor(), at=sim.now + 5)
    sim.do(MOD, CloseRound())
    sim.do(SYS, CommitCaption("t1", "room-1", "我认为东门应该增设车为。", 0.0, 3.5))
    sim.do(REC, CorrectCaption("c1", "我认为东门应该增设车位。"))
    sim.do(P1, MoveMotion("东门车位", "在东门增设十个临时停车位。"))
    sim.do(P2, SecondMotion("m1"))
    sim.do(P3, AmendMotion("m1", "在东门增设二十个临时停车位。"))
    sim.do(REC, SecondMotion("m2", on_behalf_of="room-1"))  # the recorder seconds for the hall
    sim.do(MOD, OpenVote("m2", secret=False, threshold=Threshold.MAJORITY_CAST))
    sim.do(P1, CastVote("m2", Choice.YES))
    sim.do(P2, CastVote("m2", Choice.YES))
    sim.do(REC, RecordShowOfHands("m2", 1, 0, 0))
    sim.do(MOD, CloseVote("m2"))  # passes → MotionAmended
    sim.do(MOD, OpenVote("m1", secret=True, threshold=Threshold.TWO_THIRDS))
    sim.do(P3, CastVote("m1", Choice.YES))
    sim.do(REC, RecordShowOfHands("m1", 0, 0, 0))  # nobody in the hall raised a hand
    sim.do(MOD, CloseVote("m1"))  # 1 yes 0 no → passes → ResolutionRecorded
    sim.do(P2, MoveMotion("夜间噪音", "晚十点后禁止广场舞。"))
    sim.do(P2, WithdrawMotion("m3"))
    sim.do(REC, MoveMotion("加装电梯", "一楼住户不分摊费用。", on_behalf_of="room-1"))
    sim.do(P3, SecondMotion("m4"))
    sim.do(MOD, StartAgendaItem(1))
    sim.do(SYS, MarkDisconnected("p4", connection=1))  # p4's phone went and did not come back in time
    sim.do(SYS, MarkConnected("p4"))
    sim.do(P3, LeaveMeeting())
    sim.do(MOD, OpenVote("m4"))
    sim.do(MOD, GrantFloor("p2"))
    sim.do(MOD, CloseMeeting())  # revokes the floor and cancels the vote
    # draft, edit, publish, an objection from the roster's one resident (the base), flag, outcome
    minutes_tail(sim, (Actor("per-r9", Role.PARTICIPANT, person_id="r9"),))
    return sim


def test_the_scenario_covers_every_event_type() -> None:
    produced = {type(e).__name__ for e in whole_meeting().events}
    # The rules decide BallotCast and ShowOfHandsRecorded; the writer seals a secret vote's into
    # SecretBallotCast and SealedHallCount (tests/ledger).
    assert produced | {SecretBallotCast.name, SealedHallCount.name} == set(EVENTS)


def test_fold_equals_successive_evolve() -> None:
    sim = whole_meeting()
    assert fold(sim.events) == sim.state
    assert fold([]) is None


@pytest.mark.parametrize("index", range(len(whole_meeting().events)))
def test_every_event_round_trips_through_json(index: int) -> None:
    ev = whole_meeting().events[index]
    wire = json.loads(json.dumps(to_payload(ev), ensure_ascii=False))
    assert load_event(ev.name, wire) == ev


def test_replaying_the_json_log_rebuilds_the_state() -> None:
    sim = whole_meeting()
    replayed = [load_event(e.name, json.loads(json.dumps(to_payload(e)))) for e in sim.events]
    assert fold(replayed) == sim.state


def test_evolve_never_mutates_the_previous_state() -> None:
    sim = whole_meeting()
    snapshots = []
    state = None
    for ev in sim.events:
        state = evolve(state, ev)
        snapshots.append((state, repr(state)))
    for st, text in snapshots:
        assert repr(st) == text


def test_a_log_must_start_with_meeting_created() -> None:
    with pytest.raises(ValueError):
        evolve(None, MeetingOpened("mod", 1.0))
    sim = running()
    with pytest.raises(ValueError):
        evolve(sim.state, sim.events[0])


def test_unions_permissions_and_registries_agree() -> None:
    assert set(get_args(AnyCommand)) == set(COMMANDS.values())
    assert set(get_args(AnyEvent)) == set(EVENTS.values())
    assert set(PERMISSIONS) == set(COMMANDS.values())
    for cls in (*COMMANDS.values(), *EVENTS.values()):
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_event_names_are_past_tense_class_names() -> None:
    for name, cls in EVENTS.items():
        assert cls.name == name and issubclass(cls, Event)


@pytest.mark.parametrize("viewer", [None, MOD, OBS, P1, resident("room-1")])
def test_views_are_json_safe_at_every_step(viewer: object) -> None:
    sim = whole_meeting()
    state = None
    for ev in sim.events:
        state = evolve(state, ev)
        json.dumps(public_view(state, viewer, ev_at(ev)))  # type: ignore[arg-type]


def ev_at(ev: Event) -> float:
    at = getattr(ev, "at", 0.0)
    assert isinstance(at, float | int)
    return float(at)


def test_join_names_and_rejoin() -> None:
    sim = running()
    assert sim.state.participants["p1"].name == "居民1"
    sim.do(P1, LeaveMeeting())
    sim.do(P1, JoinMeeting(name="  居民一  "))
    assert sim.state.participants["p1"].name == "居民一" and sim.state.participants["p1"].present
    sim.do(REC, CheckInInRoom(name="刘大爷", building=" ", unit=None))
    assert sim.state.participants["room-2"].building is None
