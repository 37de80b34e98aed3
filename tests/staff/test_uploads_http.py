"""Uploads on a real server: a topic photo is told by its bytes, bounded, one file however often sent,
served to the community's links only, and refused once its file no longer matches its id. In scale-out a
photo received by one process is checked and served by another (through a real redis-server), and
survives the loss of the receiving process's folder; the file store refuses names that could leave its
folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from meeting_server.store.blobs import Blobs
from tests.support.redis import RedisServer

from .helpers import clients, staff_server
from .test_topics_http import PARKING, api, refused
from .topics_helpers import tiny_png, topics_world


async def test_photos(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await topics_world(admin, li, zhao)
        a = ids["a"]
        zhang = ids["personal"]["张三"]
        png = tiny_png(7)
        up = api(ids, "/photos", zhang)
        status, answer = await web.call("POST", up, data=png, headers={"Content-Type": "image/jpeg"})
        assert status == 201 and len(answer["photo_id"]) == 32  # told by its bytes, not its declared type
        photo = answer["photo_id"]
        again = await web.ok("POST", up, data=png, headers={"Content-Type": "image/png"})
        assert again["photo_id"] == photo  # the same picture is one file
        gif = b"GIF89a" + b"\x00" * 64
        status, answer = await web.call("POST", up, data=gif, headers={"Content-Type": "image/png"})
        assert (status, answer["error"]["code"]) == (415, "unsupported_media_type")
        big = png + b"\x00" * (5 * 1024 * 1024)
        status, answer = await web.call("POST", up, data=big, headers={"Content-Type": "image/png"})
        assert (status, answer["error"]["code"]) == (413, "too_large")
        status, answer = await web.call("POST", up, data=b"", headers={"Content-Type": "image/png"})
        assert (status, answer["error"]["code"]) == (400, "invalid")
        await refused(web, "POST", api(ids, "/photos", ids["topics_link_b"]), None, 403, "wrong_community")
        # A submission names uploaded photos only.
        await refused(
            web, "POST", api(ids, "/topics", zhang), {"title": PARKING, "photos": ["0" * 32]}, 400, "invalid"
        )
        await refused(
            web, "POST", api(ids, "/topics", zhang), {"title": PARKING, "photos": ["../x"]}, 400, "invalid"
        )
        topic = (await web.ok("POST", api(ids, "/topics", zhang), {"title": PARKING, "photos": [photo]}))[
            "topic"
        ]
        assert topic["photos"] == [photo]
        # Residents, the 社工 and the moderator see it; another community's link does not.
        async with web.http.get(server.url + api(ids, f"/photos/{photo}")) as r:
            assert r.status == 200 and r.content_type == "image/png" and await r.read() == png
        for who, path in (
            (li, f"/api/communities/{a}/topics/photos/{photo}"),
            (web, f"/api/topics/{a}/screening/photos/{photo}?t={ids['moderator']}"),
        ):
            async with who.http.get(server.url + path) as r:
                assert r.status == 200 and await r.read() == png, path
        await refused(
            web, "GET", api(ids, f"/photos/{photo}", ids["topics_link_b"]), None, 403, "wrong_community"
        )
        await refused(zhao, "GET", f"/api/communities/{a}/topics/photos/{photo}", None, 403, "forbidden")
        await refused(web, "GET", api(ids, "/photos/" + "1" * 32), None, 404, "not_found")
        # A file swapped on disk no longer matches the id the chain recorded: refused at submission.
        (tmp_path / "topic_photos" / a / f"{photo}.png").write_bytes(tiny_png(9))
        await refused(
            web, "POST", api(ids, "/topics", zhang), {"title": "再提一次", "photos": [photo]}, 400, "invalid"
        )


async def test_a_photo_uploaded_to_one_process_is_served_by_another(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis")
    try:
        async with (
            staff_server(tmp_path / "a", redis_url=redis.url) as one,
            staff_server(tmp_path / "b", redis_url=redis.url) as two,
            clients(one.url, 4) as (admin, li, zhao, web_one),
            clients(two.url, 1) as (web_two,),
        ):
            ids = await topics_world(admin, li, zhao)
            a, zhang = ids["a"], ids["personal"]["张三"]
            png = tiny_png(5)
            up = f"/api/topics/{a}/photos?t={zhang}"
            photo = (await web_one.ok("POST", up, data=png, headers={"Content-Type": "image/png"}))[
                "photo_id"
            ]
            # Process b never received it, yet accepts a submission naming it and serves it.
            submit = f"/api/topics/{a}/topics?t={zhang}"
            topic = (await web_two.ok("POST", submit, {"title": "东门路灯坏了", "photos": [photo]}))["topic"]
            assert topic["photos"] == [photo]
            async with web_two.http.get(two.url + f"/api/topics/{a}/photos/{photo}?t={zhang}") as r:
                assert r.status == 200 and r.content_type == "image/png" and await r.read() == png
            # The receiving process's folder is lost: the photo still comes from Redis.
            shutil.rmtree(tmp_path / "a" / "topic_photos")
            async with web_one.http.get(one.url + f"/api/topics/{a}/photos/{photo}?t={zhang}") as r:
                assert r.status == 200 and await r.read() == png
            async with web_one.http.get(one.url + f"/api/topics/{a}/photos/{'1' * 32}?t={zhang}") as r:
                assert r.status == 404
    finally:
        redis.stop()


async def test_blobs_share_through_redis_and_refuse_escaping_names(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis")
    one, two, alone = (
        Blobs(tmp_path / "one", redis.url),
        Blobs(tmp_path / "two", redis.url),
        Blobs(tmp_path / "x"),
    )
    try:
        await one.put("research_files", "c1", "ab.pdf", b"%PDF-1.4 report")
        found = await two.find("research_files", "c1", ["ab.jpg", "ab.pdf"])
        assert found == tmp_path / "two" / "research_files" / "c1" / "ab.pdf"
        assert found.read_bytes() == b"%PDF-1.4 report"
        assert await two.find("research_files", "c2", ["ab.pdf"]) is None  # another community's space
        assert await alone.find("research_files", "c1", ["ab.pdf"]) is None  # not shared: its own folder
        await one.put("research_files", "c1", "ab.pdf", b"other bytes")  # written once, never replaced
        assert redis.client.get("gongzhi:blob:research_files/c1/ab.pdf") == b"%PDF-1.4 report"
        for bad in ("../ab.pdf", "a/b", ".hidden", ""):
            with pytest.raises(ValueError):
                await one.find("research_files", "c1", [bad])
    finally:
        await one.close()
        await two.close()
        redis.stop()
