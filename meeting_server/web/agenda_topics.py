"""Agenda from topics: the accepted topics (with their research) a 社工 may put on a new meeting's agenda,
the check of a meeting spec's ``agenda[].topic_id`` against the community's topics, and the community's
meetings as other readers (the timeline) need them.

A topic carried over (``TopicCarriedOver``, 重新协商) is pre-selected on the meeting form until a meeting
created after the carry-over has it on its agenda; so is one whose resolution 公示 sent back (pending in
``carryover_rules``), which the server puts first on the next agenda by itself (``community_meetings``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meeting_server.community.topics_research_rules import RESEARCHABLE
from meeting_server.core.state import MeetingState
from meeting_server.hub.http_edge import Refused

from . import keys
from .roster_api import community_scope
from .topics_research_view import public_research


async def community_meetings(app: web.Application, community_id: str) -> list[MeetingState]:
    """The community's meetings in creation order (other processes' too, as the meetings list)."""
    registry = app[keys.REGISTRY]
    out = []
    for meeting_id in await app[keys.EVENT_LOG].meeting_ids():
        rt = await registry.get(meeting_id)
        state = rt.state if rt is not None else None
        if state is not None and state.community_id == community_id:
            out.append(state)
    out.sort(key=lambda s: s.created_at)
    return out


async def check_agenda_topics(app: web.Application, community_id: str, spec: Any) -> None:
    """Every ``agenda[].topic_id`` in ``spec`` names an accepted (or escalated) topic of this community."""
    agenda = spec.get("agenda") if isinstance(spec, dict) else None
    if not isinstance(agenda, list):
        return  # the core's checks answer for a malformed spec
    topics = await app[keys.COMMUNITIES].topics(community_id)
    seen: set[str] = set()
    for i, item in enumerate(agenda):
        topic_id = item.get("topic_id", "") if isinstance(item, dict) else ""
        if not topic_id:
            continue
        if topic_id in seen:
            raise Refused(400, "invalid", f"第 {i + 1} 项议程关联的议题已在议程中")
        if isinstance(topic_id, str):
            seen.add(topic_id)
        topic = topics.topics.get(topic_id) if isinstance(topic_id, str) else None
        if topic is None:
            raise Refused(400, "invalid", f"第 {i + 1} 项议程关联的议题不存在")
        if topic.status not in RESEARCHABLE:
            raise Refused(400, "invalid", f"第 {i + 1} 项议程关联的议题「{topic.title}」未被采纳")


async def agenda_topics(request: web.Request) -> web.Response:
    """GET /api/communities/{c}/agenda-topics — accepted topics for the meeting form, with their research
    and whether they are pre-selected (carried over, not yet on a later meeting's agenda)."""
    _, community = await community_scope(request)
    communities = request.app[keys.COMMUNITIES]
    community_id = community.community_id
    topics = await communities.topics(community_id)
    research = await communities.research(community_id)
    meetings = await community_meetings(request.app, community_id)
    resolutions = (await communities.carried(community_id)).pending_topics()
    out = []
    for topic in topics.topics.values():
        if topic.status not in RESEARCHABLE:
            continue
        carried = research.carried_over.get(topic.topic_id)
        on_later = carried is not None and any(
            m.created_at > carried.at and any(a.topic_id == topic.topic_id for a in m.agenda)
            for m in meetings
        )
        redeliberate = topic.topic_id in resolutions  # 公示: the server puts it first by itself
        out.append(
            {
                "topic_id": topic.topic_id,
                "title": topic.title,
                "category": topic.triage.category,
                "supporters": len(topic.supporters),
                "research": public_research(research, topic.topic_id),
                "carried_over": "公示结果：重新协商"
                if redeliberate
                else (carried.reason if carried is not None else None),
                "preselect": redeliberate or (carried is not None and not on_later),
                "meetings": sum(1 for m in meetings if any(a.topic_id == topic.topic_id for a in m.agenda)),
            }
        )
    return web.json_response({"ok": True, "topics": out}, headers={"Cache-Control": "no-store"})


def add_routes(app: web.Application) -> None:
    app.router.add_get(r"/api/communities/{community_id:[a-z0-9]{1,32}}/agenda-topics", agenda_topics)
