"""The roster snapshot a meeting carries (core.electorate): personal joins bind a participant to a person."""

from __future__ import annotations

import pytest

from meeting_server.core.commands import JoinMeeting
from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.roles import Actor, Role

from .sim import SYS, Sim, running

WANG = Elector("r1", "王阿姨", "3号楼", "2单元", "301", area_m2=89.5, groups=("居民",))
LIU = Elector("r2", "刘大爷", "3号楼", "2单元", "302", groups=("议事代表",))


def _with_roster() -> Sim:
    sim = running()
    sim.do(SYS, SetElectorate("c-1", (WANG, LIU)))
    return sim


def test_a_personal_join_takes_the_rosters_name_and_binds_the_person() -> None:
    sim = _with_roster()
    sim.do(Actor("per-r1", Role.PARTICIPANT, person_id="r1"), JoinMeeting(name="主持人"))
    joined = sim.state.participants["per-r1"]
    assert (joined.name, joined.person_id) == ("王阿姨", "r1")
    assert sim.state.participant_of_person("r1") == joined
    assert sim.state.participant_of_person("r2") is None


def test_a_person_not_on_the_roster_is_refused() -> None:
    sim = _with_roster()
    with pytest.raises(DomainError) as e:
        sim.do(Actor("p9", Role.PARTICIPANT, person_id="r404"), JoinMeeting(name="张三"))
    assert e.value.code is ErrorCode.NOT_ON_ROSTER


def test_the_roster_is_replaced_but_a_joined_person_cannot_be_dropped() -> None:
    sim = _with_roster()
    sim.do(Actor("per-r1", Role.PARTICIPANT, person_id="r1"), JoinMeeting(name=""))
    sim.do(SYS, SetElectorate("c-1", (WANG,)))
    assert set(sim.state.electors) == {"r1"}
    with pytest.raises(DomainError) as e:
        sim.do(SYS, SetElectorate("c-1", (LIU,)))
    assert e.value.code is ErrorCode.WRONG_STATE


def test_a_person_twice_is_refused() -> None:
    sim = running()
    with pytest.raises(DomainError) as e:
        sim.do(SYS, SetElectorate("c-1", (WANG, WANG)))
    assert e.value.code is ErrorCode.INVALID
