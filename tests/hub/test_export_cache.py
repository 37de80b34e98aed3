"""Minutes downloads are made once per version of the log: concurrent and repeated requests share one
export, a new event makes a new one (the real server on loopback, real SQLite)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from meeting_server.hub.export_cache import ExportCache
from meeting_server.hub.minutes import MINUTES
from tests.support.hub import Peer, running_server


async def test_concurrent_and_repeated_downloads_share_one_export(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        cache = server.app[MINUTES].exports
        url = f"{server.url}/api/meetings/{mid}/minutes.md?t={links['observer']['token']}"
        async with aiohttp.ClientSession() as http:

            async def fetch() -> str:
                r = await http.get(url)
                assert r.status == 200
                return await r.text()

            bodies = await asyncio.gather(*(fetch() for _ in range(8)))
            assert len(set(bodies)) == 1 and cache.exports == 1
            await fetch()
            assert cache.exports == 1

            mod = Peer(server.url, links["moderator"]["token"])
            await mod.connect()
            try:
                assert (await mod.join("主持人"))["ok"]  # the log grows: a new version
            finally:
                await mod.close()
            await fetch()
            assert cache.exports == 2


async def test_a_failed_export_is_not_kept_and_is_tried_again() -> None:
    cache = ExportCache(entries=2)
    calls = 0

    async def failing() -> tuple[bytes, str]:
        nonlocal calls
        calls += 1
        raise RuntimeError("disk full")

    async def working() -> tuple[bytes, str]:
        return b"ok", "text/plain"

    key = ("m", "pdf", 3, "abc")
    for _ in range(2):
        try:
            await cache.get(key, failing)
        except RuntimeError:
            pass
    assert calls == 2
    assert await cache.get(key, working) == (b"ok", "text/plain")
    for seq in (4, 5):  # the LRU keeps the two most recent versions
        await cache.get(("m", "pdf", seq, "x"), working)
    assert cache.exports == 5 and len(cache._done) == 2
