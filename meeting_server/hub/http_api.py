"""HTTP endpoints: create a meeting (admin token), QR codes of join links, health."""

from __future__ import annotations

import hmac
import json
import os
import time
from typing import Any

from aiohttp import web

from meeting_server.core.base import DomainError, Role
from meeting_server.meetings import create_command, new_meeting_id
from meeting_server.transcript import render

from . import keys as app_mod
from .links import join_url, make_links, qr_png
from .tokens import TokenError


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": {"code": code, "message": message}}, status=status)


def _is_admin(request: web.Request) -> bool:
    token = request.app[app_mod.ADMIN_TOKEN]
    got = request.headers.get("Authorization", "")
    if got.startswith("Bearer "):
        return hmac.compare_digest(got[7:].strip().encode(), token.encode())
    return False


async def create_meeting(request: web.Request) -> web.Response:
    """POST /api/meetings — body: the meeting spec; answers with per-role join links and QR URLs."""
    if not _is_admin(request):
        return _error(401, "unauthorized", "an admin token is required (Authorization: Bearer …)")
    try:
        spec: Any = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, "invalid", "the body must be JSON")
    settings = request.app[app_mod.SETTINGS]
    registry = request.app[app_mod.REGISTRY]
    meeting_id = new_meeting_id()
    try:
        await registry.create(meeting_id, create_command(spec, meeting_id))
    except DomainError as e:
        return _error(400, str(e.code), e.message)
    expires = time.time() + settings.server.link_ttl_hours * 3600
    links = make_links(request.app[app_mod.SIGNER], app_mod.base_url(settings), meeting_id, expires)
    for role, link in links.items():
        link["qr"] = f"/api/meetings/{meeting_id}/qr/{role}.png?t={link['token']}"
    return web.json_response({"ok": True, "meeting_id": meeting_id, "links": links}, status=201)


async def qr_code(request: web.Request) -> web.Response:
    """GET /api/meetings/{id}/qr/{role}.png?t=TOKEN — the link token itself authorises its QR code."""
    meeting_id = request.match_info["meeting_id"]
    try:
        claims = request.app[app_mod.SIGNER].open_link(request.query.get("t"), time.time(), meeting_id)
    except TokenError as e:
        return _error(403, e.code, e.message)
    if claims.role.value != request.match_info["role"]:
        return _error(403, "wrong_role", "the token is for another role")
    url = join_url(
        app_mod.base_url(request.app[app_mod.SETTINGS]), meeting_id, claims.role, request.query["t"]
    )
    return web.Response(body=qr_png(url), content_type="image/png")


async def transcript(request: web.Request) -> web.Response:
    """GET /api/meetings/{id}/transcript.{fmt}?t=TOKEN — srt, vtt, txt or json; any link of the meeting."""
    meeting_id = request.match_info["meeting_id"]
    try:
        request.app[app_mod.SIGNER].open_link(request.query.get("t"), time.time(), meeting_id)
    except TokenError as e:
        return _error(403, e.code, e.message)
    registry = request.app[app_mod.REGISTRY]
    if await registry.get(meeting_id) is None:
        return _error(404, "not_found", "no such meeting")
    text, content_type = render(await registry.read_log(meeting_id), request.match_info["fmt"])
    return web.Response(text=text, content_type=content_type, charset="utf-8")


async def health(request: web.Request) -> web.Response:
    # The process id tells a load balancer's operator (and the scale-out tests) which process answered.
    return web.json_response(
        {"ok": True, "meetings": len(request.app[app_mod.REGISTRY].loaded()), "pid": os.getpid()}
    )


def add_routes(app: web.Application) -> None:
    roles = "|".join(r.value for r in Role if r is not Role.SYSTEM)
    app.router.add_post("/api/meetings", create_meeting)
    app.router.add_get(r"/api/meetings/{meeting_id}/qr/{role:(" + roles + r")}.png", qr_code)
    app.router.add_get(r"/api/meetings/{meeting_id}/transcript.{fmt:(srt|vtt|txt|json)}", transcript)
    app.router.add_get("/healthz", health)
