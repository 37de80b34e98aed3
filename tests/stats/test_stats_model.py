"""The statistics read model on hand-made logs (tests/stats/logs.py): every expected number worked out by
hand from the logs' docstrings, never from the code under test."""

from __future__ import annotations

import pytest

from meeting_server.community.stream_rules import CommunityState, evolve_community
from meeting_server.core.evolve import fold
from meeting_server.readmodels.stats import age_at, band_age, gini, street_stats, top_share
from meeting_server.readmodels.stats_facts import community_facts, meeting_facts

from . import logs

TITLES = {"A": "阳光小区", "B": "和平小区"}


def _facts() -> tuple[list, list]:
    meetings = [
        meeting_facts("a1", logs.meeting_a1()),
        meeting_facts("a2", logs.meeting_a2()),
        meeting_facts("b1", logs.meeting_b1()),
    ]
    communities = [
        community_facts("A", [*logs.roster(logs.T0), *logs.topics(logs.T0), *logs.execution(logs.T0)]),
        community_facts("B", logs.roster(logs.T0)),
    ]
    return meetings, communities


def test_street_participation_counts_people_and_channels() -> None:
    s = street_stats(*_facts(), TITLES)
    p = s["participation"]
    # a1: p1, p2, u9, p3 (4); a2: p1, p4, u9' (3); b1: p5 (1) — the moderator never counts.
    assert p["meetings_count"] == 3
    assert p["attendances_count"] == 8
    # p1 p2 p3 p4 p5 + u9 of a1 + u9 of a2 (a community link names no roster person).
    assert p["distinct_residents_count"] == 7
    assert p["roster_residents_count"] == 5
    # in the hall: p3 (a1), p1 (a2); online: the other 6.
    assert p["online_attendances_count"] == 6
    assert p["in_room_attendances_count"] == 2
    assert p["online_share_pct"] == 75.0
    assert p["attendances_per_meeting_avg_count"] == pytest.approx(2.7)


def test_youth_share_uses_birth_year_then_band_midpoint() -> None:
    y = street_stats(*_facts(), TITLES)["youth_share"]
    # p1 30 ✓, p2 66 ✗, p3 34.5 ✓, p4 44.5 ✗; p5 unknown.
    assert (y["youth_residents_count"], y["known_age_residents_count"], y["unknown_age_residents_count"]) == (
        2,
        4,
        1,
    )
    assert y["share_pct"] == 50.0
    assert "中点" in y["rule"]


def test_speaking_time_and_its_spread() -> None:
    sp = street_stats(*_facts(), TITLES)["speaking"]
    # p1 180, p2 30, u9 90, p4 300 (the chair's 500 s is not a resident's).
    assert sp["speakers_count"] == 4
    assert sp["total_s"] == 600.0
    assert sp["per_speaker_mean_s"] == 150.0
    assert sp["per_speaker_median_s"] == 135.0
    # sorted 30, 90, 180, 300: 2·(30+180+540+1200)/(4·600) − 5/4 = 3900/2400 − 1.25 = 0.375
    assert sp["gini"] == 0.375
    # the top 10 % of four speakers is one: 300 / 600
    assert sp["top10pct_share_pct"] == 50.0


def test_topics_resolutions_objections() -> None:
    s = street_stats(*_facts(), TITLES)
    t = s["topics"]
    assert (
        t["submitted_count"],
        t["accepted_count"],
        t["merged_count"],
        t["rejected_count"],
        t["open_count"],
    ) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert t["adoption_rate_pct"] == 25.0
    assert t["days_to_decision_median_days"] == 4.0  # of 4, 2, 6
    r = s["resolutions"]
    assert (r["votes_closed_count"], r["votes_passed_count"], r["resolutions_count"]) == (3, 2, 2)
    assert r["pass_rate_pct"] == pytest.approx(66.7)
    assert r["minutes_published_count"] == 2
    o = s["objections"]
    # r1 flagged and decided 重新协商 (one re-deliberation); r2 decided 生效; r1 carried over.
    assert (o["objections_count"], o["objected_resolutions_count"], o["redeliberations_count"]) == (2, 1, 1)
    assert o["objected_resolutions_pct"] == 50.0
    assert (o["publicity_effective_count"], o["carried_over_count"]) == (1, 1)


def test_execution_and_resolution_rate() -> None:
    s = street_stats(*_facts(), TITLES)
    e = s["execution"]
    # e1 done (stopped once, restarted), e2 blocked; two resolutions, both with a record.
    assert (e["records_count"], e["done_count"], e["blocked_count"], e["stopped_count"]) == (2, 1, 1, 0)
    assert (e["stops_count"], e["progress_reports_count"]) == (1, 2)
    assert e["resolutions_with_record_pct"] == 100.0
    assert e["resolution_rate_pct"] == 50.0  # 解决率: 1 of 2 resolutions done
    assert s["resolution_rate"]["value_pct"] == 50.0
    t = s["timeline"]
    assert t["resolution_to_done_median_days"] == 70.0  # r1 recorded at T0, done at T0 + 70 days
    assert t["topic_to_resolution_median_days"] is None and "议题" in t["topic_to_resolution_reason"]


