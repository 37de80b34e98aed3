"""The minutes say which voting rule was applied (core.vote_rules): the elevator vote of one unit under
民法典 art. 278, with its households and areas, and a moderator's fraction."""

from __future__ import annotations

from meeting_server.core.commands import (
    CastVote,
    CheckInInRoom,
    CloseMeeting,
    CloseVote,
    CreateMeeting,
    JoinMeeting,
    MoveMotion,
    OpenMeeting,
    OpenVote,
    RecordShowOfHands,
    SecondMotion,
    StartAgendaItem,
)
from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import AgendaItemSpec, Choice, Level, MeetingSettings, Threshold
from meeting_server.core.vote_rules import Art278, Scope, VoteRule
from summarizer.build import build_minutes
from summarizer.draft import sections
from summarizer.render_md import section_markdown

from .driver import LogDriver

MOD, REC = Actor("mod", Role.MODERATOR), Actor("rec", Role.RECORDER)
ROSTER = (
    Elector("a", "王阿姨", "3栋", "2单元", "301", 90.0),
    Elector("b", "刘大爷", "3栋", "2单元", "302", 80.5),
    Elector("c", "赵老师", "3栋", "2单元", "401", 100.0),
    Elector("d", "钱阿姨", "3栋", "1单元", "101", 70.0),
)


def _person(pid: str) -> Actor:
    return Actor(f"per-{pid}", Role.PARTICIPANT, person_id=pid)


def _item_text(rule: VoteRule, ballots: dict[str, Choice]) -> str:
    log = LogDriver()
    log.do(
        Actor.system(),
        CreateMeeting(
            "mtg-1",
            "3栋2单元议事会",
            Level.XIAOQU,
            "活动室",
            "2026-12-01T19:00+08:00",
            (AgendaItemSpec("加装电梯", 30),),
            MeetingSettings(expected_members=4),
        ),
    )
    log.do(Actor.system(), SetElectorate("c-1", ROSTER))
    log.do(MOD, JoinMeeting(name="主持人"))
    log.do(REC, JoinMeeting(name="记录员李"))
    for pid in ("a", "b", "d"):
        log.do(_person(pid), JoinMeeting(name=""))
    log.do(REC, CheckInInRoom(name="", person_id="c"))
    log.do(MOD, OpenMeeting())
    log.do(MOD, StartAgendaItem(0))
    log.do(_person("a"), MoveMotion("加装电梯", "3栋2单元加装电梯一部"))
    log.do(_person("b"), SecondMotion("m1"))
    log.do(MOD, OpenVote("m1", secret=True, rule=rule))
    for pid, choice in ballots.items():
        if pid == "c":
            log.do(REC, CastVote("m1", choice, on_behalf_of="per-c"))
        else:
            log.do(_person(pid), CastVote("m1", choice))
    if not rule.per_person:  # a plain rule counts the hall by a show of hands: 赵老师 raises a hand
        log.do(REC, RecordShowOfHands("m1", 1, 0, 0))
    log.do(MOD, CloseVote("m1"))
    log.do(MOD, CloseMeeting())
    minutes = build_minutes(log.records)
    return section_markdown(next(s for s in sections(minutes) if s.section_id == "item-0"))


def test_the_art278_elevator_vote_is_told_with_households_and_areas() -> None:
    rule = VoteRule(scope=Scope.UNIT, building="3栋", unit="2单元", art278=Art278.MAJOR)
    text = _item_text(rule, {"a": Choice.YES, "b": Choice.YES, "c": Choice.YES})
    assert "按《民法典》第278条（重大事项）" in text
    assert "3栋2单元住户共 3 户，开始表决时到会 3 户" in text
    assert "专有部分面积：范围内 270.50 m²，参与表决 270.50 m²，赞成 270.50 m²；参与表决要求已达到" in text
    assert "结果：通过" in text
    # 刘大爷 (80.5 m²) against: 2 of 3 households < 3/4 — not carried.
    text = _item_text(rule, {"a": Choice.YES, "b": Choice.NO, "c": Choice.YES})
    assert "赞成 2 户" in text and "结果：未通过" in text


def test_a_moderators_fraction_is_named_in_the_minutes() -> None:
    rule = VoteRule(threshold=Threshold.FRACTION, numerator=3, denominator=5)
    text = _item_text(rule, {"a": Choice.YES, "b": Choice.YES, "d": Choice.NO})
    # 3 yes of 4 cast (2 online, 1 hand in the hall) ≥ 3/5.
    assert "通过标准：赞成票达投票数的 3/5 以上" in text and "结果：通过" in text
