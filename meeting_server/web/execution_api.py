"""A community's 执行监督 over HTTP. Identity, resolved once per request:

* **社工** (or the street admin) by their session, on ``/api/communities/{c}/executions…`` (cookie + CSRF
  header, ``roster_api.community_scope``): create a record for a passed resolution, stop/restart, mark
  milestones, complete, issue and revoke members' links.
* **Supervision group members** by their **execution link** (``x`` token: community, record, member and
  the member's link generation), on ``/api/execution/{c}/{r}…?t=``: one token kind per member and record
  rather than a personal meeting link, because professionals are not on the roster and a meeting link
  expires with its meeting while supervision runs for months. File a monthly report (text, JPEG/PNG
  photos kept by ``topic_photos``), stop, restart, mark a milestone.
* **Anyone**: ``/api/public/execution/{c}/{r}`` — the progress page's data, and only the photos its
  reports show.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from meeting_server.community.execution_commands import (
    MAX_PHOTOS,
    REPORT_LEN,
    CompleteExecution,
    CompleteMilestone,
    CreateExecution,
    FileReport,
    MemberKind,
    MemberSpec,
    MilestoneSpec,
    RestartExecution,
    RevokeMemberLink,
    StopExecution,
)
from meeting_server.community.execution_state import (
    ExecutionActor,
    ExecutionRecord,
    ExecutionRole,
    ExecutionState,
)
from meeting_server.core.errors import DomainError
from meeting_server.core.registry import Command
from meeting_server.hub.http_edge import Refused, refused
from meeting_server.hub.keys import base_url
from meeting_server.hub.tokens import TokenError

from . import keys, topic_photos
from .auth import check_fields, read_json, text_field
from .execution_views import find_resolution, passed_resolutions, record_photos, record_view
from .roster_api import community_scope

COMMUNITY = r"{community_id:[a-z0-9]{1,32}}"
RECORD = r"{record_id:[a-z0-9]{1,32}}"
PHOTO = r"{photo_id:[0-9a-f]{32}}"
MAX_LIST = 50  # members or milestones in one body (the rules hold them to less)
_LINK_MESSAGES = {
    "expired_token": "链接已过期，请向社区工作人员索取新链接",
    "link_revoked": "链接已作废，请向社区工作人员索取新链接",
    "wrong_record": "这是其他执行事项的链接",
}


async def _execute(request: web.Request, actor: ExecutionActor, command: Command) -> ExecutionState:
    communities = request.app[keys.COMMUNITIES]
    try:
        await communities.execute_execution(actor.community_id, actor, command)
    except DomainError as e:
        raise refused(e) from None
    return await communities.execution(actor.community_id)


async def _community_exists(request: web.Request) -> str:
    community_id = request.match_info["community_id"]
    street = await request.app[keys.COMMUNITIES].street()
    if community_id not in street.communities:
        raise Refused(404, "not_found", "没有这个社区")
    return community_id


async def _record(request: web.Request, community_id: str) -> ExecutionRecord:
    state = await request.app[keys.COMMUNITIES].execution(community_id)
    record = state.records.get(request.match_info["record_id"])
    if record is None:
        raise Refused(404, "not_found", "没有这个执行事项")
    return record


def _now(request: web.Request) -> float:
    return request.app[keys.COMMUNITIES].clock()


# ------------------------------------------------------------------ the 社工


async def _staff(request: web.Request) -> ExecutionActor:
    actor, community = await community_scope(request)
    street = await request.app[keys.COMMUNITIES].street()
    name = street.accounts[actor.account_id].display_name if actor.account_id in street.accounts else ""
    return ExecutionActor(ExecutionRole.STAFF, community.community_id, account_id=actor.account_id, name=name)


async def staff_list(request: web.Request) -> web.Response:
    """GET /api/communities/{c}/executions — records, and the resolutions a record can follow."""
    actor = await _staff(request)
    state = await request.app[keys.COMMUNITIES].execution(actor.community_id)
    now = _now(request)
    records = [record_view(r, now, actor.community_id) for r in reversed(list(state.records.values()))]
    resolutions = await passed_resolutions(request, actor.community_id, state)
    roster = await request.app[keys.COMMUNITIES].roster(actor.community_id)
    people = [{"person_id": pid, "name": p.name, "building": p.building} for pid, p in roster.persons.items()]
    answer = {"ok": True, "records": records, "resolutions": resolutions, "people": people}
    return web.json_response(answer, headers={"Cache-Control": "no-store"})


def _list(body: dict[str, Any], key: str, what: str) -> list[dict[str, Any]]:
    value = body.get(key, [])
    if not isinstance(value, list) or len(value) > MAX_LIST or not all(isinstance(v, dict) for v in value):
        raise Refused(400, "invalid", f"{what}格式不正确")
    return value


async def _member_specs(
    request: web.Request, community_id: str, raw: list[dict[str, Any]]
) -> tuple[MemberSpec, ...]:
    roster = await request.app[keys.COMMUNITIES].roster(community_id)
    out = []
    for item in raw:
        check_fields(item, frozenset({"kind", "person_id", "name"}))
        kind = item.get("kind")
        if kind not in [k.value for k in MemberKind]:
            raise Refused(400, "invalid", "成员身份应为居民代表、议事员或专业人士")
        member_id = secrets.token_hex(6)
        if kind == MemberKind.PROFESSIONAL:
            out.append(
                MemberSpec(
                    member_id, text_field(item, "name", "专业人士姓名", required=True), MemberKind(kind)
                )
            )
            continue
        person_id = item.get("person_id")
        person = roster.persons.get(person_id) if isinstance(person_id, str) else None
        if person is None or not isinstance(person_id, str):
            raise Refused(400, "not_on_roster", "居民代表和议事员须是名册中的人")
        out.append(MemberSpec(member_id, person.name, MemberKind(kind), person_id))
    return tuple(out)


def _milestone_specs(raw: list[dict[str, Any]]) -> tuple[MilestoneSpec, ...]:
    out = []
    for item in raw:
        check_fields(item, frozenset({"title", "due"}))
        out.append(
            MilestoneSpec(
                secrets.token_hex(6),
                text_field(item, "title", "节点名称", required=True),
                text_field(item, "due", "节点日期", required=True),
            )
        )
    return tuple(out)


async def staff_create(request: web.Request) -> web.Response:
    """POST /api/communities/{c}/executions {meeting_id, resolution_id, responsible, deadline, members,
    milestones} — 201 with the record."""
    actor = await _staff(request)
    body = await read_json(request)
    check_fields(
        body, frozenset({"meeting_id", "resolution_id", "responsible", "deadline", "members", "milestones"})
    )
    meeting_id = text_field(body, "meeting_id", "会议", required=True)
    resolution_id = text_field(body, "resolution_id", "决议", required=True)
    if len(meeting_id) > 64 or len(resolution_id) > 32:
        raise Refused(400, "invalid", "会议或决议编号不正确")
    found = await find_resolution(request, actor.community_id, meeting_id, resolution_id)
    if found is None:
        raise Refused(404, "not_found", "本社区的会议中没有这项决议")
    members = await _member_specs(request, actor.community_id, _list(body, "members", "监督小组"))
    milestones = _milestone_specs(_list(body, "milestones", "节点"))
    record_id = secrets.token_hex(6)
    command = CreateExecution(
        record_id,
        meeting_id,
        resolution_id,
        found[0],
        found[1],
        text_field(body, "responsible", "责任方", required=True),
        text_field(body, "deadline", "完成期限", required=True),
        members,
        milestones,
    )
    state = await _execute(request, actor, command)
    view = record_view(state.records[record_id], _now(request), actor.community_id)
    return web.json_response({"ok": True, "record": view}, status=201)


def _command(action: str, record_id: str, body: dict[str, Any]) -> Command:
    """The command an action's body asks for; who may issue it is the rules' table (a member asking to
    complete the record is refused there, as every refusal is)."""
    match action:
        case "stop":
            check_fields(body, frozenset({"reason"}))
            return StopExecution(record_id, text_field(body, "reason", "叫停的理由", required=True))
        case "restart":
            check_fields(body, frozenset({"reason"}))
            return RestartExecution(record_id, text_field(body, "reason", "重启的理由", required=True))
        case "milestone":
            check_fields(body, frozenset({"milestone_id", "note"}))
            return CompleteMilestone(
                record_id,
                text_field(body, "milestone_id", "节点", required=True),
                text_field(body, "note", "说明"),
            )
        case "complete":
            check_fields(body, frozenset({"note"}))
            return CompleteExecution(record_id, text_field(body, "note", "说明"))
        case "revoke":
            check_fields(body, frozenset({"member_id"}))
            return RevokeMemberLink(record_id, text_field(body, "member_id", "成员", required=True))
    raise Refused(404, "not_found", "没有这个操作")


async def staff_action(request: web.Request) -> web.Response:
    """POST /api/communities/{c}/executions/{r}/{stop|restart|milestone|complete|revoke}."""
    actor = await _staff(request)
    body = await read_json(request)
    record_id = request.match_info["record_id"]
    state = await _execute(request, actor, _command(request.match_info["action"], record_id, body))
    if record_id not in state.records:
        raise Refused(404, "not_found", "没有这个执行事项")
    view = record_view(state.records[record_id], _now(request), actor.community_id)
    return web.json_response({"ok": True, "record": view})


async def staff_links(request: web.Request) -> web.Response:
    """GET /api/communities/{c}/executions/{r}/links — each member's execution link (and the public page)."""
    actor = await _staff(request)
    record = await _record(request, actor.community_id)
    settings = request.app[keys.SETTINGS]
    expires = _now(request) + settings.server.execution_link_days * 86_400
    signer = request.app[keys.SIGNER]
    base = base_url(settings)
    c, r = actor.community_id, record.record_id
    links = []
    for m in record.members:
        token = signer.execution_link(c, r, m.member_id, record.generation(m.member_id), expires)
        path = f"/x/{c}/{r}?t={token}"
        links.append({"member_id": m.member_id, "name": m.name, "url": base + path, "path": path})
    public = f"/p/execution/{c}/{r}"
    return web.json_response(
        {"ok": True, "links": links, "public": {"url": base + public, "path": public}, "expires": expires}
    )


