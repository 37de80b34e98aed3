"""Attacks on the 议题征集 pages holding only a resident's link: what a held (abusive) topic says stays
held wherever a topic is shown — its list entry and its timeline answer the same."""

from __future__ import annotations

from pathlib import Path

from tests.staff.helpers import clients, staff_server
from tests.staff.topics_helpers import topics_world


async def test_a_rejected_abusive_topic_is_not_read_through_its_timeline(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await topics_world(admin, li, zhao)
        a, zhang, li4 = ids["a"], ids["personal"]["张三"], ids["personal"]["李四"]
        topic = (await web.ok("POST", f"/api/topics/{a}/topics?t={zhang}", {"title": "物业都是傻逼"}))[
            "topic"
        ]
        tid = topic["topic_id"]
        timeline = f"/api/topics/{a}/topics/{tid}/timeline?t="
        # Pending: held on both.
        assert (await web.ok("GET", timeline + li4))["topic"]["title"] == "（内容待社工审核）"
        await li.ok("POST", f"/api/communities/{a}/topics/{tid}/reject", {"reason": "含不文明用语"})
        listed = {t["topic_id"]: t for t in (await web.ok("GET", f"/api/topics/{a}?t={li4}"))["topics"]}
        assert listed[tid]["title"] == "（内容不予公开）"
        for token in (li4, ids["participant"], ids["topics_link"]):
            seen = (await web.ok("GET", timeline + token))["topic"]
            assert (seen["title"], seen["body"]) == ("（内容不予公开）", ""), token


async def test_a_typed_name_does_not_open_a_held_topic_written_under_it(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await topics_world(admin, li, zhao)
        a, link = ids["a"], ids["topics_link"]
        written = {"title": "物业都是傻逼", "name": "钱七", "building": "9号楼"}
        tid = (await web.ok("POST", f"/api/topics/{a}/topics?t={link}", written))["topic"]["topic_id"]
        # Anyone with the community's link can type 钱七 and 9号楼: that does not make them its author.
        for query in ("", "&name=钱七&building=9号楼"):
            listed = {
                t["topic_id"]: t for t in (await web.ok("GET", f"/api/topics/{a}?t={link}{query}"))["topics"]
            }
            assert (listed[tid]["title"], listed[tid]["body"]) == ("（内容待社工审核）", ""), query
        # The screener reads it as written.
        queue = (await li.ok("GET", f"/api/communities/{a}/topics"))["queue"]
        assert [t["title"] for t in queue if t["topic_id"] == tid] == ["物业都是傻逼"]
