"""The timeline's meeting step (``topics_timeline._meeting_entry``) on a meeting folded from real rules:
the agenda item from the topic, each vote on its motions with counts, result and rule, each outcome;
motions on other items are not the topic's."""

from __future__ import annotations

from meeting_server.core.commands import (
    CastVote,
    CloseVote,
    CreateMeeting,
    JoinMeeting,
    MoveMotion,
    OpenMeeting,
    OpenVote,
    SecondMotion,
    StartAgendaItem,
)
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import AgendaItemSpec, Choice, Level
from meeting_server.web.topics_timeline import _meeting_entry
from tests.summarizer.driver import LogDriver

MOD = Actor("mod", Role.MODERATOR)
PEOPLE = [Actor(f"p-{i}", Role.PARTICIPANT) for i in range(3)]


def test_votes_on_the_topics_item_with_result_and_rule() -> None:
    d = LogDriver()
    agenda = (AgendaItemSpec("其他事项"), AgendaItemSpec("地下车库夜间停车", 20, "top1"))
    d.do(
        Actor.system(),
        CreateMeeting("mtg-1", "议事会", Level.SHEQU, "活动室", "2026-12-01", agenda, community_id="comma"),
    )
    d.do(MOD, JoinMeeting("主持人"))
    for i, p in enumerate(PEOPLE):
        d.do(p, JoinMeeting(f"居民{i}"))
    d.do(MOD, OpenMeeting())
    d.do(MOD, StartAgendaItem(0))
    d.do(PEOPLE[0], MoveMotion("不相干的提案", "别的事"))
    d.do(MOD, StartAgendaItem(1))
    d.do(PEOPLE[0], MoveMotion("错峰共享车位", "与周边单位错峰共享车位。"))
    d.do(PEOPLE[1], SecondMotion("m2"))
    d.do(MOD, OpenVote("m2"))
    for p, choice in zip(PEOPLE, (Choice.YES, Choice.YES, Choice.NO), strict=True):
        d.do(p, CastVote("m2", choice))
    d.do(MOD, CloseVote("m2"))
    entry = _meeting_entry(d.st, "top1")
    assert entry is not None
    assert (entry["item"], entry["title"], entry["status"]) == ("地下车库夜间停车", "议事会", "open")
    [motion] = entry["motions"]
    assert (motion["title"], motion["outcome"]) == ("错峰共享车位", "通过")
    vote = motion["vote"]
    assert (vote["yes"], vote["no"], vote["abstain"], vote["passed"]) == (2, 1, 0, True)
    assert "通过标准" in vote["rule"]
    assert _meeting_entry(d.st, "other1") is None