# ------------------------------------------------------------------ supervision group members


async def member(request: web.Request) -> tuple[ExecutionActor, ExecutionRecord]:
    """The member behind ``?t=``, on the record in the path (403/404 with the reason otherwise)."""
    community_id = await _community_exists(request)
    token = request.query.get("t")
    if not token:
        raise Refused(403, "no_token", "请使用社区发给您的监督链接打开本页")
    signer = request.app[keys.SIGNER]
    try:
        claims = signer.open_execution_link(
            token, _now(request), community_id, request.match_info["record_id"]
        )
    except TokenError as e:
        raise Refused(403, e.code, _LINK_MESSAGES.get(e.code, "链接无效，请检查链接是否完整")) from None
    record = await _record(request, community_id)
    m = record.member(claims.member_id)
    if m is None:
        raise Refused(403, "not_a_member", "您已不在该事项的监督小组中")
    if claims.generation != record.generation(m.member_id):
        raise Refused(403, "link_revoked", _LINK_MESSAGES["link_revoked"])
    actor = ExecutionActor(
        ExecutionRole.MEMBER, community_id, record_id=record.record_id, member_id=m.member_id, name=m.name
    )
    return actor, record


def _member_answer(request: web.Request, actor: ExecutionActor, record: ExecutionRecord) -> dict[str, Any]:
    m = record.member(actor.member_id)
    assert m is not None
    me = {"member_id": m.member_id, "name": m.name, "kind": m.kind.value}
    return {"ok": True, "me": me, "record": record_view(record, _now(request), actor.community_id)}


