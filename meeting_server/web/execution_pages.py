"""The 执行监督 pages: the 社工's (``/staff/c/{c}/execution``), a supervision group member's
(``/x/{c}/{r}?t=``, phone first) and the public progress page (``/p/execution/{c}/{r}``, no sign-in).
Each is a template plus one script on the JSON API (``execution_api``); a refused link gets the error
page, in Chinese, with the status the API would answer.
"""

from __future__ import annotations

from aiohttp import web

from meeting_server.hub.http_edge import Refused
from meeting_server.hub.pages import error_page

from . import keys
from .execution_api import COMMUNITY, RECORD, member
from .staff_pages import community_page, render_page


async def staff_page(request: web.Request) -> web.Response:
    """GET /staff/c/{c}/execution — the community's execution records: create and manage them."""
    found = await community_page(request, "您的账号只能管理本社区的执行监督。")
    if isinstance(found, web.Response):
        return found
    _, account, community = found
    return render_page(
        request,
        "execution_staff.html",
        "execution-staff",
        f"{community.title} · 执行监督",
        me=account.display_name,
        community_id=community.community_id,
        community_title=community.title,
    )


async def member_page(request: web.Request) -> web.Response:
    """GET /x/{c}/{r}?t=LINK — a member files a report with photos, stops or restarts the work."""
    try:
        actor, record = await member(request)
    except Refused as e:
        return error_page(request, e.status, e.message)
    return render_page(
        request,
        "execution_member.html",
        "execution-member",
        f"{record.resolution_title} · 执行监督",
        community_id=actor.community_id,
        record_id=record.record_id,
        member_name=actor.name,
        resolution_title=record.resolution_title,
    )


async def public_page(request: web.Request) -> web.Response:
    """GET /p/execution/{c}/{r} — the public progress page of one resolution's execution."""
    community_id = request.match_info["community_id"]
    street = await request.app[keys.COMMUNITIES].street()
    community = street.communities.get(community_id)
    state = await request.app[keys.COMMUNITIES].execution(community_id) if community else None
    record = state.records.get(request.match_info["record_id"]) if state else None
    if community is None or record is None:
        return error_page(request, 404, "没有这个执行事项。")
    return render_page(
        request,
        "execution_public.html",
        "execution-public",
        f"{record.resolution_title} · 执行进度",
        community_id=community_id,
        community_title=community.title,
        record_id=record.record_id,
        resolution_title=record.resolution_title,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"/staff/c/{COMMUNITY}/execution", staff_page)
    app.router.add_get(f"/x/{COMMUNITY}/{RECORD}", member_page)
    app.router.add_get(f"/p/execution/{COMMUNITY}/{RECORD}", public_page)
