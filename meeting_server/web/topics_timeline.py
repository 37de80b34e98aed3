"""One topic across several meetings: its timeline (``/c/{c}/topics/{topic}?t=``, its data
``/api/topics/{c}/topics/{topic}/timeline?t=``), a read-only fold of the community's stream (submitted,
supports, screening, research, carry-over) and of the meetings whose agenda names the topic (each
meeting, each vote on the item's motions with its result and rule, each motion's outcome).

Open to anyone with a link of the community: its topics link, or any link (personal, shared participant,
moderator …) of one of its meetings — the timeline says nothing a participant does not already see.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meeting_server.communities import community_stream
from meeting_server.community.carryover_rules import ResolutionCarriedOver
from meeting_server.community.registry import load_event
from meeting_server.community.topics_commands import LEVEL_LABELS
from meeting_server.community.topics_events import (
    TopicAccepted,
    TopicEscalated,
    TopicLevelSet,
    TopicMerged,
    TopicRejected,
    TopicSubmitted,
    TopicSupported,
)
from meeting_server.community.topics_research_commands import (
    ResearchAssigned,
    ResearchConfirmed,
    ResearchSubmitted,
    TopicCarriedOver,
)
from meeting_server.core.state import MeetingState
from meeting_server.core.values import MotionStatus
from meeting_server.core.vote_rules import rule_label
from meeting_server.hub.http_edge import Refused
from meeting_server.hub.pages import error_page

from . import keys
from .agenda_topics import community_meetings
from .staff_pages import render_page
from .topics_identity import community_reader
from .topics_index import topic_view
from .topics_research_view import public_research

COMMUNITY = r"{community_id:[a-z0-9]{1,32}}"
TOPIC = r"{topic_id:[a-z0-9]{4,32}}"
OUTCOMES = {MotionStatus.PASSED: "通过", MotionStatus.FAILED: "未通过", MotionStatus.WITHDRAWN: "撤回"}


async def _reader(request: web.Request) -> str:
    return (await community_reader(request)).community_id


def _stream_entry(event: object, topic_id: str) -> dict[str, Any] | None:
    """One step of the topic's own history, or None if ``event`` is not about it."""
    match event:
        case TopicSubmitted(topic_id=t) if t == topic_id:
            return {"kind": "submitted", "text": "居民提出议题", "at": event.at}
        case TopicSupported(topic_id=t) if t == topic_id:
            return {"kind": "support", "text": "一位居民附议", "at": event.at}
        case TopicAccepted(topic_id=t) if t == topic_id:
            return {
                "kind": "screening",
                "text": "筛选：采纳" + (f"（{event.note}）" if event.note else ""),
                "at": event.at,
            }
        case TopicMerged(topic_id=t) if t == topic_id:
            return {"kind": "screening", "text": "筛选：合并到其他议题", "at": event.at}
        case TopicMerged(into=t) if t == topic_id:
            text = f"合并了一条相同的议题，附议 +{len(event.carried)}"
            return {"kind": "screening", "text": text, "at": event.at}
        case TopicRejected(topic_id=t) if t == topic_id:
            return {"kind": "screening", "text": f"筛选：未采纳（{event.reason}）", "at": event.at}
        case TopicLevelSet(topic_id=t) if t == topic_id:
            return {"kind": "screening", "text": f"定为{LEVEL_LABELS[event.level]}级议题", "at": event.at}
        case TopicEscalated(topic_id=t) if t == topic_id:
            return {"kind": "screening", "text": f"上报到{LEVEL_LABELS[event.level]}", "at": event.at}
        case ResearchAssigned(topic_id=t) if t == topic_id:
            names = "、".join(m.name for m in event.members)
            return {"kind": "research", "text": f"安排会前调研：{names}", "at": event.at}
        case ResearchSubmitted(topic_id=t) if t == topic_id:
            return {"kind": "research", "text": "调研报告已提交，待其他代表确认", "at": event.at}
        case ResearchConfirmed(topic_id=t, complete=True) if t == topic_id:
            return {"kind": "research", "text": "调研报告完成（三名代表确认）", "at": event.at}
        case TopicCarriedOver(topic_id=t) if t == topic_id:
            why = f"（{event.reason}）" if event.reason else ""
            return {"kind": "carried_over", "text": f"列入下次会议议程{why}", "at": event.at}
        case ResolutionCarriedOver(topic_id=t) if t == topic_id:
            text = f"公示结果：重新协商（异议 {event.objections}/{event.base}），列入下次会议议程"
            return {"kind": "carried_over", "text": text, "at": event.at}
    return None


