"""Upload quotas on a real server: a flood of photos through the community topics link is refused with
429 "too_many" once an address's (and, rotating addresses, the link's) budget is spent, and nothing over
it is stored; a resident on another address still uploads; the window refills with the (fake) clock. A
community's daily byte budget refuses with 507 "quota_exceeded", leaves other communities alone and
resets the next day. Client addresses come from X-Forwarded-For, which the server trusts from loopback
(the default [limits] trusted_proxies) as it does from a local nginx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .helpers import Client, clients, staff_server
from .test_topics_http import api
from .topics_helpers import tiny_png, topics_world

MIB = 1024 * 1024


def photo(n: int) -> bytes:
    """A distinct ~4 MiB PNG (under the 5 MB limit): the attack's photos."""
    return tiny_png(n % 256) + n.to_bytes(4, "big") + b"\x00" * (4 * MIB - 100)


async def upload(web: Client, path: str, data: bytes, address: str) -> tuple[int, Any]:
    headers = {"Content-Type": "image/png", "X-Forwarded-For": address}
    return await web.call("POST", path, data=data, headers=headers)


def stored(tmp_path: Path, community: str) -> int:
    folder = tmp_path / "topic_photos" / community
    return len(list(folder.iterdir())) if folder.exists() else 0


async def test_a_flood_is_refused_and_residents_still_upload(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await topics_world(admin, li, zhao)
        a, link = ids["a"], api(ids, "/photos")
        # One address, the defaults (60 MiB per address per 10 minutes): 15 photos of 4 MiB, then 429.
        answers = [await upload(web, link, photo(n), "203.0.113.5") for n in range(40)]
        statuses = [s for s, _ in answers]
        assert statuses == [201] * 15 + [429] * 25, statuses
        error = answers[15][1]["error"]
        assert error["code"] == "too_many" and "上传太频繁" in error["message"], error
        assert stored(tmp_path, a) == 15  # nothing over the quota reached the disk
        # Rotating addresses, the same link (120 MiB per link): 15 more, then the link is spent too.
        answers = [await upload(web, link, photo(100 + n), f"198.18.0.{n + 1}") for n in range(20)]
        assert [s for s, _ in answers] == [201] * 15 + [429] * 5
        assert stored(tmp_path, a) == 30
        # A resident on their own link and address: a few photos of a normal size still go in.
        zhang = api(ids, "/photos", ids["personal"]["张三"])
        for n in range(3):
            status, answer = await upload(web, zhang, tiny_png(200 + n), "192.0.2.10")
            assert status == 201, answer
        # The window refills with the clock: the topics link uploads again after 10 minutes.
        server.clock.advance(600)
        status, answer = await upload(web, link, photo(999), "203.0.113.5")
        assert status == 201, answer


async def test_counts_per_address_and_the_daily_budget(tmp_path: Path) -> None:
    overrides = {"uploads": {"uploads_per_address": 3, "community_mib_per_day": 10}}
    async with (
        staff_server(tmp_path, overrides=overrides) as server,
        clients(server.url, 4) as (admin, li, zhao, web),
    ):
        ids = await topics_world(admin, li, zhao)
        a, link = ids["a"], api(ids, "/photos")
        # Three small photos per address per window, however small.
        statuses = [(await upload(web, link, tiny_png(n), "203.0.113.7"))[0] for n in range(4)]
        assert statuses == [201, 201, 201, 429]
        # 10 MiB a day for the community: two 4 MiB photos (from other addresses), not a third.
        assert (await upload(web, link, photo(1), "203.0.113.8"))[0] == 201
        assert (await upload(web, link, photo(2), "203.0.113.9"))[0] == 201
        status, answer = await upload(web, link, photo(3), "203.0.113.10")
        assert (status, answer["error"]["code"]) == (507, "quota_exceeded"), answer
        assert "明天" in answer["error"]["message"]
        assert stored(tmp_path, a) == 5
        # Another community's budget is its own.
        other = f"/api/topics/{ids['b']}/photos?t={ids['topics_link_b']}"
        assert (await upload(web, other, photo(4), "203.0.113.11"))[0] == 201
        # The next day the budget is whole again (and the address's window has refilled).
        server.clock.advance(86400)
        assert (await upload(web, link, photo(3), "203.0.113.10"))[0] == 201
        assert (await upload(web, link, tiny_png(9), "203.0.113.7"))[0] == 201
