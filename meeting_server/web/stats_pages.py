"""The 数据分析 dashboards and their data: the street admin sees the street (``/staff/stats``), a 社工 their
own community (``/staff/c/{id}/stats``); both download the same KPIs as JSON, CSV or XLSX
(``/api/stats``, ``/api/communities/{id}/stats``). A 社工 asking for the street, or for another
community, is refused in words (a page, or the API's error shape), never shown a number.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meeting_server.community.roles import StaffRole
from meeting_server.hub.http_edge import Refused
from meeting_server.hub.pages import error_page
from meeting_server.stats_export import to_csv, to_xlsx

from . import keys
from .auth import signed_in
from .staff_pages import render_page
from .stats_svg import bar_chart, column_chart, split_bar

FORMATS = ("json", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ONLY_OWN = "您的账号只能查看本社区的统计。"
ONLY_ADMIN = "只有街道管理员可以查看全街道的统计。"


def _charts(stats: dict[str, Any]) -> list[Any]:
    p, months = stats["participation"], stats["by_month"]
    charts = [
        column_chart("每月参会人次", [(m["month"], m["attendances_count"]) for m in months], "人次"),
        split_bar(
            "线上与现场（人次）",
            [("线上", p["online_attendances_count"]), ("现场", p["in_room_attendances_count"])],
        ),
        column_chart("每月提交议题", [(m["month"], m["topics_submitted_count"]) for m in months], "件"),
    ]
    rows = stats.get("communities")
    if rows:
        charts += [
            bar_chart("各社区参会人次", [(r["title"], r["attendances_count"]) for r in rows], "人次"),
            bar_chart(
                "各社区18–40岁占比", [(r["title"], r["youth_share_pct"]) for r in rows], "%", max_value=100
            ),
            bar_chart(
                "各社区议题采纳率", [(r["title"], r["adoption_rate_pct"]) for r in rows], "%", max_value=100
            ),
            bar_chart("各社区决议数", [(r["title"], r["resolutions_count"]) for r in rows], "项"),
            bar_chart(
                "各社区解决率", [(r["title"], r["resolution_rate_pct"]) for r in rows], "%", max_value=100
            ),
        ]
    return charts


async def _page(request: web.Request, community_id: str | None) -> web.Response:
    try:
        actor, account, street = await signed_in(request)
    except Refused:
        raise web.HTTPFound("/staff/login") from None
    if community_id is None and actor.role is not StaffRole.STREET_ADMIN:
        raise web.HTTPFound(f"/staff/c/{actor.community_id}/stats")
    if community_id is not None:
        if not actor.serves(community_id):
            return error_page(request, 403, ONLY_OWN)
        if community_id not in street.communities:
            return error_page(request, 404, "没有这个社区。")
    stats = await request.app[keys.STATS].stats(community_id)
    title = street.communities[community_id].title if community_id else "全街道"
    api = f"/api/communities/{community_id}/stats" if community_id else "/api/stats"
    return render_page(
        request,
        "staff_stats.html",
        "staff-stats",
        f"{title} · 数据分析",
        me=account.display_name,
        scope_title=title,
        community_id=community_id,
        is_admin=actor.role is StaffRole.STREET_ADMIN,
        s=stats,
        charts=_charts(stats),
        api=api,
    )


async def street_page(request: web.Request) -> web.Response:
    """GET /staff/stats — the street's dashboard (a 社工 goes to their community's)."""
    return await _page(request, None)


async def community_page(request: web.Request) -> web.Response:
    """GET /staff/c/{community_id}/stats — one community's dashboard."""
    return await _page(request, request.match_info["community_id"])


async def _export(request: web.Request, community_id: str | None) -> web.Response:
    try:
        actor, _, street = await signed_in(request)
        if community_id is None and actor.role is not StaffRole.STREET_ADMIN:
            raise Refused(403, "forbidden", ONLY_ADMIN)
        if community_id is not None:
            if not actor.serves(community_id):
                raise Refused(403, "forbidden", ONLY_OWN)
            if community_id not in street.communities:
                raise Refused(404, "not_found", "没有这个社区")
        fmt = request.query.get("format", "json")
        if fmt not in FORMATS:
            raise Refused(400, "invalid", "format 只能是 json、csv 或 xlsx")
    except Refused as e:
        return e.response()
    stats = await request.app[keys.STATS].stats(community_id)
    name = f"gongzhi-stats-{community_id or 'street'}"
    if fmt == "json":
        return web.json_response({"ok": True, "stats": stats}, headers={"Cache-Control": "no-store"})
    if fmt == "csv":
        body, ctype = ("\ufeff" + to_csv(stats)).encode(), "text/csv"  # the BOM: Excel reads it as UTF-8
    else:
        body, ctype = to_xlsx(stats), XLSX
    return web.Response(
        body=body,
        content_type=ctype,
        charset="utf-8" if fmt == "csv" else None,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"', "Cache-Control": "no-store"},
    )


async def street_api(request: web.Request) -> web.Response:
    """GET /api/stats?format=json|csv|xlsx — the street's KPIs (street admin only)."""
    return await _export(request, None)


async def community_api(request: web.Request) -> web.Response:
    """GET /api/communities/{community_id}/stats?format=… — one community's KPIs (its staff, or the admin)."""
    return await _export(request, request.match_info["community_id"])


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff/stats", street_page)
    app.router.add_get(r"/staff/c/{community_id:[a-z0-9]{1,32}}/stats", community_page)
    app.router.add_get("/api/stats", street_api)
    app.router.add_get(r"/api/communities/{community_id:[a-z0-9]{1,32}}/stats", community_api)
