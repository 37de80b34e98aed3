"""The browser pages: one jinja2 page per way of taking part, plus the static JavaScript and CSS they load.

A page is rendered only for a valid join link of its role (``/m/<id>/<role>?t=<token>``); anything else gets a
Chinese error page with 403/404, never a stack trace. The page carries the token in a ``data-`` attribute and
its script connects socket.io with it (docs/protocol.md): no inline script or style, so a strict
Content-Security-Policy covers every page. Static assets are read once, gzipped in memory and served with a
content hash in their URL, so browsers cache them for a year and a new release is fetched at once.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

import web_client
from meeting_server.core.roles import Role

from . import keys
from .http_edge import Refused, open_meeting_link
from .tokens import LinkClaims

log = logging.getLogger(__name__)

STATIC_DIR = Path(web_client.__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(web_client.__file__).resolve().parent / "templates"
VENDOR_SOCKETIO = "vendor/socket.io.min.js"

# connect-src 'self' covers the socket.io WebSocket to the same host (CSP Level 3 matches ws:/wss: of the
# page's own origin); no other host may be reached from a page.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # Join links carry their token in the URL: never leak it to another site.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

# page (also its template and script) -> (the link role it needs, the page title)
PAGES: dict[str, tuple[Role, str]] = {
    "participant": (Role.PARTICIPANT, "居民参会"),
    "moderator": (Role.MODERATOR, "主持人控制台"),
    "timer": (Role.TIMER, "计时"),
    "recorder": (Role.RECORDER, "记录员"),
    "observer": (Role.OBSERVER, "观察员"),
    # The projector is a read-only view with a link of its own (not the public observer link, whose
    # connection cap and message buckets anyone may fill; not an official's, whose token would show on
    # a screen in the hall).
    "hall": (Role.HALL, "会场大屏"),
    # The laptop wired to the hall's mixer; it opens with the recorder's link (it sends the hall microphone).
    "station": (Role.RECORDER, "会场音频"),
}

# Links that also open a page of another role. The public observer link still shows the projector's
# layout (read-only, nothing an observer may not see), as it did before the hall display had a link of its
# own: such a screen is an observer connection, with the observer's shared cap and buckets; the hall's own
# link is the one that cannot be crowded out.
ALSO_OPENS = frozenset({("hall", Role.OBSERVER)})

TOKEN_ERRORS = {
    "bad_token": "链接不完整或已损坏，请重新扫码或向工作人员索取新链接。",
    "forged_token": "链接无效（签名不符），请向工作人员索取新链接。",
    "expired_token": "链接已过期，请向工作人员索取新链接。",
    "wrong_meeting": "链接属于另一场会议。",
    "no_token": "链接缺少凭证，请使用完整的参会链接。",
    "not_found": "找不到这场会议。",
    "link_revoked": "此链接已被收回（作废），请向社区工作人员索取新的邀请。",
    "not_on_roster": "此邀请对应的居民已不在本次会议的名册中，请联系社区工作人员。",
}


@dataclasses.dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str


class StaticAssets:
    """Every file under ``web_client/static``, read once; URLs carry a content hash (``?v=``)."""

    def __init__(self, root: Path) -> None:
        self.assets: dict[str, Asset] = {}
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            rel = path.relative_to(root).as_posix()
            body = path.read_bytes()
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/javascript", "image/svg+xml"):
                ctype += "; charset=utf-8"
            packed = gzip.compress(body, 9, mtime=0) if len(body) > 512 and "image/png" not in ctype else None
            etag = hashlib.sha256(body).hexdigest()[:16]
            self.assets[rel] = Asset(body, packed, ctype, etag)

    def url(self, rel: str) -> str:
        asset = self.assets.get(rel)
        return f"/static/{rel}?v={asset.etag}" if asset else f"/static/{rel}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        asset = self.assets.get(request.match_info["path"])
        if asset is None:
            raise web.HTTPNotFound(text="not found")
        headers = {"ETag": f'"{asset.etag}"', "Vary": "Accept-Encoding", "Content-Type": asset.content_type}
        # A hashed URL never changes content: cache it for good. A bare URL is revalidated.
        versioned = request.query.get("v") == asset.etag
        headers["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
        if request.headers.get("If-None-Match") == headers["ETag"]:
            return web.Response(status=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=body, headers=headers)


STATIC = web.AppKey("static_assets", StaticAssets)
TEMPLATES = web.AppKey("page_templates", jinja2.Environment)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every name, title and caption is text, never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    html = request.app[TEMPLATES].get_template(template).render(asset=request.app[STATIC].url, **context)
    return web.Response(
        text=html,
        status=status,
        content_type="text/html",
        charset="utf-8",
        # The page embeds a join token: never cache it anywhere.
        headers={"Cache-Control": "no-store"},
    )


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return render(request, "error.html", status=status, page="error", title="无法打开页面", message=message)


async def meeting_page(request: web.Request) -> web.Response:
    """GET /m/{meeting_id}/{page}?t=TOKEN — a page for the link's role, after checking the link."""
    page = request.match_info["page"]
    role, title = PAGES[page]
    try:
        claims, rt = await open_meeting_link(request, request.app[keys.SIGNER], request.app[keys.REGISTRY])
    except Refused as e:
        return error_page(request, e.status, TOKEN_ERRORS.get(e.code, "链接无效。"))
    if claims.role is not role and (page, claims.role) not in ALSO_OPENS:
        return error_page(request, 403, "这个链接不能打开此页面（身份不符），请使用发给您的链接。")
    assert rt.state is not None  # open_meeting_link refuses a meeting without state
    if not request.app[STATIC].assets.get(VENDOR_SOCKETIO):
        log.error("missing %s: run scripts/bootstrap (npm install)", STATIC_DIR / VENDOR_SOCKETIO)
        return error_page(request, 503, "服务器缺少页面组件（socket.io），请管理员运行 scripts/bootstrap。")
    return render(
        request,
        f"{page}.html",
        page=page,
        title=title,
        meeting_id=rt.meeting_id,
        meeting_title=rt.state.title,
        role=claims.role.value,
        token=request.query["t"],
        topics_url=_topics_url(rt.state.community_id, claims, request.query["t"]),
    )


