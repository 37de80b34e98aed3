"""The KPIs of 数据分析, per community and across the street, from facts folded per stream
(``stats_facts``). Pure: facts in, one JSON-able dict out; the same dict feeds ``gongzhi stats``, the
dashboards and their CSV/XLSX exports, so they cannot disagree.

Every numeric key carries its unit (``_count``, ``_pct``, ``_s``, ``_days``). A KPI the log does not
record is ``null`` next to a ``reason``, a rate without a base (no resolutions) ``null`` — never a made-up
number.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from meeting_server.core.values import Channel

from .stats_facts import CommunityFacts, MeetingFacts

CHINA = dt.timezone(dt.timedelta(hours=8))
YOUTH = (18, 40)
YOUTH_RULE = (
    "18–40岁（含）。有出生年份时按会议当年年龄计算（会议年份−出生年份）；只有年龄段时取年龄段中点"
    "（如 30-39 → 34.5 计入，40-49 → 44.5 不计入，80+ 取 80）；两者都没有的居民不计入分母。"
    "每位居民按其在范围内第一次参会时的年龄计一次。"
)
NO_TOPIC_LINK = "尚未记录：还没有由居民议题（议程项引用议题）形成的决议"
DAY_S = 86400.0
STATUSES = ("not_started", "in_progress", "blocked", "stopped", "done")
_BAND = re.compile(r"^(\d{1,3})(?:-(\d{1,3})|\+)$")


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _year(ts: float) -> int:
    return dt.datetime.fromtimestamp(ts, CHINA).year


def _month(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, CHINA).strftime("%Y-%m")


def band_age(band: str) -> float | None:
    """The age an age band stands for: its midpoint ("30-39" → 34.5), or its floor ("80+" → 80)."""
    m = _BAND.match(band)
    if m is None:
        return None
    lo = int(m.group(1))
    return (lo + int(m.group(2))) / 2 if m.group(2) else float(lo)


def age_at(birth_year: int | None, band: str, ts: float) -> float | None:
    """A resident's age at ``ts`` for the youth share: from the birth year if known, else the band."""
    if birth_year is not None:
        return float(_year(ts) - birth_year)
    return band_age(band) if band else None


def gini(values: Sequence[float]) -> float | None:
    """The Gini coefficient of non-negative ``values`` (0: everyone spoke as long; →1: one person spoke)."""
    xs = sorted(v for v in values if v > 0)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return None
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return round(2.0 * weighted / (n * total) - (n + 1) / n, 3)


def top_share(values: Sequence[float], fraction: float = 0.1) -> float | None:
    """The share (%) of the total held by the top ``fraction`` of values (at least one value)."""
    xs = sorted((v for v in values if v > 0), reverse=True)
    if not xs:
        return None
    k = max(1, math.ceil(len(xs) * fraction))
    return _pct(sum(xs[:k]), sum(xs))


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _participation(meetings: Sequence[MeetingFacts]) -> dict[str, Any]:
    attendances = sum(len(m.attendees) for m in meetings)
    online = sum(1 for m in meetings for _, ch in m.attendees if ch is Channel.ONLINE)
    distinct = {key for m in meetings for key, _ in m.attendees}
    return {
        "meetings_count": len(meetings),
        "attendances_count": attendances,  # 人次
        "distinct_residents_count": len(distinct),
        "roster_residents_count": sum(1 for key in distinct if key.startswith("p:")),
        "online_attendances_count": online,
        "in_room_attendances_count": attendances - online,
        "online_share_pct": _pct(online, attendances),
        "attendances_per_meeting_avg_count": round(attendances / len(meetings), 1) if meetings else None,
    }


def _youth(meetings: Sequence[MeetingFacts], communities: Sequence[CommunityFacts]) -> dict[str, Any]:
    ages = {pid: (by, band) for c in communities for pid, by, band in c.birth_years}
    first: dict[str, float] = {}
    for m in sorted(meetings, key=lambda m: m.held_at):
        for pid in m.roster_people:
            first.setdefault(pid, m.held_at)
    youth = known = 0
    for pid, ts in first.items():
        by, band = ages.get(pid, (None, ""))
        age = age_at(by, band, ts)
        if age is None:
            continue
        known += 1
        youth += YOUTH[0] <= age <= YOUTH[1]
    return {
        "share_pct": _pct(youth, known),
        "youth_residents_count": youth,
        "known_age_residents_count": known,
        "unknown_age_residents_count": len(first) - known,
        "rule": YOUTH_RULE,
    }


