"""Staff identity at the HTTP edge, resolved once per request: passwords, sessions, CSRF.

* Passwords: ``passwords.Passwords`` (argon2id, off the event loop).
* A session is a signed token (``TokenSigner.staff_session``: account id, the account's epoch, expiry), in
  an HTTP-only ``SameSite=Strict`` cookie for the pages, or as ``Authorization: Bearer`` for scripts. Every
  request looks the account up in the directory: a disabled account, or one whose password was set since
  (the epoch moved), is refused at once, whatever the token's expiry.
* CSRF: the cookie is never sent cross-site (SameSite=Strict), and every write carries the custom header
  ``X-Gongzhi-CSRF: 1`` (a cross-site form cannot send one, and we answer no CORS preflight); JSON bodies
  must say ``Content-Type: application/json``.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from meeting_server.community.roles import StaffActor, StaffRole
from meeting_server.community.state import Account, StreetState
from meeting_server.hub.http_edge import Refused
from meeting_server.hub.tokens import TokenError, TokenSigner

from . import keys

COOKIE = "gongzhi_staff"
CSRF_HEADER = "X-Gongzhi-CSRF"
PROTECTED_PREFIXES = ("/api/street/", "/api/communities/")


# ------------------------------------------------------------------ sessions


def _secure(request: web.Request) -> bool:
    public = request.app[keys.SETTINGS].server.public_url
    return request.secure or public.startswith("https://")


def new_session(request: web.Request, account: Account) -> str:
    """A signed session token for ``account``, valid for ``server.staff_session_hours``."""
    ttl = request.app[keys.SETTINGS].server.staff_session_hours * 3600
    now = request.app[keys.COMMUNITIES].clock()
    return request.app[keys.SIGNER].staff_session(account.account_id, account.epoch, now + ttl)


def set_session_cookie(request: web.Request, response: web.Response, token: str) -> None:
    ttl = request.app[keys.SETTINGS].server.staff_session_hours * 3600
    response.set_cookie(
        COOKIE, token, max_age=ttl, path="/", httponly=True, samesite="Strict", secure=_secure(request)
    )


def start_session(request: web.Request, response: web.Response, account: Account) -> None:
    """Sign a session for ``account`` and set its cookie on ``response``."""
    set_session_cookie(request, response, new_session(request, account))


def end_session(response: web.Response) -> None:
    response.del_cookie(COOKIE, path="/")


def _token(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth[7:].strip()
    return request.cookies.get(COOKIE)


async def signed_in(request: web.Request) -> tuple[StaffActor, Account, StreetState]:
    """The request's account, checked against the directory as it stands now.

    Raises ``Refused(401)``: no session, a forged or expired one, a disabled account, or a session from
    before the account's password was last set.
    """
    token = _token(request)
    if not token:
        raise Refused(401, "unauthorized", "请先登录")
    communities = request.app[keys.COMMUNITIES]
    signer: TokenSigner = request.app[keys.SIGNER]
    try:
        claims = signer.open_staff_session(token, communities.clock())
    except TokenError as e:
        raise Refused(401, e.code, "登录已失效，请重新登录") from None
    street = await communities.street()
    account = street.accounts.get(claims.account_id)
    if account is None:
        raise Refused(401, "unauthorized", "请先登录")
    if not account.enabled:
        raise Refused(401, "account_disabled", "账号已停用，请联系街道管理员")
    if account.epoch != claims.epoch:
        raise Refused(401, "session_ended", "密码已更改或账号状态已变，请重新登录")
    return StaffActor(account.account_id, account.role, account.community_id), account, street


async def street_admin(request: web.Request) -> tuple[StaffActor, StreetState]:
    actor, _, street = await signed_in(request)
    if actor.role is not StaffRole.STREET_ADMIN:
        raise Refused(403, "forbidden", "只有街道管理员可以进行此操作")
    return actor, street


def is_admin_token(request: web.Request) -> bool:
    """Whether the request carries the server's admin token (only to create the first admin)."""
    got = request.headers.get("Authorization", "")
    token = request.app[keys.ADMIN_TOKEN]
    return got.startswith("Bearer ") and hmac.compare_digest(got[7:].strip().encode(), token.encode())


# ------------------------------------------------------------------ requests


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; refuses another content type (a cross-site form) or a bad body."""
    if request.content_type != "application/json":
        raise Refused(415, "unsupported_media_type", "请求须为 JSON（Content-Type: application/json）")
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Refused(400, "invalid", "请求内容不是有效的 JSON") from None
    if not isinstance(body, dict):
        raise Refused(400, "invalid", "请求内容应为 JSON 对象")
    return body


def check_fields(body: dict[str, Any], allowed: Iterable[str]) -> None:
    """Refuse a body with a field outside ``allowed``."""
    unknown = set(body) - set(allowed)
    if unknown:
        raise Refused(400, "invalid", f"未知字段：{', '.join(sorted(map(str, unknown)))[:200]}")


def text_field(body: dict[str, Any], key: str, what: str, required: bool = False) -> str:
    """``body[key]`` as text ("" if absent); ``what`` names it in the refusal."""
    value = body.get(key, "")
    if not isinstance(value, str):
        raise Refused(400, "invalid", f"{what}应为文字")
    if required and not value.strip():
        raise Refused(400, "invalid", f"请填写{what}")
    return value


@web.middleware
async def csrf_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every write to the staff APIs carries the custom header (a cross-site page cannot add one)."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.path.startswith(PROTECTED_PREFIXES):
        if request.headers.get(CSRF_HEADER) != "1":
            raise Refused(403, "csrf", f"缺少请求头 {CSRF_HEADER}: 1")
    return await handler(request)
