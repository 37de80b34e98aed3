"""Upload quotas across two server processes on one Redis: an attacker alternating between the processes
(as a load balancer would send them) gets one quota, not one per process — per address, per link and
the community's daily byte budget are counted in Redis."""

from __future__ import annotations

from pathlib import Path

from tests.staff.helpers import ADMIN_TOKEN, Client, clients
from tests.staff.test_upload_quota_http import photo, upload
from tests.staff.topics_helpers import tiny_png, topics_world
from tests.support.process import ServerProcess
from tests.support.redis import RedisServer

from .test_two_processes import SECRET, redis_server

__all__ = ["redis_server"]  # the fixture, used by name


def start(tmp_path: Path, name: str, redis: RedisServer) -> ServerProcess:
    return ServerProcess(
        tmp_path / name,
        extra_env={
            "GONGZHI_REDIS__URL": redis.url,
            "GONGZHI_SERVER__SECRET_KEY": SECRET,
            "GONGZHI_SERVER__ADMIN_TOKEN": ADMIN_TOKEN,
            "GONGZHI_MEDIA__CAPTIONS": "false",
            "GONGZHI_UPLOADS__UPLOADS_PER_ADDRESS": "4",
            "GONGZHI_UPLOADS__UPLOADS_PER_LINK": "6",
            "GONGZHI_UPLOADS__COMMUNITY_MIB_PER_DAY": "10",
        },
    )


async def test_two_processes_share_one_upload_quota(tmp_path: Path, redis_server: RedisServer) -> None:
    a, b = start(tmp_path, "a", redis_server), start(tmp_path, "b", redis_server)
    try:
        async with clients(a.url, 3) as (admin, li, zhao):
            ids = await topics_world(admin, li, zhao)
        path = f"/api/topics/{ids['a']}/photos?t={ids['topics_link']}"
        web_a, web_b = Client(a.url), Client(b.url)
        try:
            # One address, alternating processes: four photos in all (the address's), not four on each.
            statuses = [
                (await upload(web, path, tiny_png(n), "203.0.113.5"))[0]
                for n, web in enumerate([web_a, web_b] * 3)
            ]
            assert statuses == [201] * 4 + [429] * 2, statuses
            # Rotating addresses, the same link: two more (six per link), then refused on both processes.
            statuses = [
                (await upload(web, path, tiny_png(50 + n), f"198.18.0.{n + 1}"))[0]
                for n, web in enumerate([web_b, web_a, web_b, web_a])
            ]
            assert statuses == [201, 201, 429, 429], statuses
            # The community's 10 MiB a day: two 4 MiB photos (on a resident's own link, from two
            # addresses, one per process), not a third on either process.
            own = f"/api/topics/{ids['a']}/photos?t={ids['personal']['张三']}"
            assert (await upload(web_a, own, photo(1), "192.0.2.1"))[0] == 201
            assert (await upload(web_b, own, photo(2), "192.0.2.2"))[0] == 201
            for web, address in ((web_a, "192.0.2.3"), (web_b, "192.0.2.4")):
                status, answer = await upload(web, own, photo(3), address)
                assert (status, answer["error"]["code"]) == (507, "quota_exceeded"), answer
        finally:
            await web_a.close()
            await web_b.close()
    finally:
        a.stop()
        b.stop()