def _topics_url(community_id: str | None, claims: LinkClaims, token: str) -> str:
    """A community meeting's way to its 议题征集: a personal link opens the resident's topics page (as the
    same person), the moderator's link the screening page; other links, and meetings of no community,
    have none."""
    if community_id is None:
        return ""
    query = urlencode({"t": token})
    if claims.personal:
        return f"/c/{community_id}/topics?{query}"
    if claims.role is Role.MODERATOR:
        return f"/c/{community_id}/topics/screen?{query}"
    return ""


async def admin_page(request: web.Request) -> web.Response:
    """GET /admin — create a meeting with the admin token typed in (never stored in the page)."""
    return render(request, "admin.html", page="admin", title="创建会议")


async def index_page(request: web.Request) -> web.Response:
    return render(request, "index.html", page="index", title="共治通")


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith("/socket.io/"):
        return
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


@web.middleware
async def tls_origin(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Let socket.io accept same-origin browsers when this server terminates TLS itself.

    engine.io's aiohttp driver takes the scheme from ``X-Forwarded-Proto`` or assumes ``http``, so the
    ``Origin: https://host`` of our own pages would be refused. Behind a proxy, the proxy sets the header.
    """
    if (
        request.secure
        and request.path.startswith("/socket.io/")
        and "X-Forwarded-Proto" not in request.headers
    ):
        headers = request.headers.copy()
        headers["X-Forwarded-Proto"] = "https"
        request = request.clone(headers=headers)
    return await handler(request)


def add_page_routes(app: web.Application) -> None:
    """Pages, static assets and the security headers every HTTP response carries."""
    app[STATIC] = StaticAssets(STATIC_DIR)
    app[TEMPLATES] = _environment()
    if VENDOR_SOCKETIO not in app[STATIC].assets:
        log.warning("web pages need %s: run scripts/bootstrap", STATIC_DIR / VENDOR_SOCKETIO)
    app.on_response_prepare.append(_security_headers)
    app.middlewares.append(tls_origin)
    pages = "|".join(PAGES)
    app.router.add_get(r"/m/{meeting_id:[A-Za-z0-9_-]{1,64}}/{page:(" + pages + r")}", meeting_page)
    app.router.add_get("/admin", admin_page)
    app.router.add_get("/", index_page)
    app.router.add_get("/static/{path:.+}", app[STATIC].handle)
