"""公示 rules (core.publicity): the base is the vote's roster scope, objections come from roster persons of
that scope (personal link or at the counter), and day 7 records 生效 or 重新协商 on the server's clock."""

from __future__ import annotations

import pytest

from meeting_server.core import clock, publicity
from meeting_server.core.commands import (
    CastVote,
    CheckInInRoom,
    CloseMeeting,
    CloseVote,
    JoinMeeting,
    MoveMotion,
    ObjectToResolution,
    OpenMeeting,
    OpenVote,
    PublishMinutes,
    SecondMotion,
    StartAgendaItem,
)
from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.core.errors import ErrorCode
from meeting_server.core.minutes_events import PublicityDecided
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import Choice, MeetingSettings
from meeting_server.core.vote_rules import Scope, VoteRule

from .minutes_sim import draft
from .sim import MOD, REC, SYS, Sim

DAY = 86_400.0
# Ten voting residents of 3栋2单元 (the vote's scope), one without voting rights there, two elsewhere.
UNIT = tuple(Elector(f"u{i}", f"住户{i}", "3栋", "2单元", f"{i}01") for i in range(10))
NON_VOTING = Elector("nv", "周先生", "3栋", "2单元", "1101", voting=False)
OTHER = (Elector("o1", "钱阿姨", "3栋", "1单元", "101"), Elector("o2", "孙师傅", "5栋", "1单元", "101"))
ROSTER = (*UNIT, NON_VOTING, *OTHER)
RULE = VoteRule(scope=Scope.UNIT, building="3栋", unit="2单元")


def person(e: Elector) -> Actor:
    return Actor(f"per-{e.person_id}", Role.PARTICIPANT, person_id=e.person_id)


def published(days: int = 7) -> Sim:
    """Six of the unit attend online and pass r1 in the unit's scope; the minutes are then published."""
    sim = Sim(MeetingSettings(expected_members=30, publicity_days=days))
    sim.do(SYS, SetElectorate("c-1", ROSTER))
    for actor, name in ((MOD, "主持人"), (REC, "记录员")):
        sim.do(actor, JoinMeeting(name=name))
    for e in UNIT[:6]:
        sim.do(person(e), JoinMeeting(name=""))
    sim.do(REC, CheckInInRoom(name="", person_id=OTHER[0].person_id))
    sim.do(MOD, OpenMeeting())
    sim.do(MOD, StartAgendaItem(0))
    sim.do(person(UNIT[0]), MoveMotion("3栋2单元加装电梯", "申请加装电梯一部"))
    sim.do(person(UNIT[1]), SecondMotion("m1"))
    sim.do(MOD, OpenVote("m1", rule=RULE))
    for e in UNIT[:6]:
        sim.do(person(e), CastVote("m1", Choice.YES))
    sim.do(MOD, CloseVote("m1"))
    sim.do(MOD, CloseMeeting())
    draft(sim)
    sim.do(REC, PublishMinutes())
    return sim


def objection(e: Elector, reason: str = "费用分摊不公平") -> ObjectToResolution:
    return ObjectToResolution("r1", reason=reason)


def test_the_base_is_the_votes_roster_scope_not_the_attendees() -> None:
    sim = published()
    (r1,) = sim.state.resolutions
    assert publicity.base(sim.state, r1) == 10  # not 6 attendees, not 应到 30, not the non-voting 1101
    assert {e.person_id for e in publicity.affected(sim.state, r1)} == {e.person_id for e in UNIT}