async def member_view(request: web.Request) -> web.Response:
    """GET /api/execution/{c}/{r}?t= — the record, as its member sees it."""
    actor, record = await member(request)
    return web.json_response(_member_answer(request, actor, record), headers={"Cache-Control": "no-store"})


async def member_report(request: web.Request) -> web.Response:
    """POST /api/execution/{c}/{r}/reports?t= {text, photos?, blocked?} — this month's progress report."""
    actor, record = await member(request)
    body = await read_json(request)
    check_fields(body, frozenset({"text", "photos", "blocked"}))
    text = text_field(body, "text", "报告内容", required=True)
    if len(text) > REPORT_LEN * 2:
        raise Refused(400, "invalid", f"报告最多 {REPORT_LEN} 字")
    photos = body.get("photos", [])
    if (
        not isinstance(photos, list)
        or len(photos) > MAX_PHOTOS
        or not all(isinstance(p, str) for p in photos)
    ):
        raise Refused(400, "invalid", f"照片最多 {MAX_PHOTOS} 张")
    blocked = body.get("blocked", False)
    if not isinstance(blocked, bool):
        raise Refused(400, "invalid", "“受阻”应为是或否")
    await topic_photos.check(request, actor.community_id, photos)
    command = FileReport(record.record_id, secrets.token_hex(6), text, tuple(photos), blocked)
    state = await _execute(request, actor, command)
    return web.json_response(_member_answer(request, actor, state.records[record.record_id]), status=201)


