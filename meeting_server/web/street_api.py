"""The street directory over HTTP: the first admin, sign-in, communities and staff accounts.

``/api/street/…``; answers ``{"ok": true, …}`` or the edge's one error shape. Writes need the CSRF header
(``auth.csrf_guard``); every endpoint but the status and sign-in resolves the account first.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from meeting_server.community.commands import (
    CreateAccount,
    CreateCommunity,
    DisableAccount,
    EnableAccount,
    SetPassword,
)
from meeting_server.community.roles import StaffActor, StaffRole
from meeting_server.community.state import Account, StreetState
from meeting_server.community.street_rules import normal_username
from meeting_server.core.errors import DomainError
from meeting_server.core.registry import Command
from meeting_server.hub import keys as hub_keys
from meeting_server.hub.admission import client_address
from meeting_server.hub.http_edge import Refused, refused

from . import keys
from .auth import (
    end_session,
    is_admin_token,
    new_session,
    read_json,
    set_session_cookie,
    signed_in,
    start_session,
    street_admin,
)
from .passwords import check_new_password


def new_id() -> str:
    """Ids of communities and accounts: short, unguessable, lower-case hex (``check_id`` accepts them)."""
    return secrets.token_hex(5)


def account_view(account: Account, street: StreetState) -> dict[str, Any]:
    """An account as pages see it (never its password hash)."""
    community = street.communities.get(account.community_id or "")
    return {
        "account_id": account.account_id,
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role.value,
        "community_id": account.community_id,
        "community_title": community.title if community else None,
        "enabled": account.enabled,
    }


async def _execute(request: web.Request, actor: StaffActor, command: Command) -> StreetState:
    communities = request.app[keys.COMMUNITIES]
    try:
        await communities.execute_street(actor, command)
    except DomainError as e:
        raise refused(e) from None
    return await communities.street()


def _str(body: dict[str, Any], key: str, *, optional: bool = False) -> Any:
    value = body.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise Refused(400, "invalid", f"缺少 {key}")
    return value


async def status(request: web.Request) -> web.Response:
    """GET /api/street/status — whether the first admin exists yet (the sign-in page offers setup if not)."""
    street = await request.app[keys.COMMUNITIES].street()
    return web.json_response({"ok": True, "has_admin": street.has_admin})


async def bootstrap(request: web.Request) -> web.Response:
    """POST /api/street/bootstrap — the admin token creates the first street admin, once; signs it in."""
    if not is_admin_token(request):
        raise Refused(401, "unauthorized", "管理员口令不正确")
    body = await read_json(request)
    password = check_new_password(body.get("password"))
    command = CreateAccount(
        account_id=new_id(),
        username=_str(body, "username"),
        display_name=_str(body, "display_name"),
        role=StaffRole.STREET_ADMIN,
        community_id=None,
        password_hash=await request.app[keys.PASSWORDS].hash(password),
    )
    street = await _execute(request, StaffActor.system(), command)
    account = street.accounts[command.account_id]
    response = web.json_response({"ok": True, "account": account_view(account, street)}, status=201)
    start_session(request, response, account)
    return response


async def sign_in(request: web.Request) -> web.Response:
    """POST /api/street/session {username, password} — sets the session cookie; the token is in the body
    too, for scripts (``Authorization: Bearer``)."""
    body = await read_json(request)
    username = normal_username(_str(body, "username"))[:64]
    password = _str(body, "password")[:256]
    communities = request.app[keys.COMMUNITIES]
    throttle = request.app[keys.THROTTLE]
    trusted = request.app[hub_keys.SETTINGS].limits.trusted_proxies
    address = client_address(request.remote, request.headers.get("X-Forwarded-For"), frozenset(trusted))
    throttle.check(username, address)
    street = await communities.street()
    account = street.account_named(username)
    ok = await request.app[keys.PASSWORDS].verify(account.password_hash if account else None, password)
    if not ok or account is None:
        throttle.failed(username, address)
        raise Refused(401, "bad_credentials", "登录名或密码不正确")
    if not account.enabled:
        raise Refused(401, "account_disabled", "账号已停用，请联系街道管理员")
    token = new_session(request, account)
    response = web.json_response({"ok": True, "account": account_view(account, street), "token": token})
    set_session_cookie(request, response, token)
    return response


async def sign_out(request: web.Request) -> web.Response:
    """DELETE /api/street/session — forgets the cookie (a disabled account ends every session anyway)."""
    response = web.json_response({"ok": True})
    end_session(response)
    return response


async def me(request: web.Request) -> web.Response:
    """GET /api/street/me — who is signed in."""
    _, account, street = await signed_in(request)
    return web.json_response({"ok": True, "account": account_view(account, street)})


async def change_own_password(request: web.Request) -> web.Response:
    """POST /api/street/me/password {old_password, password} — other sessions of the account end."""
    actor, account, _ = await signed_in(request)
    body = await read_json(request)
    passwords = request.app[keys.PASSWORDS]
    if not await passwords.verify(account.password_hash, _str(body, "old_password")[:256]):
        raise Refused(403, "bad_credentials", "原密码不正确")
    new_hash = await passwords.hash(check_new_password(body.get("password")))
    street = await _execute(request, actor, SetPassword(account.account_id, new_hash))
    response = web.json_response({"ok": True})
    start_session(request, response, street.accounts[account.account_id])  # this one goes on
    return response


async def list_communities(request: web.Request) -> web.Response:
    """GET /api/street/communities — all of them for the street admin; a 社工 sees their own."""
    actor, _, street = await signed_in(request)
    communities = request.app[keys.COMMUNITIES]
    out = []
    for c in street.communities.values():
        if actor.serves(c.community_id):
            staff = [a for a in street.accounts.values() if a.community_id == c.community_id and a.enabled]
            persons = len((await communities.roster(c.community_id)).persons)
            out.append(
                {"community_id": c.community_id, "title": c.title, "staff": len(staff), "persons": persons}
            )
    return web.json_response({"ok": True, "communities": out})


async def create_community(request: web.Request) -> web.Response:
    """POST /api/street/communities {title} — street admin only."""
    actor, _ = await street_admin(request)
    body = await read_json(request)
    command = CreateCommunity(new_id(), _str(body, "title"))
    street = await _execute(request, actor, command)
    c = street.communities[command.community_id]
    return web.json_response(
        {"ok": True, "community": {"community_id": c.community_id, "title": c.title}}, status=201
    )


async def list_accounts(request: web.Request) -> web.Response:
    """GET /api/street/accounts — street admin only."""
    _, street = await street_admin(request)
    return web.json_response(
        {"ok": True, "accounts": [account_view(a, street) for a in street.accounts.values()]}
    )


async def create_account(request: web.Request) -> web.Response:
    """POST /api/street/accounts {username, display_name, role, community_id, password} — street admin."""
    actor, _ = await street_admin(request)
    body = await read_json(request)
    try:
        role = StaffRole(body.get("role", StaffRole.STAFF.value))
    except ValueError:
        raise Refused(400, "invalid", "未知的账号角色") from None
    password = check_new_password(body.get("password"))
    command = CreateAccount(
        account_id=new_id(),
        username=_str(body, "username"),
        display_name=_str(body, "display_name"),
        role=role,
        community_id=_str(body, "community_id", optional=True) or None,
        password_hash=await request.app[keys.PASSWORDS].hash(password),
    )
    street = await _execute(request, actor, command)
    account = street.accounts[command.account_id]
    return web.json_response({"ok": True, "account": account_view(account, street)}, status=201)


async def account_action(request: web.Request) -> web.Response:
    """POST /api/street/accounts/{account_id}/{disable|enable|password} — street admin only."""
    actor, _ = await street_admin(request)
    account_id = request.match_info["account_id"]
    command: Command
    match request.match_info["action"]:
        case "disable":
            command = DisableAccount(account_id)
        case "enable":
            command = EnableAccount(account_id)
        case _:  # "password": a reset by the admin ends the account's sessions
            body = await read_json(request)
            password = check_new_password(body.get("password"))
            command = SetPassword(account_id, await request.app[keys.PASSWORDS].hash(password))
    street = await _execute(request, actor, command)
    account = street.accounts[account_id]
    return web.json_response({"ok": True, "account": account_view(account, street)})


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/street/status", status)
    r.add_post("/api/street/bootstrap", bootstrap)
    r.add_post("/api/street/session", sign_in)
    r.add_delete("/api/street/session", sign_out)
    r.add_get("/api/street/me", me)
    r.add_post("/api/street/me/password", change_own_password)
    r.add_get("/api/street/communities", list_communities)
    r.add_post("/api/street/communities", create_community)
    r.add_get("/api/street/accounts", list_accounts)
    r.add_post("/api/street/accounts", create_account)
    r.add_post(r"/api/street/accounts/{account_id}/{action:(disable|enable|password)}", account_action)
