"""会前调研 over HTTP: screeners assign a research task (and carry a topic over to the next meeting);
the assigned 议事代表 draft, submit and confirm the report; every participant reads finished reports.

Identity of a representative: their personal meeting link (``?t=``, kind ``p``) of one of the
community's meetings — the roster person it names. The community's topics link is refused here even
when the typed name matches a roster person: anyone can type a name, and a report speaks for the
representatives who sign it.

Screeners: ``/api/communities/{c}/topics/{topic}/research|carry-over`` (社工, cookie + CSRF) or
``/api/topics/{c}/screening/{topic}/research|carry-over?t=MODERATOR_LINK``. Representatives:
``/api/topics/{c}/research…?t=PERSONAL_LINK``. Attachments: ``topics_research_files``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meeting_server.community.topics_research_commands import (
    MAX_FILES,
    REPRESENTATIVE,
    AssignResearch,
    CarryOverTopic,
    ConfirmResearch,
    ResearchFile,
    ResearchReport,
    SaveResearchDraft,
    SubmitResearch,
)
from meeting_server.community.topics_research_rules import RESEARCH_LABELS, ResearchState, ResearchTask
from meeting_server.community.topics_state import TopicActor
from meeting_server.core.errors import DomainError
from meeting_server.core.registry import Command
from meeting_server.hub.http_edge import Refused, refused
from meeting_server.hub.pages import error_page

from . import keys, topics_research_files
from .auth import check_fields, read_json, text_field
from .staff_pages import render_page
from .topics_api import COMMUNITY, TOPIC, Screener
from .topics_identity import Resident, moderator_screener, resident, staff_screener
from .topics_research_view import public_research, report_view

FILE = r"{file_id:[0-9a-f]{32}}"
REPORT_FIELDS = frozenset({"situation", "demands", "proposal", "households", "questionnaires", "files"})


def _task_view(task: ResearchTask, person_id: str) -> dict[str, Any]:
    confirmed = set(task.confirmed_by)
    return {
        "topic_id": task.topic_id,
        "status": task.status.value,
        "status_label": RESEARCH_LABELS[task.status],
        "note": task.note,
        "members": [
            {
                "name": m.name,
                "building": m.building,
                "confirmed": m.person_id in confirmed,
                "me": m.person_id == person_id,
            }
            for m in task.members
        ],
        "draft": report_view(task.draft),
        "report": report_view(task.report),
        "can_edit": task.report is None,
        "can_confirm": task.report is not None and person_id not in confirmed,
    }


async def _representative(request: web.Request) -> tuple[Resident, str]:
    who = await resident(request)
    if who.typed or who.person is None or not who.person.key.startswith("p:"):
        raise Refused(403, "forbidden", "请使用社区发给您本人的会议链接打开调研任务")
    return who, who.person.key[2:]


async def _execute(request: web.Request, actor: TopicActor, command: Command) -> ResearchState:
    communities = request.app[keys.COMMUNITIES]
    try:
        await communities.execute_research(actor.community_id, actor, command)
    except DomainError as e:
        raise refused(e) from None
    return await communities.research(actor.community_id)


def _count(body: dict[str, Any], key: str, what: str) -> int:
    value = body.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused(400, "invalid", f"{what}应为整数")
    return value


async def _report(request: web.Request, community_id: str, body: dict[str, Any]) -> ResearchReport:
    check_fields(body, REPORT_FIELDS)
    files = body.get("files", [])
    if not isinstance(files, list) or len(files) > MAX_FILES:
        raise Refused(400, "invalid", f"附件最多 {MAX_FILES} 个")
    attached: list[ResearchFile] = []
    for f in files:
        if not isinstance(f, dict) or not isinstance(f.get("file_id"), str):
            raise Refused(400, "invalid", "附件格式不正确")
        check_fields(f, frozenset({"file_id", "name"}))
        kind = await topics_research_files.kind_of(request, community_id, f["file_id"])
        attached.append(ResearchFile(f["file_id"], kind, text_field(f, "name", "附件名")))
    return ResearchReport(
        text_field(body, "situation", "现状"),
        text_field(body, "demands", "居民诉求"),
        text_field(body, "proposal", "初步建议"),
        _count(body, "households", "走访户数"),
        _count(body, "questionnaires", "问卷份数"),
        tuple(attached),
    )


# ------------------------------------------------------------------ representatives


async def my_tasks(request: web.Request) -> web.Response:
    """GET /api/topics/{c}/research?t= — the research tasks the link's person is assigned to."""
    who, pid = await _representative(request)
    communities = request.app[keys.COMMUNITIES]
    community_id = who.community.community_id
    research = await communities.research(community_id)
    topics = await communities.topics(community_id)
    tasks = []
    for task in research.tasks.values():
        if task.member(pid) is not None:
            topic = topics.topics[task.topic_id]
            tasks.append({**_task_view(task, pid), "title": topic.title, "body": topic.body})
    answer = {"ok": True, "me": who.person.name if who.person else "", "tasks": tasks}
    return web.json_response(answer, headers={"Cache-Control": "no-store"})


