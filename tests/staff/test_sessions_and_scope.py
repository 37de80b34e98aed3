"""Staff identity over real HTTP on loopback: the first admin, sign-in, sessions, and every way around
the scoping we could think of (another community, no session, a forged or expired one, a disabled
account, a changed password, a write without the CSRF header)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import aiohttp
from aiohttp import web

from meeting_server.hub.tokens import TokenSigner
from tests.support.hub import Server

from .helpers import (
    ADMIN_TOKEN,
    CSRF,
    Client,
    bootstrap,
    clients,
    sign_in,
    staff_server,
    street_with_two_communities,
)

PERSON = {"name": "张三", "building": "3号楼", "room": "301"}


async def test_first_admin_then_passwords(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 3) as (admin, other, script):
        assert (await admin.ok("GET", "/api/street/status"))["has_admin"] is False
        body = {"username": "wang", "display_name": "王主任", "password": "street-admin-pw"}
        bad = {"Authorization": "Bearer wrong"}
        assert (await admin.call("POST", "/api/street/bootstrap", body, headers=bad))[0] == 401
        status, answer = await admin.call(
            "POST",
            "/api/street/bootstrap",
            body,
            headers={"Authorization": "Bearer " + ADMIN_TOKEN},
            csrf=False,
        )
        assert (status, answer["error"]["code"]) == (403, "csrf")
        # The cookie: HTTP-only, SameSite=Strict, the whole site.
        async with aiohttp.ClientSession() as raw:
            async with raw.post(
                server.url + "/api/street/bootstrap",
                json=body,
                headers={**CSRF, "Authorization": "Bearer " + ADMIN_TOKEN},
            ) as r:
                assert r.status == 201
                cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain http on loopback; https deployments get Secure
        # The admin token made the first admin; it makes no second one.
        status, answer = await admin.call(
            "POST",
            "/api/street/bootstrap",
            {**body, "username": "zhou"},
            headers={"Authorization": "Bearer " + ADMIN_TOKEN},
        )
        assert (status, answer["error"]["code"]) == (403, "forbidden")
        assert (await admin.ok("GET", "/api/street/status"))["has_admin"] is True

        # Sign-in: a wrong password and an unknown name read the same.
        wrong = await other.call("POST", "/api/street/session", {"username": "wang", "password": "nope-nope"})
        unknown = await other.call(
            "POST", "/api/street/session", {"username": "nobody", "password": "nope-nope"}
        )
        assert (
            wrong
            == unknown
            == (401, {"ok": False, "error": {"code": "bad_credentials", "message": "登录名或密码不正确"}})
        )
        signed = await sign_in(other, " WANG ", "street-admin-pw")  # the name as typed: case and spaces
        assert signed["account"]["role"] == "street_admin" and signed["token"].startswith("a.")
        # Scripts use the token as a bearer, without cookies.
        assert (await script.call("GET", "/api/street/me"))[0] == 401
        me = await script.ok("GET", "/api/street/me", headers={"Authorization": "Bearer " + signed["token"]})
        assert me["account"]["username"] == "wang" and "password_hash" not in json.dumps(me)
        # Signing out forgets the cookie.
        await other.ok("DELETE", "/api/street/session")
        assert (await other.call("GET", "/api/street/me"))[0] == 401


async def test_guessing_passwords_is_slowed_down(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 2) as (admin, guesser):
        await bootstrap(admin)
        for _ in range(5):
            status, _ = await guesser.call(
                "POST", "/api/street/session", {"username": "wang", "password": "guess-1234"}
            )
            assert status == 401
        status, answer = await guesser.call(
            "POST", "/api/street/session", {"username": "wang", "password": "street-admin-pw"}
        )
        assert (
            status == 429 and "分钟后再试" in answer["error"]["message"]
        )  # even the right password, for now
        server.clock.advance(121)  # then one more try every two minutes
        await sign_in(guesser, "wang", "street-admin-pw")


async def test_one_address_guessing_across_many_names_is_slowed_down(tmp_path: Path) -> None:
    # Each name stays under its own five failures; the address's budget (30) runs out all the same.
    async with staff_server(tmp_path) as server, clients(server.url, 2) as (admin, guesser):
        await bootstrap(admin)
        statuses = []
        for i in range(31):
            status, _ = await guesser.call(
                "POST", "/api/street/session", {"username": f"user{i}", "password": "123456789"}
            )
            statuses.append(status)
        assert statuses[:30] == [401] * 30 and statuses[30] == 429
        status, _ = await guesser.call(
            "POST", "/api/street/session", {"username": "wang", "password": "street-admin-pw"}
        )
        assert status == 429  # from that address, even a right password waits
        server.clock.advance(21)  # then one more try every 20 seconds
        await sign_in(guesser, "wang", "street-admin-pw")


def community_routes(app: web.Application) -> list[tuple[str, str]]:
    """Every (method, path template) under /api/communities/ — new endpoints are covered by themselves."""
    out = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = str(info.get("formatter") or info.get("path") or "")
        if path.startswith("/api/communities/") and route.method != "HEAD":
            out.append((route.method, path))
    return out


async def expect_everywhere(
    client: Client, server: Server, community: str, status: int, code: str = ""
) -> None:
    routes = community_routes(server.app)
    assert len(routes) >= 6, routes
    for method, template in routes:
        path = template.format(
            community_id=community,
            person_id="aaaaaaaaaaaa",
            meeting_id="0000aaaa",
            role="moderator",
            topic_id="aaaaaaaaaaaa",
            action="accept",
            photo_id="0" * 32,
            record_id="aaaaaaaaaaaa",
        )
        data = (
            b"\xe5\xa7\x93\xe5\x90\x8d,\xe6\xa5\xbc\xe6\xa0\x8b,\xe6\x88\xbf\xe5\x8f\xb7\n"
            if "import" in path
            else None
        )
        body = None if data is not None or method in ("GET", "DELETE") else PERSON
        got, answer = await client.call(method, path, body, data=data)
        assert got == status, (method, path, got, answer)
        if code:
            assert answer["error"]["code"] == code, (method, path, answer)


async def test_staff_are_scoped_to_their_community(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, nobody):
        ids = await street_with_two_communities(admin)
        await sign_in(li, "li", "li-password")
        await sign_in(zhao, "zhao", "zhao-password")
        added = await li.ok("POST", f"/api/communities/{ids['a']}/persons", PERSON)
        await zhao.ok("POST", f"/api/communities/{ids['b']}/persons", {**PERSON, "name": "钱八"})

        await expect_everywhere(li, server, ids["b"], 403, "forbidden")  # the other community
        await expect_everywhere(li, server, "ffffffffff", 403, "forbidden")  # no probing for ids
        await expect_everywhere(nobody, server, ids["a"], 401, "unauthorized")  # no session
        await expect_everywhere(admin, server, "ffffffffff", 404, "not_found")  # the admin serves every one
        # zhao cannot touch li's person through their own community either.
        path = f"/api/communities/{ids['b']}/persons/{added['person']['person_id']}"
        assert (await zhao.call("DELETE", path))[0] == 404
        assert [p["name"] for p in (await li.ok("GET", f"/api/communities/{ids['a']}"))["persons"]] == [
            "张三"
        ]
        # The street admin's endpoints.
        for method, path, body in [
            ("POST", "/api/street/communities", {"title": "和平里"}),
            ("GET", "/api/street/accounts", None),
            ("POST", "/api/street/accounts", {"username": "x1", "display_name": "x", "password": "12345678"}),
            ("POST", f"/api/street/accounts/{ids['zhao']}/disable", None),
            ("POST", f"/api/street/accounts/{ids['zhao']}/password", {"password": "stolen-pw"}),
        ]:
            assert (await li.call(method, path, body))[0] == 403, path
        listed = (await li.ok("GET", "/api/street/communities"))["communities"]
        assert [c["community_id"] for c in listed] == [ids["a"]]
        # Pages: another community's roster page is refused; one's own opens.
        assert (await li.call("GET", f"/staff/c/{ids['b']}"))[0] == 403
        assert (await li.call("GET", f"/staff/c/{ids['a']}"))[0] == 200


async def test_forged_and_expired_sessions(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 3) as (admin, li, attacker):
        ids = await street_with_two_communities(admin)
        token = (await sign_in(li, "li", "li-password"))["token"]
        roster = f"/api/communities/{ids['a']}"
        # Signed with another key; or li's token with the account id swapped for the admin's.
        other_key = TokenSigner(b"k" * 32).staff_session(ids["li"], 0, server.clock() + 3600)
        kind, payload, mac = token.split(".")
        body = json.loads(base64.urlsafe_b64decode(payload + "=="))
        admin_id = (await admin.ok("GET", "/api/street/me"))["account"]["account_id"]
        swapped = base64.urlsafe_b64encode(json.dumps({**body, "a": admin_id}).encode()).rstrip(b"=").decode()
        for forged in (
            other_key,
            f"{kind}.{swapped}.{mac}",
            "a.e30.AAAA",
            "j." + token[2:],
            "garbage",
        ):  # "j.": another kind
            for how in ({"Authorization": "Bearer " + forged}, {"Cookie": "gongzhi_staff=" + forged}):
                status, answer = await attacker.call("GET", roster, headers=how)
                assert status == 401, (forged, how, answer)
        assert (await li.call("GET", roster))[0] == 200
        server.clock.advance(12 * 3600 + 1)  # server.staff_session_hours
        status, answer = await li.call("GET", roster)
        assert (status, answer["error"]["code"]) == (401, "expired_token")


async def test_writes_need_the_csrf_header_and_json(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 2) as (admin, li):
        ids = await street_with_two_communities(admin)
        await sign_in(li, "li", "li-password")
        persons = f"/api/communities/{ids['a']}/persons"
        status, answer = await li.call("POST", persons, PERSON, csrf=False)
        assert (status, answer["error"]["code"]) == (403, "csrf")
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        status, answer = await li.call("POST", persons, data=b"name=x&building=1&room=1", headers=form)
        assert (status, answer["error"]["code"]) == (415, "unsupported_media_type")
        status, answer = await li.call(
            "POST", "/api/street/session", {"username": "li", "password": "li-password"}, csrf=False
        )
        assert status == 403  # no sign-in from another site's form either
        added = await li.ok("POST", persons, PERSON)
        status, _ = await li.call("DELETE", f"{persons}/{added['person']['person_id']}", csrf=False)
        assert status == 403
        assert len((await li.ok("GET", f"/api/communities/{ids['a']}"))["persons"]) == 1


async def test_disabling_and_new_passwords_end_sessions_at_once(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, li2, li3):
        ids = await street_with_two_communities(admin)
        roster = f"/api/communities/{ids['a']}"
        await sign_in(li, "li", "li-password")
        await li.ok("GET", roster)
        await admin.ok("POST", f"/api/street/accounts/{ids['li']}/disable")
        status, answer = await li.call("GET", roster)
        assert (status, answer["error"]["code"]) == (401, "account_disabled")
        status, answer = await li2.call(
            "POST", "/api/street/session", {"username": "li", "password": "li-password"}
        )
        assert (status, answer["error"]["code"]) == (401, "account_disabled")
        accounts = (await admin.ok("GET", "/api/street/accounts"))["accounts"]
        assert [a["enabled"] for a in accounts if a["username"] == "li"] == [False]
        # Enabled again: the old session stays ended; a new sign-in works.
        await admin.ok("POST", f"/api/street/accounts/{ids['li']}/enable")
        status, answer = await li.call("GET", roster)
        assert (status, answer["error"]["code"]) == (401, "session_ended")
        await sign_in(li2, "li", "li-password")
        # An admin's password reset ends li's sessions; the new password works.
        await admin.ok("POST", f"/api/street/accounts/{ids['li']}/password", {"password": "new-li-password"})
        assert (await li2.call("GET", roster))[0] == 401
        await sign_in(li2, "li", "new-li-password")
        await sign_in(li3, "li", "new-li-password")
        # li changes their own password: the old one is needed; this session goes on, the others end.
        change = {"old_password": "wrong-password", "password": "li-own-password"}
        assert (await li2.call("POST", "/api/street/me/password", change))[0] == 403
        await li2.ok("POST", "/api/street/me/password", {**change, "old_password": "new-li-password"})
        await li2.ok("GET", roster)
        assert (await li3.call("GET", roster))[0] == 401
        # An admin cannot disable themselves (the street would lose its admin).
        admin_id = (await admin.ok("GET", "/api/street/me"))["account"]["account_id"]
        assert (await admin.call("POST", f"/api/street/accounts/{admin_id}/disable"))[0] == 409
        # Short passwords are refused.
        status, answer = await admin.call(
            "POST", f"/api/street/accounts/{ids['li']}/password", {"password": "short"}
        )
        assert status == 400 and "8" in answer["error"]["message"]
