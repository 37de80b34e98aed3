"""HTTP endpoints: create a meeting (admin token), QR codes of join links, health."""

from __future__ import annotations

import hmac
import json
import os
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from meeting_server.core.errors import DomainError
from meeting_server.core.roles import CLIENT_ROLES
from meeting_server.core.state import MeetingState
from meeting_server.meetings import create_command, new_meeting_id
from meeting_server.transcript import render

from . import keys as app_mod
from .http_edge import Refused, json_error, open_meeting_link
from .invites import role_links
from .links import join_url, qr_png


def _is_admin(request: web.Request) -> bool:
    token = request.app[app_mod.ADMIN_TOKEN]
    got = request.headers.get("Authorization", "")
    if got.startswith("Bearer "):
        return hmac.compare_digest(got[7:].strip().encode(), token.encode())
    return False


def meeting_links(app: web.Application, state: MeetingState) -> dict[str, dict[str, str]]:
    """The per-role join links (with QR URLs) of a meeting: the same tokens each time, until a role link
    is rotated (``hub.invites``: they last until the meeting's publicity period ends)."""
    settings = app[app_mod.SETTINGS]
    base = app_mod.base_url(settings)
    links = role_links(app[app_mod.SIGNER], base, state, settings.server.link_ttl_hours)
    for role, link in links.items():
        link["qr"] = f"/api/meetings/{state.meeting_id}/qr/{role}.png?t={link['token']}"
    return links


async def new_meeting(app: web.Application, spec: Any, community_id: str | None = None) -> dict[str, Any]:
    """Create a meeting from ``spec``: its id and per-role join links with QR URLs. DomainError if refused.

    One code path for the admin token's endpoint and a community's staff (``community_id``).
    """
    registry = app[app_mod.REGISTRY]
    meeting_id = new_meeting_id()
    await registry.create(meeting_id, create_command(spec, meeting_id, community_id))
    rt = await registry.get(meeting_id)
    assert rt is not None and rt.state is not None  # just created
    return {"meeting_id": meeting_id, "links": meeting_links(app, rt.state)}


async def create_meeting(request: web.Request) -> web.Response:
    """POST /api/meetings — body: the meeting spec; answers with per-role join links and QR URLs."""
    if not _is_admin(request):
        return json_error(401, "unauthorized", "an admin token is required (Authorization: Bearer …)")
    try:
        spec: Any = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return json_error(400, "invalid", "the body must be JSON")
    try:
        created = await new_meeting(request.app, spec)
    except DomainError as e:
        return json_error(400, str(e.code), e.message)
    return web.json_response({"ok": True, **created}, status=201)


async def qr_code(request: web.Request) -> web.Response:
    """GET /api/meetings/{id}/qr/{role}.png?t=TOKEN — the link token itself authorises its QR code."""
    claims, _ = await open_meeting_link(request, request.app[app_mod.SIGNER], request.app[app_mod.REGISTRY])
    if claims.role.value != request.match_info["role"]:
        raise Refused(403, "wrong_role", "the token is for another role")
    url = join_url(
        app_mod.base_url(request.app[app_mod.SETTINGS]), claims.meeting_id, claims.role, request.query["t"]
    )
    return web.Response(body=qr_png(url), content_type="image/png")


async def transcript(request: web.Request) -> web.Response:
    """GET /api/meetings/{id}/transcript.{fmt}?t=TOKEN — srt, vtt, txt or json; any link of the meeting."""
    registry = request.app[app_mod.REGISTRY]
    claims, _ = await open_meeting_link(request, request.app[app_mod.SIGNER], registry)
    text, content_type = render(await registry.read_log(claims.meeting_id), request.match_info["fmt"])
    return web.Response(text=text, content_type=content_type, charset="utf-8")


async def health(request: web.Request) -> web.Response:
    # The process id tells a load balancer's operator (and the scale-out tests) which process answered.
    return web.json_response(
        {"ok": True, "meetings": len(request.app[app_mod.REGISTRY].loaded()), "pid": os.getpid()}
    )


@web.middleware
async def refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    """``Refused`` raised by any handler becomes its JSON error (pages render their own error page)."""
    try:
        return await handler(request)
    except Refused as e:
        return e.response()


def add_routes(app: web.Application) -> None:
    app.middlewares.append(refusals)
    roles = "|".join(r.value for r in CLIENT_ROLES)
    app.router.add_post("/api/meetings", create_meeting)
    app.router.add_get(r"/api/meetings/{meeting_id}/qr/{role:(" + roles + r")}.png", qr_code)
    app.router.add_get(r"/api/meetings/{meeting_id}/transcript.{fmt:(srt|vtt|txt|json)}", transcript)
    app.router.add_get("/healthz", health)
