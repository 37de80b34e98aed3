"""A community's meetings: its staff create them (the meeting records the community's id) and see them.

The same creation path as the admin token's ``POST /api/meetings`` (``hub.http_api.new_meeting``); the
list gives each meeting's join links as they were issued at its creation.
"""

from __future__ import annotations

from aiohttp import web

from meeting_server.community.carryover_rules import AGENDA_PREFIX, ScheduleCarryOvers
from meeting_server.core.errors import DomainError
from meeting_server.hub.http_api import meeting_links, new_meeting
from meeting_server.hub.http_edge import refused

from . import keys
from .auth import read_json
from .electorate_sync import sync_electorate
from .roster_api import community_scope


async def create(request: web.Request) -> web.Response:
    """POST /api/communities/{id}/meetings — the meeting spec, as for /api/meetings."""
    _, community = await community_scope(request)
    spec = await read_json(request)
    communities = request.app[keys.COMMUNITIES]
    # Resolutions sent back by 公示 (重新协商) open the next meeting's agenda (community.carryover_rules).
    pending = (await communities.carried(community.community_id)).pending()
    if pending and isinstance(spec, dict) and isinstance(spec.get("agenda"), list):
        carried = [{"title": (AGENDA_PREFIX + c.title)[:200], "planned_minutes": 20} for c in pending]
        spec = {**spec, "agenda": carried + spec["agenda"]}
    try:
        created = await new_meeting(request.app, spec, community.community_id)
    except DomainError as e:
        raise refused(e) from None
    if pending:
        refs = tuple(c.ref for c in pending)
        await communities.execute_carryover(
            community.community_id, ScheduleCarryOvers(created["meeting_id"], refs)
        )
    rt = await request.app[keys.REGISTRY].get(created["meeting_id"])
    assert rt is not None
    await sync_electorate(request.app, rt)  # the roster it is called for (core.electorate)
    return web.json_response({"ok": True, **created}, status=201)


async def listing(request: web.Request) -> web.Response:
    """GET /api/communities/{id}/meetings — the community's meetings, newest first, with their links."""
    _, community = await community_scope(request)
    registry = request.app[keys.REGISTRY]
    out = []
    for meeting_id in await request.app[keys.EVENT_LOG].meeting_ids():  # other processes' too (scale-out)
        rt = await registry.get(meeting_id)
        state = rt.state if rt is not None else None
        if state is None or state.community_id != community.community_id:
            continue
        out.append(
            {
                "meeting_id": meeting_id,
                "title": state.title,
                "place": state.place,
                "scheduled_at": state.scheduled_at,
                "status": state.status.value,
                "links": meeting_links(request.app, state),
            }
        )
    out.reverse()
    return web.json_response({"ok": True, "meetings": out})


def add_routes(app: web.Application) -> None:
    app.router.add_post(r"/api/communities/{community_id:[a-z0-9]{1,32}}/meetings", create)
    app.router.add_get(r"/api/communities/{community_id:[a-z0-9]{1,32}}/meetings", listing)