async def act(request: web.Request) -> web.Response:
    """POST /api/topics/{c}/research/{topic}/{draft|submit|confirm}?t= — the report's steps."""
    who, pid = await _representative(request)
    body = await read_json(request)
    topic_id, action = request.match_info["topic_id"], request.match_info["action"]
    community_id = who.community.community_id
    command: Command
    if action == "confirm":
        check_fields(body, frozenset())
        command = ConfirmResearch(topic_id)
    else:
        report = await _report(request, community_id, body)
        command = (
            SaveResearchDraft(topic_id, report) if action == "draft" else SubmitResearch(topic_id, report)
        )
    research = await _execute(request, who.actor(), command)
    return web.json_response({"ok": True, "task": _task_view(research.tasks[topic_id], pid)})


async def upload(request: web.Request) -> web.Response:
    """POST /api/topics/{c}/research/files?t= (the file's bytes) — 201 {file_id, kind}."""
    who, _ = await _representative(request)
    file_id, kind = await topics_research_files.store(request, who.community.community_id)
    return web.json_response({"ok": True, "file_id": file_id, "kind": kind}, status=201)


async def download(request: web.Request) -> web.StreamResponse:
    """GET /api/topics/{c}/research/files/{file}?t= — an attachment, for any resident link of the
    community (finished reports are public to its participants)."""
    who = await resident(request)
    return await topics_research_files.serve(
        request, who.community.community_id, request.match_info["file_id"]
    )


# ------------------------------------------------------------------ screeners


def _screening(screener: Screener) -> tuple[Any, Any, Any]:
    async def assign(request: web.Request) -> web.Response:
        actor = await screener(request)
        body = await read_json(request)
        check_fields(body, frozenset({"person_ids", "note"}))
        ids = body.get("person_ids")
        if not isinstance(ids, list) or not all(isinstance(p, str) for p in ids) or len(ids) > 50:
            raise Refused(400, "invalid", "请选择调研的议事代表")
        command = AssignResearch(request.match_info["topic_id"], tuple(ids), text_field(body, "note", "说明"))
        research = await _execute(request, actor, command)
        task = research.tasks[command.topic_id]
        return web.json_response({"ok": True, "research": public_research(research, task.topic_id)})

    async def carry_over(request: web.Request) -> web.Response:
        actor = await screener(request)
        body = await read_json(request)
        check_fields(body, frozenset({"reason"}))
        topic_id = request.match_info["topic_id"]
        research = await carry_topic_over(request.app, actor, topic_id, text_field(body, "reason", "说明"))
        return web.json_response({"ok": True, "carried_over": topic_id in research.carried_over})

    async def representatives(request: web.Request) -> web.Response:
        actor = await screener(request)
        roster = await request.app[keys.COMMUNITIES].roster(actor.community_id)
        reps = [
            {"person_id": pid, "name": p.name, "building": p.building}
            for pid, p in roster.persons.items()
            if REPRESENTATIVE in p.groups
        ]
        return web.json_response({"ok": True, "representatives": reps}, headers={"Cache-Control": "no-store"})

    return assign, carry_over, representatives


async def carry_topic_over(
    app: web.Application, actor: TopicActor, topic_id: str, reason: str = ""
) -> ResearchState:
    """重新协商: put ``topic_id`` on the community's next meeting's agenda (TopicCarriedOver); the staff
    meeting form pre-selects it. For other code (公示); DomainError if the rules refuse."""
    communities = app[keys.COMMUNITIES]
    try:
        await communities.execute_research(actor.community_id, actor, CarryOverTopic(topic_id, reason))
    except DomainError as e:
        raise refused(e) from None
    return await communities.research(actor.community_id)


async def research_page(request: web.Request) -> web.Response:
    """GET /c/{c}/research?t=PERSONAL_LINK — a representative's research tasks and their reports."""
    try:
        who, _ = await _representative(request)
    except Refused as e:
        return error_page(request, e.status, e.message)
    c = who.community
    name = who.person.name if who.person is not None else ""
    return render_page(
        request,
        "research.html",
        "research",
        f"{c.title} · 会前调研",
        community_id=c.community_id,
        community_title=c.title,
        person_name=name,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"/c/{COMMUNITY}/research", research_page)
    base = f"/api/topics/{COMMUNITY}/research"
    app.router.add_get(base, my_tasks)
    app.router.add_post(base + "/files", upload)
    app.router.add_get(base + f"/files/{FILE}", download)
    app.router.add_post(base + f"/{TOPIC}/{{action:(draft|submit|confirm)}}", act)
    for prefix, screener in (
        (f"/api/communities/{COMMUNITY}/topics", staff_screener),
        (f"/api/topics/{COMMUNITY}/screening", moderator_screener),
    ):
        assign, carry_over, representatives = _screening(screener)
        app.router.add_post(prefix + f"/{TOPIC}/research", assign)
        app.router.add_post(prefix + f"/{TOPIC}/carry-over", carry_over)
        app.router.add_get(prefix + "/representatives", representatives)
