"""The staff's pages: sign-in (and the first admin's setup), the street's communities and staff, a
community's roster, its place names. Each is a template plus one script that talks to the JSON API; the
pages carry no token (the session is an HTTP-only cookie) and no inline script, so the hub's CSP covers
them.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meeting_server.community.roles import StaffActor, StaffRole
from meeting_server.community.state import Account, Community
from meeting_server.hub.http_edge import Refused
from meeting_server.hub.pages import STATIC, TEMPLATES, error_page

from .auth import signed_in


def render_page(request: web.Request, template: str, page: str, title: str, **context: Any) -> web.Response:
    html = (
        request.app[TEMPLATES]
        .get_template(template)
        .render(asset=request.app[STATIC].url, page=page, title=title, **context)
    )
    return web.Response(
        text=html, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"}
    )


def _to_login() -> web.HTTPFound:
    return web.HTTPFound("/staff/login")


async def login_page(request: web.Request) -> web.Response:
    """GET /staff/login — sign in; offers the first admin's setup while there is none."""
    return render_page(request, "staff_login.html", "staff-login", "工作人员登录")


async def home_page(request: web.Request) -> web.Response:
    """GET /staff — the street admin's communities and staff; a 社工 goes to their community's roster."""
    try:
        actor, account, _ = await signed_in(request)
    except Refused:
        raise _to_login() from None
    if actor.role is not StaffRole.STREET_ADMIN:
        raise web.HTTPFound(f"/staff/c/{actor.community_id}")
    return render_page(
        request, "staff_street.html", "staff-street", "社区与工作人员", me=account.display_name
    )


async def community_page(
    request: web.Request, forbidden: str
) -> tuple[StaffActor, Account, Community] | web.Response:
    """The signed-in account, and the community of the path it serves; or the page that refuses it."""
    try:
        actor, account, street = await signed_in(request)
    except Refused:
        raise _to_login() from None
    community_id = request.match_info["community_id"]
    if not actor.serves(community_id):
        return error_page(request, 403, forbidden)
    community = street.communities.get(community_id)
    if community is None:
        return error_page(request, 404, "没有这个社区。")
    return actor, account, community


async def roster_page(request: web.Request) -> web.Response:
    """GET /staff/c/{community_id} — the roster of one community the account serves."""
    found = await community_page(request, "您的账号只能管理本社区的名册。")
    if isinstance(found, web.Response):
        return found
    actor, account, community = found
    return render_page(
        request,
        "staff_roster.html",
        "staff-roster",
        f"{community.title} · 名册",
        me=account.display_name,
        community_id=community.community_id,
        community_title=community.title,
        is_admin=actor.role is StaffRole.STREET_ADMIN,
    )


async def invitations_page(request: web.Request) -> web.Response:
    """GET /staff/c/{community_id}/m/{meeting_id} — a meeting's invitations (personal links, slips)."""
    found = await community_page(request, "您的账号只能管理本社区的会议。")
    if isinstance(found, web.Response):
        return found
    _, account, community = found
    return render_page(
        request,
        "staff_invitations.html",
        "staff-invitations",
        f"{community.title} · 会议邀请",
        me=account.display_name,
        community_id=community.community_id,
        community_title=community.title,
        meeting_id=request.match_info["meeting_id"],
    )


async def topics_page(request: web.Request) -> web.Response:
    """GET /staff/c/{community_id}/topics — screening the community's topics (议题筛选)."""
    found = await community_page(request, "您的账号只能筛选本社区的议题。")
    if isinstance(found, web.Response):
        return found
    _, account, community = found
    return render_page(
        request,
        "staff_topics.html",
        "staff-topics",
        f"{community.title} · 议题筛选",
        me=account.display_name,
        community_id=community.community_id,
        community_title=community.title,
        api=f"/api/communities/{community.community_id}/topics",
        staff=True,
    )


async def places_page(request: web.Request) -> web.Response:
    """GET /staff/c/{community_id}/places — the community's place names (地名, caption hot words)."""
    found = await community_page(request, "您的账号只能维护本社区的地名。")
    if isinstance(found, web.Response):
        return found
    _, account, community = found
    return render_page(
        request,
        "staff_places.html",
        "staff-places",
        f"{community.title} · 地名",
        me=account.display_name,
        community_id=community.community_id,
        community_title=community.title,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff", home_page)
    app.router.add_get("/staff/login", login_page)
    app.router.add_get(r"/staff/c/{community_id:[a-z0-9]{1,32}}", roster_page)
    app.router.add_get(r"/staff/c/{community_id:[a-z0-9]{1,32}}/topics", topics_page)
    app.router.add_get(r"/staff/c/{community_id:[a-z0-9]{1,32}}/places", places_page)
    app.router.add_get(
        r"/staff/c/{community_id:[a-z0-9]{1,32}}/m/{meeting_id:[A-Za-z0-9_-]{1,64}}", invitations_page
    )