async def member_action(request: web.Request) -> web.Response:
    """POST /api/execution/{c}/{r}/{stop|restart|milestone}?t= — 叫停 / 重启 (with a reason), a milestone."""
    actor, record = await member(request)
    body = await read_json(request)
    state = await _execute(request, actor, _command(request.match_info["action"], record.record_id, body))
    return web.json_response(_member_answer(request, actor, state.records[record.record_id]))


async def member_photo(request: web.Request) -> web.Response:
    """POST /api/execution/{c}/{r}/photos?t= (the picture's bytes) — 201 {photo_id}, to name in a report."""
    actor, _ = await member(request)
    photo_id = await topic_photos.store(request, actor.community_id)
    return web.json_response({"ok": True, "photo_id": photo_id}, status=201)


# ------------------------------------------------------------------ the public


async def public_view(request: web.Request) -> web.Response:
    """GET /api/public/execution/{c}/{r} — the progress page's data, no sign-in."""
    community_id = await _community_exists(request)
    record = await _record(request, community_id)
    street = await request.app[keys.COMMUNITIES].street()
    answer = {
        "ok": True,
        "community": {"title": street.communities[community_id].title},
        "record": record_view(record, _now(request), community_id),
    }
    return web.json_response(answer, headers={"Cache-Control": "no-store"})


async def public_photo(request: web.Request) -> web.StreamResponse:
    """GET /api/public/execution/{c}/{r}/photos/{photo} — a photo one of the record's reports shows."""
    community_id = await _community_exists(request)
    record = await _record(request, community_id)
    photo_id = request.match_info["photo_id"]
    if photo_id not in record_photos(record):
        raise Refused(404, "not_found", "没有这张照片")
    return await topic_photos.serve(request, community_id, photo_id)


def add_routes(app: web.Application) -> None:
    staff = f"/api/communities/{COMMUNITY}/executions"
    app.router.add_get(staff, staff_list)
    app.router.add_post(staff, staff_create)
    app.router.add_get(staff + f"/{RECORD}/links", staff_links)
    app.router.add_post(staff + f"/{RECORD}/" + r"{action:[a-z]{1,16}}", staff_action)
    group = f"/api/execution/{COMMUNITY}/{RECORD}"
    app.router.add_get(group, member_view)
    app.router.add_post(group + "/reports", member_report)
    app.router.add_post(group + "/photos", member_photo)
    app.router.add_post(group + r"/{action:[a-z]{1,16}}", member_action)
    public = f"/api/public/execution/{COMMUNITY}/{RECORD}"
    app.router.add_get(public, public_view)
    app.router.add_get(public + f"/photos/{PHOTO}", public_photo)
