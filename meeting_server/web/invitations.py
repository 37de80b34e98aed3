"""A community meeting's invitations, for its staff: every roster person's personal link, QR code and
short code; revoking one person's link; rotating a role link; the printable slips (A4 PDF).

Staff-scoped like the roster (``community_scope``; the meeting must be the community's, else 404) and
CSRF-guarded like every staff write. Opening the invitations copies the community's roster into the
meeting first (``electorate_sync``), so the list is who the meeting was called for. Revocation and
rotation are the server's commands in the meeting's log, with the staff account as ``by``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from aiohttp import web

from meeting_server.community.values import household_label
from meeting_server.core.errors import DomainError
from meeting_server.core.invitations import RevokePersonalLink, RotateRoleLink
from meeting_server.core.registry import Command
from meeting_server.core.roles import CLIENT_ROLES, Actor, Role
from meeting_server.core.state import MeetingState
from meeting_server.hub import keys as hub_keys
from meeting_server.hub.http_api import meeting_links
from meeting_server.hub.http_edge import Refused, refused
from meeting_server.hub.invites import CHINA, personal_token, personal_url, scheduled_time, short_codes
from meeting_server.hub.runtime import MeetingRuntime
from summarizer.fonts import FontError

from . import keys
from .electorate_sync import sync_electorate
from .invitation_slips import Slip, render_slips
from .roster_api import community_scope

ROLE_LABELS = {
    "moderator": "主持人",
    "timer": "计时员",
    "recorder": "记录员",
    "participant": "居民（共用链接）",
    "observer": "观察员",
    "hall": "会场大屏",
}


async def meeting_scope(request: web.Request) -> tuple[str, MeetingRuntime]:
    """The staff account's id and the community's meeting in the path (401/403/404)."""
    actor, community = await community_scope(request)
    registry = request.app[keys.REGISTRY]
    rt = await registry.get(request.match_info["meeting_id"])
    if rt is None or rt.state is None or rt.state.community_id != community.community_id:
        raise Refused(404, "not_found", "本社区没有这场会议")
    if registry.shared:
        await registry.catch_up(rt)
    return actor.account_id, rt


def when_text(state: MeetingState) -> str:
    """The scheduled time as residents read it (「2026年12月3日 19:00」), or the text as entered."""
    ts = scheduled_time(state)
    if ts is None:
        return state.scheduled_at
    t = dt.datetime.fromtimestamp(ts, CHINA)
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


def _people(request: web.Request, state: MeetingState) -> list[dict[str, Any]]:
    signer = request.app[keys.SIGNER]
    settings = request.app[keys.SETTINGS]
    base = hub_keys.base_url(settings)
    codes = short_codes(signer, state)
    out = []
    for pid, e in state.electors.items():
        token = personal_token(signer, state, pid, settings.server.link_ttl_hours)
        participant = state.participant_of_person(pid)
        out.append(
            {
                "person_id": pid,
                "name": e.name,
                "household": household_label(e.household),
                "groups": list(e.groups),
                "voting": e.voting,
                "code": codes[pid],
                "url": personal_url(base, state, token),
                "qr": f"/api/meetings/{state.meeting_id}/qr/participant.png?t={token}",
                "revoked": state.links.person(pid),  # how many times a link was revoked
                "joined": participant is not None,
            }
        )
    return out


def _answer(request: web.Request, state: MeetingState) -> dict[str, Any]:
    links = meeting_links(request.app, state)
    return {
        "ok": True,
        "meeting": {
            "meeting_id": state.meeting_id,
            "title": state.title,
            "place": state.place,
            "scheduled_at": state.scheduled_at,
            "when": when_text(state),
            "status": state.status.value,
        },
        "people": _people(request, state),
        "role_links": {
            role: {**link, "label": ROLE_LABELS.get(role, role), "rotated": state.links.role(Role(role))}
            for role, link in links.items()
        },
    }


async def invitations(request: web.Request) -> web.Response:
    """GET …/meetings/{meeting_id}/invitations — the roster's personal links and the role links."""
    _, rt = await meeting_scope(request)
    await _sync(request, rt)
    assert rt.state is not None
    return web.json_response(_answer(request, rt.state))


async def _sync(request: web.Request, rt: MeetingRuntime) -> None:
    try:
        await sync_electorate(request.app, rt)
    except DomainError as e:
        raise refused(e) from None


async def _execute(request: web.Request, rt: MeetingRuntime, command: Command) -> web.Response:
    try:
        await request.app[keys.REGISTRY].execute(rt, Actor.system(), command)
    except DomainError as e:
        raise refused(e) from None
    assert rt.state is not None
    return web.json_response(_answer(request, rt.state))


async def revoke(request: web.Request) -> web.Response:
    """POST …/invitations/{person_id}/revoke — that person's link (and code) stop; a new one is issued."""
    account_id, rt = await meeting_scope(request)
    return await _execute(request, rt, RevokePersonalLink(request.match_info["person_id"], by=account_id))


async def rotate(request: web.Request) -> web.Response:
    """POST …/links/{role}/rotate — a new link for the role; whoever holds the old one is dropped."""
    account_id, rt = await meeting_scope(request)
    return await _execute(request, rt, RotateRoleLink(Role(request.match_info["role"]), by=account_id))


async def slips_pdf(request: web.Request) -> web.Response:
    """GET …/invitations.pdf — A4 slips, eight to a page, in roster order."""
    _, rt = await meeting_scope(request)
    await _sync(request, rt)
    state = rt.state
    assert state is not None
    slips = [
        Slip(p["name"], p["household"], state.title, when_text(state), state.place, p["url"], p["code"])
        for p in _people(request, state)
    ]
    font = request.app[keys.SETTINGS].minutes.font
    try:
        # Subsetting the CJK font takes a while: off the event loop.
        body = await asyncio.to_thread(render_slips, slips, f"{state.title} · 邀请单", font)
    except FontError as e:  # a server without a Chinese font: say what to install, never a 500
        raise Refused(503, "no_font", f"服务器缺少中文字体，无法生成邀请单（{e}）") from None
    return web.Response(
        body=body,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename=invitations-{state.meeting_id}.pdf",
            "Cache-Control": "no-store",  # it carries every personal link
        },
    )


def add_routes(app: web.Application) -> None:
    base = r"/api/communities/{community_id:[a-z0-9]{1,32}}/meetings/{meeting_id:[A-Za-z0-9_-]{1,64}}"
    roles = "|".join(r.value for r in CLIENT_ROLES)
    r = app.router
    r.add_get(base + "/invitations", invitations)
    r.add_get(base + "/invitations.pdf", slips_pdf)
    r.add_post(base + r"/invitations/{person_id:[A-Za-z0-9_-]{1,40}}/revoke", revoke)
    r.add_post(base + r"/links/{role:(" + roles + r")}/rotate", rotate)
