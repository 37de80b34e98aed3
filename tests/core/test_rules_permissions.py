"""The whole role × command matrix: for every pair, a meeting where the command would otherwise be legal,
and the check that the role is let through or refused with FORBIDDEN exactly as the expected policy says.

The expected policy is written out here by hand from the roles of the design (who does what in a council
meeting), not read from ``permissions.PERMISSIONS``: a wrong entry in that table must fail this test."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from meeting_server.core.captions import CorrectCaption
from meeting_server.core.commands import (
    AddToQueue,
    AmendMotion,
    CastVote,
    CheckInGuest,
    CheckInInRoom,
    CheckOutInRoom,
    CloseMeeting,
    CloseRound,
    CloseVote,
    CommitCaption,
    CreateMeeting,
    ExtendClock,
    GrantFloor,
    JoinMeeting,
    LeaveMeeting,
    LowerHand,
    MarkKeyPoint,
    MoveInQueue,
    MoveMotion,
    OpenMeeting,
    OpenRound,
    OpenVote,
    PauseClock,
    RaiseHand,
    RecordShowOfHands,
    RemoveFromQueue,
    ResumeClock,
    RevokeFloor,
    SecondMotion,
    StartAgendaItem,
    StartClock,
    Tick,
    WithdrawMotion,
    YieldFloor,
)
from meeting_server.core.decide import decide
from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.invitations import RevokePersonalLink, RotateRoleLink
from meeting_server.core.permissions import ON_BEHALF, PERMISSIONS
from meeting_server.core.presence import AllowListenersToSpeak, MarkConnected, MarkDisconnected
from meeting_server.core.registry import COMMANDS, Command
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import Choice
from meeting_server.core.vote_rules import Scope, VoteRule

from .minutes_sim import MINUTES_FIXTURES
from .sim import MOD, OBS, P1, P2, P3, REC, SYS, TIMER, Sim, create_command, running, speaking

ALL_ROLES = tuple(Role)

_SYSTEM = {Role.SYSTEM}
_MODERATOR = {Role.MODERATOR}
_RECORDER = {Role.RECORDER}
_RESIDENT = {Role.PARTICIPANT}
# The timer does only the clock; the moderator's tablet carries the clock too (README: "agenda, queue, floor,
# clock, …"), for a meeting run without a timer.
_CLOCK = {Role.TIMER, Role.MODERATOR}
# Everyone with a participant record: the three officers and the residents. Observers never join (read-only).
_TAKING_PART = {Role.MODERATOR, Role.TIMER, Role.RECORDER, Role.PARTICIPANT}
# Residents put motions; the moderator puts them too (DESIGN: "put motions"), e.g. one collected beforehand.
_MOVERS = {Role.PARTICIPANT, Role.MODERATOR}

# Who may issue each command, from the design's table of roles:
#   moderator    run agenda, order the queue, give/take the floor, open rounds, put motions, open/close votes
#   timer        start/pause/extend the speaker's clock (only the clock)
#   recorder     check in in-room people, enter show-of-hands counts, mark key points, edit/publish minutes
#   participant  join, raise a hand, speak when given the floor, second, vote, object to a resolution
#   observer     read-only: nothing
#   hall         the hall display (projector), read-only like the observer on a link of its own: nothing
#   guest        列席: checked in by the recorder, may be given the floor; holds no link, issues nothing
#   system       the server itself: creates meetings, ticks the clock, commits captions, drafts minutes
EXPECTED: dict[str, set[Role]] = {
    "CreateMeeting": _SYSTEM,
    "SetElectorate": _SYSTEM,  # the server copies the community's roster into the meeting
    "RevokePersonalLink": _SYSTEM,  # for the community's staff, from their invitations page
    "RotateRoleLink": _SYSTEM,
    "OpenMeeting": _MODERATOR,
    "StartAgendaItem": _MODERATOR,
    "CloseMeeting": _MODERATOR,
    "JoinMeeting": _TAKING_PART,
    "LeaveMeeting": _TAKING_PART,
    "CheckInInRoom": _RECORDER,
    "CheckInGuest": _RECORDER,  # 列席 guests are checked in at the door, like in-room residents
    "CheckOutInRoom": _RECORDER,
    # Connections are the server's to watch: no client says who else is (dis)connected.
    "MarkDisconnected": _SYSTEM,
    "MarkConnected": _SYSTEM,
    "AllowListenersToSpeak": _MODERATOR,  # the chair decides whether 旁听 listeners may ask to speak
    "RaiseHand": _RESIDENT,
    "LowerHand": _RESIDENT,
    "AddToQueue": _MODERATOR,  # in-room residents are put in the queue by the moderator
    "RemoveFromQueue": _MODERATOR,
    "MoveInQueue": _MODERATOR,
    "OpenRound": _MODERATOR,
    "CloseRound": _MODERATOR,
    "GrantFloor": _MODERATOR,
    "YieldFloor": _TAKING_PART,  # only its holder; the moderator may give the floor to anyone taking part
    "RevokeFloor": _MODERATOR,
    "StartClock": _CLOCK,
    "PauseClock": _CLOCK,
    "ResumeClock": _CLOCK,
    "ExtendClock": _CLOCK,
    "Tick": _SYSTEM,
    "MoveMotion": _MOVERS,
    "SecondMotion": _RESIDENT,  # the chair does not second
    "AmendMotion": _MOVERS,  # an amendment is a motion
    "WithdrawMotion": _MOVERS,  # and only its own mover
    "OpenVote": _MODERATOR,
    "CastVote": _RESIDENT,
    "RecordShowOfHands": _RECORDER,
    "CloseVote": _MODERATOR,
    "CommitCaption": _SYSTEM,
    "CorrectCaption": _RECORDER,  # the recorder owns the record
    "MarkKeyPoint": _RECORDER,
    "DraftMinutes": _SYSTEM,  # drafted automatically when the meeting closes
    "EditMinutes": _RECORDER,
    "PublishMinutes": _RECORDER,
    # Residents object during the publicity period; the recorder enters objections handed in on paper.
    "ObjectToResolution": {Role.PARTICIPANT, Role.RECORDER},
}

# The same commands sent *on behalf of* an in-room resident (``on_behalf_of`` set): residents in the hall have
# no device, so the recorder moves and seconds for them, and nobody else may speak for someone else.
EXPECTED_ON_BEHALF: dict[str, set[Role]] = {
    "MoveMotion": _RECORDER,
    "SecondMotion": _RECORDER,
    "CastVote": _RECORDER,  # an in-room roster person's ballot under a per-person rule
}

# The actor who plays each role; the resident is p1 (p2, p3 are the others in the meeting).
PLAYERS: dict[Role, Actor] = {
    Role.MODERATOR: MOD,
    Role.TIMER: TIMER,
    Role.RECORDER: REC,
    Role.PARTICIPANT: P1,
    Role.OBSERVER: OBS,
    Role.HALL: Actor("hall-1", Role.HALL),
    # No link carries the guest role; were a guest's id ever to send a command, the rules refuse it.
    Role.GUEST: Actor("guest-1", Role.GUEST),
    Role.SYSTEM: SYS,
}

Fixture = Callable[[Actor], tuple[Sim, Actor, Command]]


def _in_meeting(sim: Sim, actor: Actor) -> bool:
    person = sim.state.participants.get(actor.participant_id)
    return person is not None and person.present


def _simple(cmd: Command) -> Fixture:
    return lambda actor: (running(), actor, cmd)


def _on_roster(cmd: Command) -> Fixture:
    def build(actor: Actor) -> tuple[Sim, Actor, Command]:
        sim = running()
        sim.do(SYS, SetElectorate("c-1", (Elector("r1", "王阿姨", "3号楼", "2单元", "301"),)))
        return sim, actor, cmd

    return build


def _create(actor: Actor) -> tuple[Sim, Actor, Command]:
    sim = Sim()
    sim.state_or_none = None  # no meeting yet
    return sim, actor, create_command(meeting_id="m-2")


def _open(actor: Actor) -> tuple[Sim, Actor, Command]:
    return Sim(), actor, OpenMeeting()


def _join(actor: Actor) -> tuple[Sim, Actor, Command]:
    # A fresh id with the same role: the hub makes a new id for every join.
    return running(), Actor(f"new-{actor.role.value}", actor.role), JoinMeeting(name="新来的")


def _lower(actor: Actor) -> tuple[Sim, Actor, Command]:
    sim = running()
    if _in_meeting(sim, actor):
        sim.do(MOD, AddToQueue(actor.participant_id))
    return sim, actor, LowerHand()


def _queued(*pids: str) -> Sim:
    sim = running()
    for pid in pids:
        sim.do(MOD, AddToQueue(pid))
    return sim


def _round_open(actor: Actor) -> tuple[Sim, Actor, Command]:
    sim = running()
    sim.do(MOD, OpenRound())
    return sim, actor, CloseRound()


def _yield(actor: Actor) -> tuple[Sim, Actor, Command]:
    sim = running()
    if _in_meeting(sim, actor):
        sim.do(MOD, GrantFloor(actor.participant_id))
    return sim, actor, YieldFloor()


def _floor(cmd: Command, *, start: bool = False, pause: bool = False) -> Fixture:
    def build(actor: Actor) -> tuple[Sim, Actor, Command]:
        sim = running()
        speaking(sim, "p2", start=start)
        if pause:
            sim.do(TIMER, PauseClock())
        return sim, actor, cmd

    return build


def _tick(actor: Actor) -> tuple[Sim, Actor, Command]:
    sim = running()
    speaking(sim, "p2")
    sim.advance(200)
    return sim, actor, Tick()


def _motion(*, seconded: bool = False, mover: Actor = P2) -> Sim:
    sim = running()
    sim.do(mover, MoveMotion("东门车位", "增设十个车位"))
    if seconded:
        sim.do(P3, SecondMotion("m1"))
    return sim


def _motion_cmd(cmd: Command, *, seconded: bool = False) -> Fixture:
    return lambda actor: (_motion(seconded=seconded), actor, cmd)


def _withdraw(actor: Actor) -> tuple[Sim, Actor, Command]:
    # Only the mover withdraws: let the actor be the mover when their role may move motions at all.
    mover = actor if actor.role in EXPECTED["MoveMotion"] else P2
    return _motion(mover=mover), actor, WithdrawMotion("m1")


def _voting(cmd: Command, *, hall_counted: bool = False) -> Fixture:
    def build(actor: Actor) -> tuple[Sim, Actor, Command]:
        sim = _motion(seconded=True)
        sim.do(MOD, OpenVote("m1"))
        if hall_counted:  # a vote with residents in the hall closes once their hands are counted
            sim.do(REC, RecordShowOfHands("m1", 0, 0, 0))
        return sim, actor, cmd

    return build


def _caption(actor: Actor) -> tuple[Sim, Actor, Command]:
    sim = running()
    turn_id = speaking(sim, "p2")
    return sim, actor, CommitCaption(turn_id, "p2", "我同意。", 0.0, 1.2)


def _correction(actor: Actor) -> tuple[Sim, Actor, Command]:
    sim, _, caption = _caption(actor)
    sim.do(SYS, caption)
    return sim, actor, CorrectCaption("c1", "我同意东门的方案。")


FIXTURES: dict[type[Command], Fixture] = {
    CreateMeeting: _create,
    SetElectorate: _simple(SetElectorate("c-1", (Elector("r1", "王阿姨", "3号楼", "2单元", "301"),))),
    RevokePersonalLink: _on_roster(RevokePersonalLink("r1", by="staff-1")),
    RotateRoleLink: _simple(RotateRoleLink(Role.MODERATOR, by="staff-1")),
    OpenMeeting: _open,
    StartAgendaItem: _simple(StartAgendaItem(1)),
    CloseMeeting: _simple(CloseMeeting()),
    JoinMeeting: _join,
    LeaveMeeting: _simple(LeaveMeeting()),
    CheckInInRoom: _simple(CheckInInRoom(name="刘大爷", building="3号楼")),
    CheckInGuest: _simple(CheckInGuest(name="王律师", organisation="明理律师事务所")),
    CheckOutInRoom: _simple(CheckOutInRoom("room-1")),
    MarkDisconnected: _simple(MarkDisconnected("p2", connection=1)),
    MarkConnected: _simple(MarkConnected("p2")),
    AllowListenersToSpeak: _simple(AllowListenersToSpeak(True)),
    RaiseHand: _simple(RaiseHand()),
    LowerHand: _lower,
    AddToQueue: _simple(AddToQueue("p2")),
    RemoveFromQueue: lambda actor: (_queued("p2"), actor, RemoveFromQueue("p2")),
    MoveInQueue: lambda actor: (_queued("p2", "p3"), actor, MoveInQueue("p3", 1)),
    OpenRound: _simple(OpenRound()),
    CloseRound: _round_open,
    GrantFloor: _simple(GrantFloor("p2")),
    YieldFloor: _yield,
    RevokeFloor: _floor(RevokeFloor()),
    StartClock: _floor(StartClock()),
    PauseClock: _floor(PauseClock(), start=True),
    ResumeClock: _floor(ResumeClock(), start=True, pause=True),
    ExtendClock: _floor(ExtendClock(30)),
    Tick: _tick,
    MoveMotion: _simple(MoveMotion("东门车位", "增设十个车位")),
    SecondMotion: _motion_cmd(SecondMotion("m1")),
    AmendMotion: _motion_cmd(AmendMotion("m1", "增设二十个车位")),
    WithdrawMotion: _withdraw,
    OpenVote: _motion_cmd(OpenVote("m1"), seconded=True),
    CastVote: _voting(CastVote("m1", Choice.YES)),
    RecordShowOfHands: _voting(RecordShowOfHands("m1", 1, 0, 0)),
    CloseVote: _voting(CloseVote("m1"), hall_counted=True),
    CommitCaption: _caption,
    CorrectCaption: _correction,
    MarkKeyPoint: _simple(MarkKeyPoint("东门车位紧张")),
    **MINUTES_FIXTURES,
}


# On behalf of room-1, the hall's resident in ``running()``; the motion of SecondMotion is p2's.
def _room_ballot(actor: Actor) -> tuple[Sim, Actor, Command]:
    # A per-person vote (every resident on the roster) with the roster person r1 checked in in the hall.
    sim = _motion(seconded=True)
    sim.do(SYS, SetElectorate("c-1", (Elector("r1", "王阿姨", "3号楼", "2单元", "301"),)))
    sim.do(REC, CheckInInRoom(name="", person_id="r1"))
    sim.do(MOD, OpenVote("m1", rule=VoteRule(scope=Scope.RESIDENTS)))
    return sim, actor, CastVote("m1", Choice.YES, on_behalf_of="per-r1")


ON_BEHALF_FIXTURES: dict[type[Command], Fixture] = {
    MoveMotion: _simple(MoveMotion("东门车位", "增设十个车位", on_behalf_of="room-1")),
    SecondMotion: _motion_cmd(SecondMotion("m1", on_behalf_of="room-1")),
    CastVote: _room_ballot,
}


def test_every_command_has_a_permission_an_expected_policy_and_a_fixture() -> None:
    # A new command must be added to the expected policy here, by hand, before this suite passes.
    assert set(EXPECTED) == set(COMMANDS)
    assert set(PERMISSIONS) == set(COMMANDS.values())
    assert set(FIXTURES) == set(COMMANDS.values())
    # So must a command that can be sent on behalf of someone.
    speaks_for = {c for c in COMMANDS.values() if "on_behalf_of" in {f.name for f in dataclasses.fields(c)}}
    assert set(EXPECTED_ON_BEHALF) == {c.name for c in speaks_for}
    assert set(ON_BEHALF) == speaks_for == set(ON_BEHALF_FIXTURES)


def test_observers_and_guests_may_issue_nothing() -> None:
    bystanders = {Role.OBSERVER, Role.HALL, Role.GUEST}
    assert not [c for c, roles in (*PERMISSIONS.items(), *ON_BEHALF.items()) if roles & bystanders]


@pytest.mark.parametrize("role", ALL_ROLES, ids=[r.value for r in ALL_ROLES])
@pytest.mark.parametrize("command_type", list(COMMANDS.values()), ids=list(COMMANDS))
def test_role_command_matrix(role: Role, command_type: type[Command]) -> None:
    sim, actor, cmd = FIXTURES[command_type](PLAYERS[role])
    assert type(cmd) is command_type
    if role in EXPECTED[command_type.name]:
        events = decide(sim.state_or_none, actor, cmd, sim.now)
        assert events, "an allowed command in its fixture should do something"
    else:
        with pytest.raises(DomainError) as info:
            decide(sim.state_or_none, actor, cmd, sim.now)
        assert info.value.code is ErrorCode.FORBIDDEN


@pytest.mark.parametrize("role", ALL_ROLES, ids=[r.value for r in ALL_ROLES])
@pytest.mark.parametrize("command_type", list(ON_BEHALF_FIXTURES), ids=[c.name for c in ON_BEHALF_FIXTURES])
def test_on_behalf_matrix(role: Role, command_type: type[Command]) -> None:
    sim, actor, cmd = ON_BEHALF_FIXTURES[command_type](PLAYERS[role])
    assert type(cmd) is command_type and getattr(cmd, "on_behalf_of", None) in ("room-1", "per-r1")
    if role in EXPECTED_ON_BEHALF[command_type.name]:
        events = decide(sim.state_or_none, actor, cmd, sim.now)
        assert events, "an allowed command in its fixture should do something"
    else:
        with pytest.raises(DomainError) as info:
            decide(sim.state_or_none, actor, cmd, sim.now)
        assert info.value.code is ErrorCode.FORBIDDEN
