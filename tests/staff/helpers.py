"""A real server on loopback (SQLite or a real redis-server) and browser-like clients of the staff API."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from meeting_server.hub.app import create_app
from tests.support.hub import FakeClock, Server, make_settings

ADMIN_TOKEN = "test-admin-token"  # make_settings' admin token
CSRF = {"X-Gongzhi-CSRF": "1"}


@asynccontextmanager
async def staff_server(
    data_dir: Path,
    *,
    redis_url: str = "",
    clock: FakeClock | None = None,
    limits: dict[str, Any] | None = None,
) -> AsyncIterator[Server]:
    """The whole app (one factory), embedded or on Redis; the same ``clock`` may span restarts (and, with
    ``limits``, the rate limits' clock)."""
    clock = clock or FakeClock()
    settings = make_settings(data_dir, limits=limits)
    if redis_url:
        settings = settings.with_overrides(redis={"url": redis_url})
    app = create_app(settings, clock=clock, limit_clock=clock)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield Server(app, f"http://127.0.0.1:{runner.addresses[0][1]}", clock)
    finally:
        await runner.cleanup()


class Client:
    """One browser: a cookie jar (loopback IPs allowed) and the CSRF header on writes, as the pages send."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        csrf: bool = True,
    ) -> tuple[int, dict[str, Any]]:
        h = dict(CSRF if csrf and method != "GET" else {})
        h.update(headers or {})
        kwargs: dict[str, Any] = {"headers": h}
        if body is not None:
            kwargs["json"] = body
        if data is not None:
            kwargs["data"] = io.BytesIO(data)  # (raw bytes over 1 MB warn in aiohttp)
        async with self.http.request(method, self.url + path, **kwargs) as r:
            if r.content_type != "application/json":
                return r.status, {"_text": await r.text()}
            return r.status, await r.json()

    async def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        status, answer = await self.call(method, path, body, **kw)
        assert status in (200, 201) and answer["ok"], (method, path, status, answer)
        return answer

    def cookie(self) -> str | None:
        for c in self.http.cookie_jar:
            if c.key == "gongzhi_staff":
                return c.value
        return None

    async def close(self) -> None:
        await self.http.close()


@asynccontextmanager
async def clients(url: str, n: int) -> AsyncIterator[list[Client]]:
    made = [Client(url) for _ in range(n)]
    try:
        yield made
    finally:
        for c in made:
            await c.close()


async def bootstrap(
    client: Client, username: str = "wang", password: str = "street-admin-pw"
) -> dict[str, Any]:
    answer = await client.ok(
        "POST",
        "/api/street/bootstrap",
        {"username": username, "display_name": "王主任", "password": password},
        headers={"Authorization": "Bearer " + ADMIN_TOKEN},
    )
    account: dict[str, Any] = answer["account"]
    return account


async def sign_in(client: Client, username: str, password: str) -> dict[str, Any]:
    return await client.ok("POST", "/api/street/session", {"username": username, "password": password})


async def street_with_two_communities(admin: Client) -> dict[str, str]:
    """Communities A and B, a 社工 for each (li → A, zhao → B); their ids."""
    await bootstrap(admin)
    a = (await admin.ok("POST", "/api/street/communities", {"title": "阳光新城"}))["community"][
        "community_id"
    ]
    b = (await admin.ok("POST", "/api/street/communities", {"title": "幸福里"}))["community"]["community_id"]
    li = await admin.ok(
        "POST",
        "/api/street/accounts",
        {
            "username": "li",
            "display_name": "李社工",
            "role": "staff",
            "community_id": a,
            "password": "li-password",
        },
    )
    zhao = await admin.ok(
        "POST",
        "/api/street/accounts",
        {
            "username": "zhao",
            "display_name": "赵社工",
            "role": "staff",
            "community_id": b,
            "password": "zhao-password",
        },
    )
    return {"a": a, "b": b, "li": li["account"]["account_id"], "zhao": zhao["account"]["account_id"]}
