"""The pages a link opens on a community's 议题征集: the resident's (``/c/{c}/topics?t=``, a personal
link or the community's topics link) and the moderator's screening page (``/c/{c}/topics/screen?t=``,
the moderator's link of one of the community's meetings). A refused link gets the error page, in
Chinese, with the status the API would answer.
"""

from __future__ import annotations

from aiohttp import web

from meeting_server.hub.http_edge import Refused
from meeting_server.hub.pages import error_page

from . import keys
from .staff_pages import render_page
from .topics_identity import moderator_screener, resident

COMMUNITY = r"{community_id:[a-z0-9]{1,32}}"


async def resident_page(request: web.Request) -> web.Response:
    """GET /c/{community_id}/topics?t=LINK — submit, support and follow topics."""
    try:
        who = await resident(request)
    except Refused as e:
        return error_page(request, e.status, e.message)
    c = who.community
    return render_page(
        request,
        "topics.html",
        "topics",
        f"{c.title} · 议题征集",
        community_id=c.community_id,
        community_title=c.title,
        typed=who.typed,
        person_name=who.person.name if who.person is not None else "",
        token=request.query.get("t", ""),
    )


async def moderator_page(request: web.Request) -> web.Response:
    """GET /c/{community_id}/topics/screen?t=MODERATOR_LINK — the moderator screens topics."""
    try:
        actor = await moderator_screener(request)
    except Refused as e:
        return error_page(request, e.status, e.message)
    street = await request.app[keys.COMMUNITIES].street()
    community = street.communities[actor.community_id]
    return render_page(
        request,
        "staff_topics.html",
        "staff-topics",
        f"{community.title} · 议题筛选",
        me="会议主持人",
        community_id=community.community_id,
        community_title=community.title,
        api=f"/api/topics/{community.community_id}/screening",
        staff=False,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"/c/{COMMUNITY}/topics", resident_page)
    app.router.add_get(f"/c/{COMMUNITY}/topics/screen", moderator_page)
