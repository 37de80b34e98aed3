"""An agenda item from a residents' topic: the core keeps its topic id (only on a community's meeting),
and the minutes name the topic and where its research report is."""

from __future__ import annotations

import pytest

from meeting_server.core.commands import CreateMeeting, JoinMeeting, OpenMeeting, StartAgendaItem
from meeting_server.core.errors import DomainError
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import AgendaItemSpec, Level
from summarizer.build import build_minutes
from summarizer.draft import sections

from .driver import LogDriver

AGENDA = (AgendaItemSpec("地下车库夜间停车", 20, "top1"), AgendaItemSpec("其他事项"))


def test_minutes_name_the_topic_and_link_the_report() -> None:
    mod = Actor("mod", Role.MODERATOR)
    d = LogDriver()
    d.do(
        Actor.system(),
        CreateMeeting("mtg-1", "议事会", Level.SHEQU, "活动室", "2026-12-01", AGENDA, community_id="comma"),
    )
    d.do(mod, JoinMeeting("主持人"))
    d.do(mod, OpenMeeting())
    d.do(mod, StartAgendaItem(0))
    minutes = build_minutes(d.records)
    first, second = minutes.items
    assert (first.topic_id, first.report_path) == ("top1", "/c/comma/topics/top1")
    assert (second.topic_id, second.report_path) == ("", "")
    texts = [f.value for s in sections(minutes) for e in s.entries for f in e.fields if e.entry_id == "topic"]
    assert len(texts) == 1 and texts[0].startswith("居民议题征集（议题编号 top1）")
    assert "会前调研报告与议题进展见 /c/comma/topics/top1" in texts[0]


@pytest.mark.parametrize(
    ("agenda", "community"),
    [(AGENDA, None), ((AgendaItemSpec("x", 10, "../x"),), "comma"), (AGENDA[:1] * 2, "comma")],
)
def test_topic_ids_on_the_agenda_are_checked(
    agenda: tuple[AgendaItemSpec, ...], community: str | None
) -> None:
    d = LogDriver()
    with pytest.raises(DomainError):
        d.do(
            Actor.system(),
            CreateMeeting(
                "mtg-1", "议事会", Level.SHEQU, "活动室", "2026-12-01", agenda, community_id=community
            ),
        )
