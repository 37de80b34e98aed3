"""A community's place names (地名) over HTTP: ``GET``/``PUT /api/communities/{id}/places``.

Read by any account that serves the community (``roster_api.community_scope``: 401/403/404 otherwise);
written by its own 社工 only (the rules' permission table refuses the street admin, with the reason). The
server's ``[meeting] places`` that apply to the community are shown beside the list, read-only: they come
from the server's configuration, not from the staff.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meeting_server.community.commands import SetPlaces
from meeting_server.community.places_rules import MAX_LEN, MAX_PLACES, MIN_LEN
from meeting_server.core.errors import DomainError
from meeting_server.hub.hotwords import community_places
from meeting_server.hub.http_edge import Refused, refused

from . import keys
from .auth import check_fields, read_json
from .roster_api import community_scope


def _view(request: web.Request, community_id: str, places: tuple[str, ...]) -> dict[str, Any]:
    configured = community_places(request.app[keys.SETTINGS].meeting.places, community_id)
    return {
        "ok": True,
        "places": list(places),
        "configured": configured,
        "limits": {"count": MAX_PLACES, "min_len": MIN_LEN, "max_len": MAX_LEN},
    }


async def get_places(request: web.Request) -> web.Response:
    """GET /api/communities/{id}/places — the staff's list and the server's, with the limits."""
    _, community = await community_scope(request)
    places = await request.app[keys.COMMUNITIES].places(community.community_id)
    return web.json_response(_view(request, community.community_id, places))


async def put_places(request: web.Request) -> web.Response:
    """PUT /api/communities/{id}/places {places: [名, …]} — the whole list; 400/403 with the reason."""
    actor, community = await community_scope(request)
    body = await read_json(request)
    check_fields(body, ("places",))
    names = body.get("places")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise Refused(400, "invalid", "places 应为地名（文字）的列表")
    if len(names) > MAX_PLACES:  # before anything is cleaned
        raise Refused(400, "invalid", f"地名最多 {MAX_PLACES} 个（现有 {len(names)} 个）")
    communities = request.app[keys.COMMUNITIES]
    try:
        await communities.execute_places(community.community_id, actor, SetPlaces(tuple(names)))
    except DomainError as e:
        raise refused(e) from None
    places = await communities.places(community.community_id)
    return web.json_response(_view(request, community.community_id, places))


def add_routes(app: web.Application) -> None:
    base = r"/api/communities/{community_id:[a-z0-9]{1,32}}"
    app.router.add_get(base + "/places", get_places)
    app.router.add_put(base + "/places", put_places)
