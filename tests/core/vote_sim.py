"""A roster meeting for the voting-rule tests (core.vote_rules): the elevator case of building 3, unit 2."""

from __future__ import annotations

from meeting_server.core.commands import (
    CheckInInRoom,
    JoinMeeting,
    MoveMotion,
    OpenMeeting,
    SecondMotion,
    StartAgendaItem,
)
from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import MeetingSettings, Threshold
from meeting_server.core.vote_rules import Art278, Scope, VoteRule

from .sim import MOD, REC, SYS, Sim

# Building 3, unit 2 is the elevator case: 301 (two persons), 302, 401, and 501 without voting rights.
A = Elector("a", "王阿姨", "3栋", "2单元", "301", 90.0, ("居民",))
A2 = Elector("a2", "王叔叔", "3栋", "2单元", "301", 90.0, ("居民",))
B = Elector("b", "刘大爷", "3栋", "2单元", "302", 80.0, ("议事代表",))
C = Elector("c", "赵老师", "3栋", "2单元", "401", 100.0, ("居民",))
N = Elector("n", "周先生", "3栋", "2单元", "501", 60.0, ("居民",), voting=False)
D = Elector("d", "钱阿姨", "3栋", "1单元", "101", 70.0, ("议事代表",))
E = Elector("e", "孙师傅", "5栋", "1单元", "101", None, ("居民",))
ROSTER = (A, A2, B, C, N, D, E)


def person(e: Elector) -> Actor:
    return Actor(f"per-{e.person_id}", Role.PARTICIPANT, person_id=e.person_id)


PA, PA2, PB, PC, PN, PD, PE = (person(e) for e in ROSTER)


def meeting(
    *,
    online: tuple[Elector, ...] = (A, A2, B, N, D, E),
    room: tuple[Elector, ...] = (C,),
    running_counts: bool = False,
) -> Sim:
    """An open meeting with the roster; ``online`` joined by personal links, ``room`` checked in; motion m1
    moved by 钱阿姨 (d) and seconded by 孙师傅 (e) when both are there, else by the first two online."""
    sim = Sim(MeetingSettings(expected_members=10, show_running_counts=running_counts))
    sim.do(SYS, SetElectorate("c-1", ROSTER))
    for actor, name in ((MOD, "主持人"), (REC, "记录员")):
        sim.do(actor, JoinMeeting(name=name))
    for e in online:
        sim.do(person(e), JoinMeeting(name=""))
    for e in room:
        sim.do(REC, CheckInInRoom(name="", person_id=e.person_id))
    sim.do(MOD, OpenMeeting())
    sim.do(MOD, StartAgendaItem(0))
    mover, seconder = person(online[0]), person(online[1])
    sim.do(mover, MoveMotion("3栋2单元加装电梯", "申请加装电梯一部"))
    sim.do(seconder, SecondMotion("m1"))
    return sim


PLAIN = VoteRule()
UNIT = VoteRule(scope=Scope.UNIT, building="3栋", unit="2单元", threshold=Threshold.THREE_QUARTERS)
DELEGATES = VoteRule(scope=Scope.DELEGATES)
HOUSEHOLD = VoteRule(scope=Scope.UNIT, building="3栋", unit="2单元", household=True)
ART_MAJOR = VoteRule(scope=Scope.UNIT, building="3栋", unit="2单元", art278=Art278.MAJOR)
RULES = {"plain": PLAIN, "unit": UNIT, "delegates": DELEGATES, "household": HOUSEHOLD, "art278": ART_MAJOR}