def _speaking(meetings: Sequence[MeetingFacts]) -> dict[str, Any]:
    per: dict[str, float] = {}
    for m in meetings:
        for key, s in m.speaking_s:
            per[key] = per.get(key, 0.0) + s
    values = list(per.values())
    total = sum(values)
    return {
        "speakers_count": len(values),
        "total_s": round(total, 1),
        "per_speaker_mean_s": round(total / len(values), 1) if values else None,
        "per_speaker_median_s": _median(values),
        "gini": gini(values),
        "top10pct_share_pct": top_share(values),
    }


def _topics(communities: Sequence[CommunityFacts]) -> dict[str, Any]:
    topics = [t for c in communities for t in c.topics]
    by = {o: sum(1 for t in topics if t.outcome == o) for o in ("open", "accepted", "merged", "rejected")}
    days = [(t.decided_at - t.submitted_at) / DAY_S for t in topics if t.decided_at is not None]
    return {
        "submitted_count": len(topics),
        "accepted_count": by["accepted"],
        "merged_count": by["merged"],
        "rejected_count": by["rejected"],
        "open_count": by["open"],
        "adoption_rate_pct": _pct(by["accepted"], len(topics)),  # 采纳率 = 采纳 / 提交
        "days_to_decision_median_days": _median(days),
    }


def _resolutions(meetings: Sequence[MeetingFacts]) -> dict[str, Any]:
    closed = sum(m.votes_closed for m in meetings)
    passed = sum(m.votes_passed for m in meetings)
    return {
        "votes_closed_count": closed,
        "votes_passed_count": passed,
        "pass_rate_pct": _pct(passed, closed),
        "resolutions_count": sum(len(m.resolutions) for m in meetings),
        "minutes_published_count": sum(m.minutes_published_at is not None for m in meetings),
    }


def _objections(meetings: Sequence[MeetingFacts], communities: Sequence[CommunityFacts]) -> dict[str, Any]:
    resolutions = sum(len(m.resolutions) for m in meetings)
    objected = sum(m.objected_resolutions for m in meetings)
    return {
        "objections_count": sum(m.objections for m in meetings),
        "objected_resolutions_count": objected,
        "objected_resolutions_pct": _pct(objected, resolutions),
        "redeliberations_count": sum(len(m.redeliberated) for m in meetings),
        "publicity_effective_count": sum(m.effective for m in meetings),
        "carried_over_count": sum(c.carried_over for c in communities),
    }


def _execution(meetings: Sequence[MeetingFacts], communities: Sequence[CommunityFacts]) -> dict[str, Any]:
    records = [r for c in communities for r in c.executions]
    resolutions = sum(len(m.resolutions) for m in meetings)
    by = {s: sum(1 for r in records if r.status == s) for s in STATUSES}
    return {
        "records_count": len(records),
        "resolutions_with_record_pct": _pct(len(records), resolutions),
        **{f"{s}_count": n for s, n in by.items()},
        "stops_count": sum(r.stops for r in records),
        "progress_reports_count": sum(r.reports for r in records),
        "resolution_rate_pct": _pct(by["done"], resolutions),  # 解决率 = 已完成 / 决议
        "definition": "解决率 = 执行记录已完成的决议 ÷ 全部决议",
    }


def _done_days(meetings: Sequence[MeetingFacts], communities: Sequence[CommunityFacts]) -> list[float]:
    """Days from each resolution to its execution record's completion (from the record's creation when
    the resolution's meeting is not in scope)."""
    recorded = {(m.meeting_id, rid): at for m in meetings for rid, at in m.resolutions}
    return [
        (r.done_at - recorded.get((r.meeting_id, r.resolution_id), r.created_at)) / DAY_S
        for c in communities
        for r in c.executions
        if r.done_at is not None
    ]