def _meeting_entry(state: MeetingState, topic_id: str) -> dict[str, Any] | None:
    """The meeting where the topic was on the agenda: its item, the votes on the item's motions and
    their outcomes."""
    index = next((i for i, a in enumerate(state.agenda) if a.topic_id == topic_id), None)
    if index is None:
        return None
    results = {r.motion_id: r for r in state.results}
    motions = []
    for m in state.motions.values():
        if m.agenda_index != index:
            continue
        r = results.get(m.motion_id)
        vote = None
        if r is not None:
            t = r.totals
            vote = {
                "passed": r.passed,
                "yes": t.yes,
                "no": t.no,
                "abstain": t.abstain,
                "rule": rule_label(r.rule) if r.rule is not None else r.threshold.value,
                "at": r.at,
            }
        motions.append(
            {
                "title": m.title,
                "status": m.status.value,
                "outcome": OUTCOMES.get(m.status, "未表决"),
                "vote": vote,
            }
        )
    return {
        "kind": "meeting",
        "meeting_id": state.meeting_id,
        "title": state.title,
        "item": state.agenda[index].title,
        "scheduled_at": state.scheduled_at,
        "status": state.status.value,
        "at": state.opened_at or state.created_at,
        "motions": motions,
    }


async def timeline(request: web.Request) -> web.Response:
    """GET /api/topics/{c}/topics/{topic}/timeline?t= — the topic's history, oldest first."""
    community_id = await _reader(request)
    topic_id = request.match_info["topic_id"]
    communities = request.app[keys.COMMUNITIES]
    topics = await communities.topics(community_id)
    topic = topics.topics.get(topic_id)
    if topic is None:
        raise Refused(404, "not_found", "没有这个议题")
    records = await request.app[keys.EVENT_LOG].read(community_stream(community_id))
    entries = []
    for record in records:
        entry = _stream_entry(load_event(record.type, record.payload), topic_id)
        if entry is not None:
            entries.append(entry)
    meetings = [
        e for s in await community_meetings(request.app, community_id) if (e := _meeting_entry(s, topic_id))
    ]
    entries.sort(key=lambda e: float(e["at"]))  # stable: the stream's order among equal times
    entries = sorted([*entries, *meetings], key=lambda e: float(e["at"]))
    research = public_research(await communities.research(community_id), topic_id)
    # As the list shows it to everyone (an abusive topic held while pending and once rejected).
    shown = topic_view(topics, topic, communities.clock(), None)
    answer = {
        "ok": True,
        "topic": {
            "topic_id": topic.topic_id,
            "title": shown["title"],
            "body": shown["body"],
            "status": topic.status.value,
            "supporters": len(topic.supporters),
        },
        "research": research,
        "meetings": len(meetings),
        "timeline": entries,
    }
    return web.json_response(answer, headers={"Cache-Control": "no-store"})


async def timeline_page(request: web.Request) -> web.Response:
    """GET /c/{c}/topics/{topic}?t= — the timeline page (its data comes from the API above)."""
    try:
        community_id = await _reader(request)
    except Refused as e:
        return error_page(request, e.status, e.message)
    street = await request.app[keys.COMMUNITIES].street()
    community = street.communities[community_id]
    return render_page(
        request,
        "topic_timeline.html",
        "topic-timeline",
        f"{community.title} · 议题进展",
        community_id=community_id,
        community_title=community.title,
        topic_id=request.match_info["topic_id"],
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"/api/topics/{COMMUNITY}/topics/{TOPIC}/timeline", timeline)
    app.router.add_get(f"/c/{COMMUNITY}/topics/{TOPIC}", timeline_page)
