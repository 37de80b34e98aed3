"""Links in the record (core.invitations): revocation and rotation move generations on; a roster person
checked in at the door is the one participant they are online."""

from __future__ import annotations

import pytest

from meeting_server.core.commands import (
    CastVote,
    CheckInInRoom,
    JoinMeeting,
    MoveMotion,
    OpenVote,
    SecondMotion,
)
from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.invitations import (
    PersonalLinkRevoked,
    RevokePersonalLink,
    RoleLinkRotated,
    RotateRoleLink,
    person_participant_id,
)
from meeting_server.core.roles import Actor, Role
from meeting_server.core.state import Channel
from meeting_server.core.values import Choice

from .sim import MOD, REC, SYS, Sim, resident, running

WANG = Elector("r1", "王阿姨", "3号楼", "2单元", "301")
LIU = Elector("r2", "刘大爷", "3号楼", "", "302")


def _with_roster() -> Sim:
    sim = running()
    sim.do(SYS, SetElectorate("c-1", (WANG, LIU)))
    return sim


def _refused(sim: Sim, actor: Actor, cmd: object) -> ErrorCode:
    with pytest.raises(DomainError) as e:
        sim.do(actor, cmd)  # type: ignore[arg-type]
    return e.value.code


def test_revoking_a_personal_link_moves_that_persons_generation_only() -> None:
    sim = _with_roster()
    [ev] = sim.do(SYS, RevokePersonalLink("r1", by="acct-1"))
    assert ev == PersonalLinkRevoked("r1", 1, "acct-1", sim.now)
    sim.do(SYS, RevokePersonalLink("r1"))
    assert (sim.state.links.person("r1"), sim.state.links.person("r2")) == (2, 0)
    assert _refused(sim, SYS, RevokePersonalLink("r404")) is ErrorCode.NOT_ON_ROSTER


def test_rotating_a_role_link_moves_that_roles_generation_only() -> None:
    sim = _with_roster()
    [ev] = sim.do(SYS, RotateRoleLink(Role.MODERATOR, by="acct-1"))
    assert isinstance(ev, RoleLinkRotated) and ev.generation == 1
    assert (sim.state.links.role(Role.MODERATOR), sim.state.links.role(Role.RECORDER)) == (1, 0)
    assert _refused(sim, SYS, RotateRoleLink(Role.SYSTEM)) is ErrorCode.INVALID
    assert _refused(sim, REC, RotateRoleLink(Role.RECORDER)) is ErrorCode.FORBIDDEN


def test_a_person_joins_only_as_their_own_participant() -> None:
    sim = _with_roster()
    assert _refused(sim, Actor("p-7", Role.PARTICIPANT, person_id="r1"), JoinMeeting(name="")) is (
        ErrorCode.INVALID
    )


def test_check_in_of_a_roster_person_takes_name_and_household_from_the_roster() -> None:
    sim = _with_roster()
    sim.do(REC, CheckInInRoom(name="", person_id="r2"))
    p = sim.state.participants[person_participant_id("r2")]
    assert (p.name, p.building, p.unit, p.channel, p.person_id) == (
        "刘大爷",
        "3号楼",
        None,
        Channel.ROOM,
        "r2",
    )
    assert _refused(sim, REC, CheckInInRoom(name="", person_id="r2")) is ErrorCode.DUPLICATE
    assert _refused(sim, REC, CheckInInRoom(name="", person_id="r404")) is ErrorCode.NOT_ON_ROSTER


def test_a_person_online_then_at_the_door_is_one_participant_one_voter() -> None:
    sim = _with_roster()
    pid = person_participant_id("r1")
    sim.do(Actor(pid, Role.PARTICIPANT, person_id="r1"), JoinMeeting(name=""))
    voters_before = len(sim.state.present_voters())
    sim.do(REC, CheckInInRoom(name="", person_id="r1"))
    assert [p.participant_id for p in sim.state.participants.values() if p.person_id == "r1"] == [pid]
    assert sim.state.participants[pid].channel is Channel.ROOM
    assert len(sim.state.present_voters()) == voters_before
    assert _refused(sim, REC, CheckInInRoom(name="", person_id="r1")) is ErrorCode.DUPLICATE


def test_a_person_in_the_hall_with_a_phone_votes_once_by_show_of_hands() -> None:
    sim = _with_roster()
    pid = person_participant_id("r1")
    sim.do(REC, CheckInInRoom(name="", person_id="r1"))  # at the door first, then her phone connects
    phone = Actor(pid, Role.PARTICIPANT, person_id="r1")
    assert _refused(sim, phone, JoinMeeting(name="")) is ErrorCode.DUPLICATE  # no second identity
    [moved] = sim.do(resident("p1"), MoveMotion("东门车位", "具体方案"))
    motion_id = moved.motion_id  # type: ignore[attr-defined]
    sim.do(resident("p2"), SecondMotion(motion_id))
    [opened] = sim.do(MOD, OpenVote(motion_id))
    assert pid not in opened.eligible_online  # type: ignore[attr-defined]
    assert opened.room_present == 2  # type: ignore[attr-defined]  # room-1 and her
    assert _refused(sim, phone, CastVote(motion_id, Choice.YES)) is ErrorCode.NOT_PRESENT