def _topic_days(meetings: Sequence[MeetingFacts], communities: Sequence[CommunityFacts]) -> list[float]:
    """Days from each topic's submission to the first resolution of an agenda item that deliberated it."""
    submitted = {t.topic_id: t.submitted_at for c in communities for t in c.topics}
    recorded = {(m.meeting_id, rid): at for m in meetings for rid, at in m.resolutions}
    first: dict[str, float] = {}
    for m in meetings:
        for rid, tid in m.resolution_topics:
            at = recorded[(m.meeting_id, rid)]
            if tid in submitted and (tid not in first or at < first[tid]):
                first[tid] = at
    return [(at - submitted[tid]) / DAY_S for tid, at in first.items()]


def _timeline(
    topics: Mapping[str, Any], done_days: Sequence[float], topic_days: Sequence[float]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "topic_to_decision_median_days": topics["days_to_decision_median_days"],
        "topic_to_resolution_median_days": _median(topic_days),
        "resolution_to_done_median_days": _median(done_days),
    }
    if not topic_days:
        out["topic_to_resolution_reason"] = NO_TOPIC_LINK
    return out


def _by_month(
    meetings: Sequence[MeetingFacts], communities: Sequence[CommunityFacts]
) -> list[dict[str, Any]]:
    months: dict[str, dict[str, int]] = {}

    def row(ts: float) -> dict[str, int]:
        return months.setdefault(
            _month(ts),
            {
                "meetings_count": 0,
                "attendances_count": 0,
                "topics_submitted_count": 0,
                "resolutions_count": 0,
            },
        )

    for m in meetings:
        r = row(m.held_at)
        r["meetings_count"] += 1
        r["attendances_count"] += len(m.attendees)
        r["resolutions_count"] += len(m.resolutions)
    for c in communities:
        for t in c.topics:
            row(t.submitted_at)["topics_submitted_count"] += 1
    return [{"month": k, **months[k]} for k in sorted(months)]


def kpis(meetings: Sequence[MeetingFacts], communities: Sequence[CommunityFacts]) -> dict[str, Any]:
    """The KPIs of one scope: ``meetings`` and ``communities`` already narrowed to it."""
    topics = _topics(communities)
    execution = _execution(meetings, communities)
    return {
        "participation": _participation(meetings),
        "youth_share": _youth(meetings, communities),
        "speaking": _speaking(meetings),
        "topics": topics,
        "resolutions": _resolutions(meetings),
        "objections": _objections(meetings, communities),
        "execution": execution,
        "resolution_rate": {
            "value_pct": execution["resolution_rate_pct"],
            "definition": execution["definition"],
        },
        "timeline": _timeline(topics, _done_days(meetings, communities), _topic_days(meetings, communities)),
        "by_month": _by_month(meetings, communities),
    }


def street_stats(
    meetings: Sequence[MeetingFacts],
    communities: Sequence[CommunityFacts],
    titles: Mapping[str, str],
    community_id: str | None = None,
) -> dict[str, Any]:
    """The KPIs of the whole street (with one row per community), or of ``community_id`` alone."""
    if community_id is not None:
        mine = [m for m in meetings if m.community_id == community_id]
        own = [c for c in communities if c.community_id == community_id]
        return {
            "scope": {"community_id": community_id, "title": titles.get(community_id, "")},
            **kpis(mine, own),
        }
    rows = []
    for cid, title in titles.items():
        k = kpis(
            [m for m in meetings if m.community_id == cid], [c for c in communities if c.community_id == cid]
        )
        rows.append(
            {
                "community_id": cid,
                "title": title,
                "meetings_count": k["participation"]["meetings_count"],
                "attendances_count": k["participation"]["attendances_count"],
                "distinct_residents_count": k["participation"]["distinct_residents_count"],
                "online_share_pct": k["participation"]["online_share_pct"],
                "youth_share_pct": k["youth_share"]["share_pct"],
                "topics_submitted_count": k["topics"]["submitted_count"],
                "adoption_rate_pct": k["topics"]["adoption_rate_pct"],
                "resolutions_count": k["resolutions"]["resolutions_count"],
                "objections_count": k["objections"]["objections_count"],
                "redeliberations_count": k["objections"]["redeliberations_count"],
                "speaking_gini": k["speaking"]["gini"],
                "resolution_rate_pct": k["resolution_rate"]["value_pct"],
            }
        )
    return {
        "scope": {"community_id": None, "title": "全街道", "communities_count": len(titles)},
        **kpis(meetings, communities),
        "communities": rows,
    }