def test_who_may_object_and_the_explicit_refusals() -> None:
    sim = published()
    absent = UNIT[9]  # never attended: objects with their personal link
    assert sim.do(person(absent), objection(absent))[0].objector == "p:u9"
    assert sim.refuse(person(absent), objection(absent)) is ErrorCode.DUPLICATE
    assert sim.refuse(person(OTHER[1]), objection(OTHER[1])) is ErrorCode.NOT_IN_SCOPE
    assert sim.refuse(person(NON_VOTING), objection(NON_VOTING)) is ErrorCode.NOT_IN_SCOPE
    stranger = Actor("per-x", Role.PARTICIPANT, person_id="x")
    assert sim.refuse(stranger, ObjectToResolution("r1", reason="x")) is ErrorCode.NOT_ON_ROSTER
    shared_link = Actor("p-shared", Role.PARTICIPANT)
    assert sim.refuse(shared_link, ObjectToResolution("r1", reason="x")) is ErrorCode.NOT_ON_ROSTER
    for bad in ("", "   ", "太" * 501):
        assert sim.refuse(person(UNIT[8]), objection(UNIT[8], bad)) is ErrorCode.INVALID
    assert sim.do(person(UNIT[8]), objection(UNIT[8], "太" * 500))  # 500 characters are allowed
    # At the counter: the recorder names the roster person; the same person by link is then a duplicate.
    assert sim.do(REC, ObjectToResolution("r1", objector="u7", reason="纸质意见"))[0].display_name == "住户7"
    assert sim.refuse(person(UNIT[7]), objection(UNIT[7])) is ErrorCode.DUPLICATE
    assert sim.refuse(REC, ObjectToResolution("r1", objector="o2", reason="x")) is ErrorCode.NOT_IN_SCOPE
    assert sim.refuse(REC, ObjectToResolution("r1", objector="赵某", reason="x")) is ErrorCode.NOT_ON_ROSTER
    assert sim.refuse(MOD, ObjectToResolution("r1", reason="x")) is ErrorCode.FORBIDDEN
    # The paper form: a roster name that one person has, or the participant a person joined as.
    assert sim.do(REC, ObjectToResolution("r1", objector="住户6", reason="纸质"))[0].objector == "p:u6"
    assert sim.do(REC, ObjectToResolution("r1", objector="per-u5", reason="现场"))[0].objector == "p:u5"


@pytest.mark.parametrize(("objectors", "outcome"), [(0, "effective"), (2, "effective"), (3, "redeliberate")])
def test_day_7_records_the_outcome_and_20_percent_exactly_is_not_more(objectors: int, outcome: str) -> None:
    sim = published()
    until = sim.state.minutes.publicity_until if sim.state.minutes else None
    assert until == pytest.approx(sim.now + 7 * DAY)
    assert clock.next_deadline(sim.state) == until
    for e in UNIT[:objectors]:
        sim.do(person(e), objection(e))
    assert sim.tick(at=until - 1) == []  # not yet
    (event,) = sim.tick(at=until)
    assert isinstance(event, PublicityDecided)
    assert (event.outcome, event.objections, event.base, event.percent) == (outcome, objectors, 10, 20)
    assert clock.next_deadline(sim.state) is None  # decided once
    assert sim.tick(at=until + DAY) == []
    assert sim.refuse(person(UNIT[9]), objection(UNIT[9])) is ErrorCode.WRONG_STATE  # closed


def test_the_period_is_a_setting() -> None:
    sim = published(days=3)
    minutes = sim.state.minutes
    assert minutes is not None and minutes.published_at is not None
    assert minutes.publicity_until == pytest.approx(minutes.published_at + 3 * DAY)
    assert sim.tick(at=minutes.publicity_until + 0.5)[0].name == "PublicityDecided"


def test_a_late_tick_decides_and_objections_after_the_end_are_refused() -> None:
    # The server was down at the deadline: the first tick after start decides (the hub ticks at once).
    sim = published()
    minutes = sim.state.minutes
    assert minutes is not None and minutes.publicity_until is not None
    sim.now = minutes.publicity_until + 3 * DAY
    assert sim.refuse(person(UNIT[0]), objection(UNIT[0])) is ErrorCode.WRONG_STATE
    assert clock.next_deadline(sim.state) == minutes.publicity_until  # in the past: tick at once
    assert [e.name for e in sim.tick()] == ["PublicityDecided"]
