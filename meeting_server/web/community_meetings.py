"""A community's meetings: its staff create them (the meeting records the community's id) and see them.

The same creation path as the admin token's ``POST /api/meetings`` (``hub.http_api.new_meeting``); the
list gives each meeting's join links as they were issued at its creation.
"""

from __future__ import annotations

from aiohttp import web

from meeting_server.community.carryover_rules import AGENDA_PREFIX, CarryOver, ScheduleCarryOvers
from meeting_server.core.errors import DomainError
from meeting_server.hub.http_api import meeting_links, new_meeting
from meeting_server.hub.http_edge import refused

from . import keys
from .agenda_topics import check_agenda_topics
from .auth import read_json
from .carryover import reconcile
from .electorate_sync import sync_electorate
from .roster_api import community_scope


async def create(request: web.Request) -> web.Response:
    """POST /api/communities/{id}/meetings — the meeting spec, as for /api/meetings."""
    _, community = await community_scope(request)
    spec = await read_json(request)
    await check_agenda_topics(request.app, community.community_id, spec)
    communities = request.app[keys.COMMUNITIES]
    meeting_ids = await request.app[keys.EVENT_LOG].meeting_ids()
    await reconcile(request.app[keys.REGISTRY], communities, meeting_ids, community.community_id)
    # Resolutions sent back by 公示 (重新协商) open the next meeting's agenda (community.carryover_rules).
    pending = (await communities.carried(community.community_id)).pending()
    # An item carrying a topic keeps it (one topic across several meetings); the form's own item for that
    # topic (pre-selected: TopicCarriedOver, or agenda_topics) gives way to it, so the topic is listed once.
    if pending and isinstance(spec, dict) and isinstance(spec.get("agenda"), list):
        carried = [carried_item(c) for c in pending]
        topics = {c.topic_id for c in pending if c.topic_id}
        rest = [a for a in spec["agenda"] if not (isinstance(a, dict) and a.get("topic_id") in topics)]
        spec = {**spec, "agenda": carried + rest}
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


def carried_item(c: CarryOver) -> dict[str, object]:
    item: dict[str, object] = {"title": (AGENDA_PREFIX + c.title)[:200], "planned_minutes": 20}
    if c.topic_id:
        item["topic_id"] = c.topic_id
    return item


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
