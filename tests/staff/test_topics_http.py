"""议题征集 over HTTP on a real server: residents submit, find similar topics and support them; the 社工
and a meeting's moderator screen; every wrong link, role, community and payload is refused explicitly;
a restart on the same SQLite file (or the same redis-server) keeps topics and supports, and their events
verify in the community's chain; two processes on one redis-server share topics, supports and screening."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meeting_server.communities import community_stream
from meeting_server.store.eventlog import open_event_log
from meeting_server.web import topics_api
from tests.support.hub import FakeClock, make_settings
from tests.support.redis import RedisServer

from .helpers import Client, clients, staff_server
from .topics_helpers import token_of, topics_world

PARKING = "地下车库晚上车位不够停"
PARKING_BODY = "每天晚上九点以后地下车库就停满了，外来车辆占用车位"


def api(ids: dict[str, Any], path: str = "", token: str | None = None) -> str:
    return f"/api/topics/{ids['a']}{path}?t={token if token is not None else ids['topics_link']}"


async def refused(client: Client, method: str, path: str, body: Any, status: int, code: str) -> str:
    got, answer = await client.call(method, path, body)
    assert (got, answer["ok"], answer["error"]["code"]) == (status, False, code), (path, answer)
    message: str = answer["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message  # said in Chinese
    return message


async def test_submit_similar_support_and_screen(tmp_path: Path) -> None:
    clock = FakeClock()
    async with (
        staff_server(tmp_path, clock=clock) as server,
        clients(server.url, 4) as (admin, li, zhao, web),
    ):
        ids = await topics_world(admin, li, zhao)
        a = ids["a"]
        zhang, li4, wang5 = (ids["personal"][n] for n in ("张三", "李四", "王五"))
        # 张三 types his name on the community's link: self-declared, not the roster's 张三.
        first = (
            await web.ok(
                "POST",
                api(ids, "/topics"),
                {"title": PARKING, "body": PARKING_BODY, "name": "张三", "building": "3 号楼"},
            )
        )["topic"]
        assert (first["status"], first["status_label"], first["supporters"], first["mine"]) == (
            "pending",
            "待筛选",
            0,
            True,
        )
        # While 李四 types a paraphrase, the first topic is offered; he supports it instead.
        similar = (await web.ok("GET", api(ids, "/similar", li4) + "&q=车库晚上车位不够"))["similar"]
        assert similar and similar[0]["topic_id"] == first["topic_id"]
        assert (await web.ok("GET", api(ids, "/similar", li4) + "&q=车"))["similar"] == []  # too short
        url = api(ids, f"/topics/{first['topic_id']}/support", li4)
        assert (await web.ok("POST", url, {}))["topic"]["supporters"] == 1
        await refused(web, "POST", url, {}, 409, "duplicate")
        # The roster's 张三 may support it: a typed name proves nobody wrote it (an impersonator could have).
        own = api(ids, f"/topics/{first['topic_id']}/support", zhang)
        assert (await web.ok("POST", own, {}))["topic"]["supporters"] == 2
        # 王五 writes the same thing anyway; 李四 supports his too.
        second = (
            await web.ok(
                "POST", api(ids, "/topics", wang5), {"title": "车库晚上没车位", "body": PARKING_BODY}
            )
        )["topic"]
        await web.ok("POST", api(ids, f"/topics/{second['topic_id']}/support", li4), {})
        third = (await web.ok("POST", api(ids, "/topics", wang5), {"title": "小区健身器材坏了", "body": ""}))[
            "topic"
        ]

        # The 社工's queue: oldest first, with the engine's suggestion recorded at submission.
        queue = await li.ok("GET", f"/api/communities/{a}/topics")
        assert [t["topic_id"] for t in queue["queue"]] == [
            first["topic_id"],
            second["topic_id"],
            third["topic_id"],
        ]
        suggested = queue["queue"][1]
        assert suggested["duplicate_of"]["topic_id"] == first["topic_id"] and suggested["similarity"] > 0
        assert suggested["author"] == {"name": "王五", "building": "5号楼", "self_declared": False}
        assert queue["queue"][0]["author"]["self_declared"] is True
        # Merge: 王五 and 李四 carried over, 李四 counted once.
        screen = f"/api/communities/{a}/topics"
        await refused(li, "POST", f"{screen}/{second['topic_id']}/merge", {}, 400, "invalid")
        merged = await li.ok(
            "POST", f"{screen}/{second['topic_id']}/merge", {"into": first["topic_id"], "note": "同一件事"}
        )
        by_id = {t["topic_id"]: t for t in merged["topics"]}
        assert by_id[first["topic_id"]]["supporters"] == 3  # 李四 (once), 张三 and 王五
        # The moderator's link of the community's meeting accepts; the 社工 rejects the third, with a reason.
        mod = f"/api/topics/{a}/screening/{first['topic_id']}/accept?t={ids['moderator']}"
        await web.ok("POST", mod, {"note": "列入下次议事会"})
        await refused(li, "POST", f"{screen}/{third['topic_id']}/reject", {"reason": " "}, 400, "invalid")
        await li.ok("POST", f"{screen}/{third['topic_id']}/reject", {"reason": "属于物业报修，已转物业"})
        await li.ok("POST", f"{screen}/{first['topic_id']}/level", {"level": "community"})
        await li.ok("POST", f"{screen}/{first['topic_id']}/escalate", {"reason": "涉及市政道路"})
        await refused(li, "POST", f"{screen}/{first['topic_id']}/escalate", {}, 409, "wrong_state")

        # What residents see: status, level, heat with its explanation, and the reasons.
        seen = {t["topic_id"]: t for t in (await web.ok("GET", api(ids, "", wang5)))["topics"]}
        one, two, three = seen[first["topic_id"]], seen[second["topic_id"]], seen[third["topic_id"]]
        assert (one["status_label"], one["level_label"], one["reason"], one["supported"]) == (
            "已上报",
            "街道",
            "涉及市政道路",
            True,
        )
        assert one["heat"]["score"] > 0 and one["heat"]["explanation"]
        assert (two["status_label"], two["merged_into"]["title"], two["reason"]) == (
            "已合并",
            PARKING,
            "同一件事",
        )
        assert (three["status_label"], three["reason"]) == ("未采纳", "属于物业报修，已转物业")
        await refused(
            web, "POST", api(ids, f"/topics/{second['topic_id']}/support", zhang), {}, 409, "wrong_state"
        )
        # The pages open with the same links.
        for path in (f"/c/{a}/topics?t={ids['topics_link']}", f"/c/{a}/topics?t={zhang}"):
            status, page = await web.call("GET", path)
            assert status == 200 and "议题征集" in page["_text"], path
        status, page = await web.call("GET", f"/c/{a}/topics/screen?t={ids['moderator']}")
        assert status == 200 and "议题筛选" in page["_text"]
        status, page = await li.call("GET", f"/staff/c/{a}/topics")
        assert status == 200 and "议题筛选" in page["_text"]
        # The meeting's pages lead there: a personal link to the resident's topics page (same token), the
        # moderator's link to screening; the shared participant link nowhere.
        m = f"/m/{ids['meeting']}"
        for path, want in (
            (f"{m}/participant?t={zhang}", f'href="/c/{a}/topics?t={zhang}"'),
            (f"{m}/moderator?t={ids['moderator']}", f'href="/c/{a}/topics/screen?t={ids["moderator"]}"'),
            (f"{m}/participant?t={ids['participant']}", None),
        ):
            status, page = await web.call("GET", path)
            assert status == 200, path
            if want is None:
                assert 'id="topics-link"' not in page["_text"], path
            else:
                assert want in page["_text"], path


async def test_refusals(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await topics_world(admin, li, zhao)
        a, b = ids["a"], ids["b"]
        good = {"title": PARKING, "body": "", "name": "张三", "building": "3号楼"}
        topic = (await web.ok("POST", api(ids, "/topics"), good))["topic"]["topic_id"]
        # Links: none, forged, another community's, a role link, a revoked personal link.
        await refused(web, "GET", f"/api/topics/{a}", None, 403, "no_token")
        forged = ids["topics_link"][:-4] + "AAAA"
        await refused(web, "GET", api(ids, "", forged), None, 403, "forged_token")
        await refused(web, "GET", api(ids, "", ids["topics_link_b"]), None, 403, "wrong_community")
        await refused(web, "GET", api(ids, "", ids["personal_b"]), None, 403, "wrong_community")
        await refused(web, "GET", api(ids, "", ids["participant"]), None, 403, "bad_token")
        await refused(web, "GET", f"/api/topics/nosuch?t={ids['topics_link']}", None, 404, "not_found")
        # Payloads.
        await refused(web, "POST", api(ids, "/topics"), {**good, "admin": True}, 400, "invalid")
        await refused(web, "POST", api(ids, "/topics"), {**good, "title": 5}, 400, "invalid")
        await refused(web, "POST", api(ids, "/topics"), {**good, "title": "字" * 41}, 400, "invalid")
        await refused(web, "POST", api(ids, "/topics"), {**good, "body": "字" * 1001}, 400, "invalid")
        await refused(web, "POST", api(ids, "/topics"), {**good, "title": ""}, 400, "invalid")
        await refused(web, "POST", api(ids, "/topics"), {**good, "photos": "x"}, 400, "invalid")
        await refused(web, "POST", api(ids, "/topics"), {"title": PARKING}, 400, "invalid")  # no name
        await refused(web, "POST", api(ids, "/topics"), {**good, "name": "张\x00三"}, 400, "invalid")
        status, answer = await web.call(
            "POST", api(ids, "/topics"), data=b"title=x", headers={"Content-Type": "text/plain"}
        )
        assert (status, answer["error"]["code"]) == (415, "unsupported_media_type")
        await refused(web, "GET", api(ids, "/similar") + "&q=" + "a" * 1100, None, 400, "invalid")
        await refused(
            web, "POST", api(ids, "/topics/nosuch1/support", ids["personal"]["李四"]), {}, 404, "not_found"
        )
        # Roles: a resident's link does not screen; a moderator of B's meeting does not screen A's topics;
        # B's 社工 does not see A's queue; a write without the CSRF header is refused.
        mine = f"/api/topics/{a}/screening/{topic}/accept"
        await refused(web, "POST", f"{mine}?t={ids['topics_link']}", {}, 403, "bad_token")
        await refused(web, "POST", f"{mine}?t={ids['personal']['李四']}", {}, 403, "forbidden")
        await refused(web, "POST", f"{mine}?t={ids['moderator_b']}", {}, 403, "wrong_community")
        await refused(web, "GET", f"/api/topics/{a}/screening?t={ids['participant']}", None, 403, "forbidden")
        await refused(zhao, "GET", f"/api/communities/{a}/topics", None, 403, "forbidden")
        await refused(web, "GET", f"/api/communities/{a}/topics", None, 401, "unauthorized")
        status, answer = await li.call("POST", f"/api/communities/{a}/topics/{topic}/accept", {}, csrf=False)
        assert (status, answer["error"]["code"]) == (403, "csrf")
        screen = f"/api/communities/{a}/topics/{topic}"
        await refused(li, "POST", f"{screen}/level", {"level": "city"}, 400, "invalid")
        await refused(li, "POST", f"{screen}/reject", {"reason": "x", "extra": 1}, 400, "invalid")
        await refused(li, "POST", f"/api/communities/{a}/topics/nosuch1/accept", {}, 404, "not_found")
        await refused(li, "POST", f"{screen}/merge", {"into": topic}, 400, "invalid")
        await refused(zhao, "POST", f"/api/communities/{a}/topics-link", {}, 403, "forbidden")
        # The pages refuse the same links with a page, not a blank.
        status, page = await web.call("GET", f"/c/{a}/topics?t={ids['topics_link_b']}")
        assert status == 403 and "其他社区" in page["_text"]
        status, page = await web.call("GET", f"/c/{b}/topics/screen?t={ids['moderator']}")
        assert status == 403
        # Nothing refused reached the log: one topic, no support, still pending.
        queue = await li.ok("GET", f"/api/communities/{a}/topics")
        assert [(t["topic_id"], t["supporters"], t["status"]) for t in queue["topics"]] == [
            (topic, 0, "pending")
        ]


async def test_restart_keeps_topics_and_supports(tmp_path: Path, redis_url: str) -> None:
    clock = FakeClock()
    async with (
        staff_server(tmp_path, clock=clock, redis_url=redis_url) as server,
        clients(server.url, 4) as (admin, li, zhao, web),
    ):
        ids = await topics_world(admin, li, zhao)
        topic = (await web.ok("POST", api(ids, "/topics", ids["personal"]["张三"]), {"title": PARKING}))[
            "topic"
        ]
        await web.ok("POST", api(ids, f"/topics/{topic['topic_id']}/support", ids["personal"]["李四"]), {})
        await web.ok(
            "POST", api(ids, f"/topics/{topic['topic_id']}/support"), {"name": "陈七", "building": "9号楼"}
        )
        await li.ok("POST", f"/api/communities/{ids['a']}/topics/{topic['topic_id']}/accept", {})
        before = (await web.ok("GET", api(ids)))["topics"]
    async with (
        staff_server(tmp_path, clock=clock, redis_url=redis_url) as server,
        clients(server.url, 1) as (web,),
    ):
        after = (await web.ok("GET", api(ids)))["topics"]
        assert after == before and after[0]["supporters"] == 2 and after[0]["status"] == "accepted"
        # The rebuilt engine still knows it: a paraphrase finds it after the restart.
        similar = (await web.ok("GET", api(ids, "/similar") + "&q=车库晚上车位不够"))["similar"]
        assert [t["topic_id"] for t in similar] == [topic["topic_id"]]
        # 李四 cannot support again after the restart either.
        url = api(ids, f"/topics/{topic['topic_id']}/support", ids["personal"]["李四"])
        await refused(web, "POST", url, {}, 409, "duplicate")
    log = open_event_log(make_settings(tmp_path).with_overrides(redis={"url": redis_url}))
    try:
        stream = community_stream(ids["a"])
        report = await log.verify(stream)
        assert report.ok, report
        types = [r.type for r in await log.read(stream)]
        assert types[-4:] == ["TopicSubmitted", "TopicSupported", "TopicSupported", "TopicAccepted"]
        assert types[0] == "PersonsAdded"  # one stream, one chain: the roster's events and the topics'
    finally:
        await log.close()


async def test_flagged_topics_are_kept_and_abuse_is_held_for_screening(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await topics_world(admin, li, zhao)
        zhang, li4 = ids["personal"]["张三"], ids["personal"]["李四"]
        abusive = (await web.ok("POST", api(ids, "/topics", zhang), {"title": "物业都是傻逼", "body": ""}))[
            "topic"
        ]
        nonsense = (await web.ok("POST", api(ids, "/topics", zhang), {"title": "asdfgh", "body": ""}))[
            "topic"
        ]
        queue = {
            t["topic_id"]: t for t in (await li.ok("GET", f"/api/communities/{ids['a']}/topics"))["queue"]
        }
        assert queue[abusive["topic_id"]]["flags"] == ["abusive"]
        assert queue[abusive["topic_id"]]["title"] == "物业都是傻逼"  # the screener reads it as written
        assert queue[nonsense["topic_id"]]["flags"] == ["meaningless"]
        # Other residents see that it is there, not what it says; its author sees it as written.
        others = {t["topic_id"]: t for t in (await web.ok("GET", api(ids, "", li4)))["topics"]}
        assert others[abusive["topic_id"]]["title"] == "（内容待社工审核）"
        assert others[nonsense["topic_id"]]["title"] == "asdfgh"
        own = {t["topic_id"]: t for t in (await web.ok("GET", api(ids, "", zhang)))["topics"]}
        assert own[abusive["topic_id"]]["title"] == "物业都是傻逼"
        await li.ok(
            "POST",
            f"/api/communities/{ids['a']}/topics/{abusive['topic_id']}/reject",
            {"reason": "含不文明用语"},
        )
        after = {t["topic_id"]: t for t in (await web.ok("GET", api(ids, "", li4)))["topics"]}
        held = after[abusive["topic_id"]]
        assert (held["status"], held["reason"], held["title"]) == (
            "rejected",
            "含不文明用语",
            "（内容不予公开）",
        )


async def test_lists_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topics_api, "LIST_LIMIT", 2)
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await topics_world(admin, li, zhao)
        zhang, li4 = ids["personal"]["张三"], ids["personal"]["李四"]
        made = [
            (await web.ok("POST", api(ids, "/topics", zhang), {"title": title}))["topic"]["topic_id"]
            for title in ("东门路灯坏了", "南门垃圾桶太臭", "3号楼楼道堆满杂物")
        ]
        await web.ok("POST", api(ids, f"/topics/{made[2]}/support", li4), {})
        listed = await web.ok("GET", api(ids, "", li4))
        assert listed["total"] == 3 and listed["topics"][0]["topic_id"] == made[2]  # the hottest
        assert len(listed["topics"]) == 2
        queue = await li.ok("GET", f"/api/communities/{ids['a']}/topics")
        assert (queue["pending"], [t["topic_id"] for t in queue["queue"]]) == (3, made[:2])  # oldest first
        assert (queue["total"], len(queue["topics"])) == (3, 2)


async def test_two_processes_on_one_redis_share_topics(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis")
    try:
        async with (
            staff_server(tmp_path / "a", redis_url=redis.url) as one,
            staff_server(tmp_path / "b", redis_url=redis.url) as two,
            clients(one.url, 4) as (admin, li, zhao, web_one),
            clients(two.url, 1) as (web_two,),
        ):
            ids = await topics_world(admin, li, zhao)
            zhang, li4 = ids["personal"]["张三"], ids["personal"]["李四"]
            topic = (await web_one.ok("POST", api(ids, "/topics", zhang), {"title": PARKING}))["topic"]
            # The other process's engine catches up from the shared stream: it offers the topic at once.
            similar = (await web_two.ok("GET", api(ids, "/similar", li4) + "&q=车库晚上车位不够"))["similar"]
            assert [t["topic_id"] for t in similar] == [topic["topic_id"]]
            await web_two.ok("POST", api(ids, f"/topics/{topic['topic_id']}/support", li4), {})
            url = api(ids, f"/topics/{topic['topic_id']}/support", li4)
            await refused(web_one, "POST", url, {}, 409, "duplicate")  # one support, whichever process
            mod = f"/api/topics/{ids['a']}/screening/{topic['topic_id']}/accept?t={ids['moderator']}"
            await web_two.ok("POST", mod, {})
            seen = (await web_one.ok("GET", api(ids)))["topics"]
            assert [(t["status"], t["supporters"]) for t in seen] == [("accepted", 1)]
    finally:
        redis.stop()


async def test_a_leaked_topics_link_is_revoked(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await topics_world(admin, li, zhao)
        a, old = ids["a"], ids["topics_link"]
        again = await li.ok("POST", f"/api/communities/{a}/topics-link", {})
        assert token_of(again["url"]) == old  # the same link until it is revoked
        rotated = await li.ok("POST", f"/api/communities/{a}/topics-link/rotate", {})
        new = token_of(rotated["url"])
        assert new != old
        body = {"title": PARKING, "name": "陈七", "building": "9号楼"}
        message = await refused(web, "POST", api(ids, "/topics", old), body, 403, "link_revoked")
        assert "作废" in message
        status, page = await web.call("GET", f"/c/{a}/topics?t={old}")
        assert status == 403 and "作废" in page["_text"]
        await web.ok("POST", api(ids, "/topics", new), body)
        await refused(zhao, "POST", f"/api/communities/{a}/topics-link/rotate", {}, 403, "forbidden")
        status, answer = await li.call("POST", f"/api/communities/{a}/topics-link/rotate", {}, csrf=False)
        assert (status, answer["error"]["code"]) == (403, "csrf")