def test_community_scope_and_rows() -> None:
    meetings, communities = _facts()
    a = street_stats(meetings, communities, TITLES, "A")
    assert a["scope"] == {"community_id": "A", "title": "阳光小区"}
    assert a["participation"]["attendances_count"] == 7
    assert a["participation"]["distinct_residents_count"] == 6
    assert a["youth_share"]["share_pct"] == 50.0  # p1 p2 p3 p4
    assert a["execution"]["resolution_rate_pct"] == 50.0
    b = street_stats(meetings, communities, TITLES, "B")
    assert b["execution"]["resolution_rate_pct"] is None  # no resolutions: no rate, not 0
    assert b["participation"]["attendances_count"] == 1
    assert b["youth_share"]["share_pct"] is None  # p5 has no age
    assert b["topics"]["adoption_rate_pct"] is None  # no topics: no rate, not 0
    rows = {r["community_id"]: r for r in street_stats(meetings, communities, TITLES)["communities"]}
    assert rows["A"]["resolutions_count"] == 2 and rows["B"]["resolutions_count"] == 0
    assert rows["A"]["objections_count"] == 2


def test_by_month_series() -> None:
    months = street_stats(*_facts(), TITLES)["by_month"]
    assert [m["month"] for m in months] == ["2026-03", "2026-04"]
    assert months[0]["attendances_count"] == 4 and months[1]["attendances_count"] == 4
    assert months[0]["topics_submitted_count"] == 4 and months[1]["meetings_count"] == 2


@pytest.mark.parametrize(
    ("band", "age"), [("30-39", 34.5), ("40-49", 44.5), ("80+", 80.0), ("", None), ("x", None)]
)
def test_band_age(band: str, age: float | None) -> None:
    assert band_age(band) == age


def test_age_from_birth_year_wins_over_band() -> None:
    assert age_at(1990, "60-69", logs.T0) == 36.0


def test_gini_and_top_share_edges() -> None:
    assert gini([]) is None and top_share([]) is None
    assert gini([5, 5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 10]) == 0.0  # only speakers count: one speaker is perfectly equal to itself
    assert top_share([1] * 20) == 10.0  # top 2 of 20


def test_hand_made_logs_are_logs_the_rules_accept() -> None:
    # The meeting rules' own fold takes every hand-made meeting (a server could load them).
    for events in (logs.meeting_a1(), logs.meeting_a2(), logs.meeting_b1()):
        assert fold(events) is not None
    # and the community rules' fold takes the community's stream (roster, topics, execution, carry-over)
    state = CommunityState.empty("A")
    for ev in [*logs.roster(logs.T0), *logs.topics(logs.T0), *logs.execution(logs.T0)]:
        state = evolve_community(state, ev)
    assert len(state.execution.records) == 2


def test_days_from_a_topic_to_the_resolution_of_the_agenda_item_that_deliberated_it() -> None:
    """Topic t1 submitted 10 days before a meeting whose second agenda item deliberates it; that item's
    resolution is recorded 2 hours after the meeting opens → 10.1 days (rounded to one decimal). A resolution
    of the first item (no topic) does not count, nor does a later one for the same topic."""
    from dataclasses import replace

    from meeting_server.core.events import MeetingCreated
    from meeting_server.core.motion_events import ResolutionRecorded
    from meeting_server.core.values import AgendaItemSpec

    created, opened = logs.meeting("A", logs.T0)
    assert isinstance(created, MeetingCreated)
    agenda = (AgendaItemSpec("物业费", 10), AgendaItemSpec("加装电梯", 20, "t1"))
    two_hours = 2 * 3600.0
    events = [
        replace(created, agenda=agenda),
        opened,
        ResolutionRecorded("r0", "mo0", 0, "物业费", "", logs.T0 + 3600.0),
        ResolutionRecorded("r1", "mo1", 1, "加装电梯", "", logs.T0 + two_hours),
        ResolutionRecorded("r2", "mo2", 1, "加装电梯（补充）", "", logs.T0 + 5 * logs.DAY),
    ]
    meetings = [meeting_facts("m1", events)]
    communities = [community_facts("A", [*logs.roster(logs.T0), *logs.topics(logs.T0 - 10 * logs.DAY)])]
    t = street_stats(meetings, communities, TITLES)["timeline"]
    assert t["topic_to_resolution_median_days"] == 10.1
    assert "topic_to_resolution_reason" not in t
