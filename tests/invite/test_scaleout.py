"""On Redis, two server processes (two apps on one redis-server): a revocation written through one is
enforced by the other — its socket of that person is dropped, and the old link refused at connect; a
second device on one process tells the first device on the other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.staff.helpers import clients, staff_server
from tests.support.hub import Peer
from tests.support.redis import RedisServer

from .helpers import community_meeting, refused, token_of


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = RedisServer(tmp_path / "redis")
    try:
        yield server.url
    finally:
        server.stop()


def _told(peer: Peer, event: str) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []

    async def keep(msg: dict[str, Any]) -> None:
        got.append(msg)

    peer.sio.on(event, keep)
    return got


async def test_revocation_and_takeover_across_processes(tmp_path: Path, redis_url: str) -> None:
    async with (
        staff_server(tmp_path / "a", redis_url=redis_url) as a,
        staff_server(tmp_path / "b", redis_url=redis_url) as b,
        clients(a.url, 1) as (staff,),
    ):
        c = await community_meeting(staff)  # created, and its roster copied in, through process a
        wang = c.people["王阿姨"]
        token = token_of(wang["url"])
        on_b, on_a = Peer(b.url, token), Peer(a.url, token)
        taken = _told(on_b, "taken_over")
        try:
            await on_b.connect()
            assert on_b.participant_id == "per-" + wang["person_id"]
            await on_a.connect()  # the second device, on the other process
            await on_b.wait_for(lambda: bool(taken))
            assert on_a.participant_id == on_b.participant_id
            await on_b.close()

            again_b = Peer(b.url, token)
            revoked = _told(again_b, "link_revoked")
            await again_b.connect()
            await staff.ok("POST", c.base + f"/invitations/{wang['person_id']}/revoke", {})  # through a
            await again_b.wait_for(lambda: bool(revoked) and not again_b.sio.connected)
        finally:
            await on_a.close()
            await on_b.close()
        assert await refused(b.url, token) == "link_revoked"
        assert await refused(a.url, token) == "link_revoked"
