"""执行监督 over HTTP on a real server: a meeting passes a resolution (a real vote), the 社工 opens its
execution record, members report with photos through their execution links, stop and restart; every
wrong link, role, record and payload is refused explicitly; overdue flags follow the fake clock; a
restart on the same SQLite file (or redis-server) keeps it all, and the community's chain verifies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from meeting_server.communities import community_stream
from meeting_server.store.eventlog import open_event_log
from tests.support.hub import FakeClock, make_settings

from .execution_helpers import GREEN, T0, pass_resolution
from .helpers import Client, clients, sign_in, staff_server
from .test_topics_http import refused
from .topics_helpers import tiny_png, token_of, topics_world

DAY = 86_400.0


async def open_record(li: Client, ids: dict[str, Any], resolution_id: str) -> dict[str, Any]:
    a = ids["a"]
    body = {
        "meeting_id": ids["meeting"],
        "resolution_id": resolution_id,
        "responsible": "阳光物业公司",
        "deadline": "2027-05-31",
        "members": [
            {"kind": "representative", "person_id": ids["person_id"]["张三"]},
            {"kind": "councillor", "person_id": ids["person_id"]["李四"]},
            {"kind": "professional", "name": "吴工程师"},
        ],
        "milestones": [
            {"title": "完成招标", "due": "2027-01-15"},
            {"title": "种植完成", "due": "2027-04-30"},
        ],
    }
    record: dict[str, Any] = (await li.ok("POST", f"/api/communities/{a}/executions", body))["record"]
    return record


async def member_links(li: Client, ids: dict[str, Any], record_id: str) -> dict[str, str]:
    links = await li.ok("GET", f"/api/communities/{ids['a']}/executions/{record_id}/links")
    return {link["name"]: token_of(link["url"]) for link in links["links"]}


async def test_record_reports_stop_restart_and_refusals(tmp_path: Path) -> None:
    clock = FakeClock()
    clock.now = T0
    async with (
        staff_server(tmp_path, clock=clock) as server,
        clients(server.url, 4) as (admin, li, zhao, web),
    ):
        ids = await topics_world(admin, li, zhao)
        a, b = ids["a"], ids["b"]
        resolution_id = await pass_resolution(server.url, ids)
        listed = await li.ok("GET", f"/api/communities/{a}/executions")
        assert [(r["title"], r["record_id"]) for r in listed["resolutions"]] == [(GREEN, None)]
        record = await open_record(li, ids, resolution_id)
        rid = record["record_id"]
        assert record["status_label"] == "未开始" and record["resolution_title"] == GREEN
        assert record["timeline"][0]["by"] == "李社工"
        assert [m["kind_label"] for m in record["members"]] == ["居民代表", "议事员", "专业人士"]
        assert "person_id" not in str(record["members"])  # names and capacities only
        # One record per resolution; only this community's resolutions; only roster residents as members.
        again = {"meeting_id": ids["meeting"], "resolution_id": resolution_id, "responsible": "x",
                 "deadline": "2027-05-31", "members": [{"kind": "professional", "name": "某人"}]}  # fmt: skip
        await refused(li, "POST", f"/api/communities/{a}/executions", again, 409, "duplicate")
        await refused(zhao, "POST", f"/api/communities/{a}/executions", again, 403, "forbidden")
        await refused(zhao, "POST", f"/api/communities/{b}/executions", again, 404, "not_found")
        fake = {**again, "resolution_id": "r9"}
        await refused(li, "POST", f"/api/communities/{a}/executions", fake, 404, "not_found")
        stranger = {**again, "members": [{"kind": "councillor", "person_id": "nobody00"}]}
        await refused(li, "POST", f"/api/communities/{a}/executions", stranger, 400, "not_on_roster")
        await refused(li, "POST", f"/api/communities/{a}/executions", {**again, "x": 1}, 400, "invalid")
        status, _ = await web.call("GET", f"/api/communities/{a}/executions")
        assert status == 401
        status, _ = await li.call(
            "POST", f"/api/communities/{a}/executions/{rid}/stop", {"reason": "x"}, csrf=False
        )
        assert status == 403

        links = await member_links(li, ids, rid)
        assert set(links) == {"张三", "李四", "吴工程师"}
        zhang = f"/api/execution/{a}/{rid}"
        q = "?t=" + links["张三"]
        png = tiny_png(33)
        s, up = await web.call("POST", zhang + "/photos" + q, data=png, headers={"Content-Type": "image/png"})
        assert s == 201, up
        await refused(web, "POST", zhang + "/photos" + q, None, 400, "invalid")  # no body
        s, bad = await web.call(
            "POST", zhang + "/photos" + q, data=b"GIF89a....", headers={"Content-Type": "image/png"}
        )
        assert (s, bad["error"]["code"]) == (415, "unsupported_media_type")
        report = {"text": "物业已发布招标公告，现场已围挡。", "photos": [up["photo_id"]]}
        got = await web.ok("POST", zhang + "/reports" + q, report)
        assert got["record"]["status_label"] == "进行中" and got["me"]["name"] == "张三"
        shown = got["record"]["timeline"][-1]
        assert shown["by"] == "张三" and len(shown["photos"]) == 1
        async with web.http.get(server.url + shown["photos"][0]) as r:  # the public page's photo, no login
            assert r.status == 200 and await r.read() == png
        s, _ = await web.call("GET", f"/api/public/execution/{a}/{rid}/photos/{'0' * 32}")
        assert s == 404  # only the photos its reports show

        # Refusals for members: no link, another record's, a forged one, a staff-only action, bad bodies.
        await refused(web, "POST", zhang + "/reports", report, 403, "no_token")
        await refused(
            web, "POST", zhang + "/reports?t=" + links["张三"][:-3] + "abc", report, 403, "forged_token"
        )
        await refused(web, "POST", zhang + "/reports?t=" + ids["personal"]["张三"], report, 403, "bad_token")
        msg = await refused(web, "POST", zhang + "/complete" + q, {}, 403, "forbidden")
        assert msg == "只有本社区社工可以进行此操作"  # the rules' table
        await refused(web, "POST", zhang + "/bogus" + q, {}, 404, "not_found")
        await refused(web, "POST", zhang + "/reports" + q, {"text": ""}, 400, "invalid")
        await refused(web, "POST", zhang + "/reports" + q, {"text": "x", "blocked": "yes"}, 400, "invalid")
        await refused(
            web, "POST", zhang + "/reports" + q, {"text": "x", "photos": ["f" * 32]}, 400, "invalid"
        )
        await refused(web, "POST", zhang + "/stop" + q, {"reason": ""}, 400, "invalid")
        await refused(web, "POST", zhang + "/restart" + q, {"reason": "未叫停"}, 409, "wrong_state")

        # 绿化: the professional stops the contractor who cut corners; the 社工 restarts after re-tender.
        wu = "?t=" + links["吴工程师"]
        stopped = await web.ok("POST", zhang + "/stop" + wu, {"reason": "苗木规格不符合同，偷工减料"})
        assert stopped["record"]["status_label"] == "已叫停"
        await refused(li, "POST", f"/api/communities/{a}/executions/{rid}/complete", {}, 409, "wrong_state")
        restarted = await li.ok(
            "POST", f"/api/communities/{a}/executions/{rid}/restart", {"reason": "已重新招标"}
        )
        assert restarted["record"]["status_label"] == "进行中"
        assert restarted["record"]["timeline"][-1]["by"] == "李社工"

        # Overdue: December's report is in; January's is missing by 1 February; the first milestone too.
        public = f"/api/public/execution/{a}/{rid}"
        assert (await web.ok("GET", public))["record"]["overdue"]["any"] is False
        clock.advance(62 * DAY)
        view = (await web.ok("GET", public))["record"]
        assert view["overdue"]["report_months"] == ["2027-01"]
        assert [m["overdue"] for m in view["milestones"]] == [True, False]

        # The 社工 (signed in again: 62 days passed) revokes 张三's link: it stops working; a fresh one works.
        await sign_in(li, "li", "li-password")
        member_id = next(m["member_id"] for m in view["members"] if m["name"] == "张三")
        await li.ok("POST", f"/api/communities/{a}/executions/{rid}/revoke", {"member_id": member_id})
        await refused(web, "GET", zhang + q, None, 403, "link_revoked")
        fresh = await member_links(li, ids, rid)
        assert (await web.ok("GET", zhang + "?t=" + fresh["张三"]))["me"]["name"] == "张三"

        # Milestones (a member marks one, the 社工 the other), then 验收; after it nothing more.
        first, second = (m["milestone_id"] for m in view["milestones"])
        staff = f"/api/communities/{a}/executions/{rid}"
        await web.ok("POST", zhang + "/milestone?t=" + fresh["张三"], {"milestone_id": first, "note": "中标"})
        await refused(li, "POST", staff + "/milestone", {"milestone_id": first}, 409, "duplicate")
        await refused(li, "POST", staff + "/milestone", {"milestone_id": "nope0000"}, 404, "not_found")
        msg = await refused(li, "POST", staff + "/complete", {}, 409, "wrong_state")
        assert "种植完成" in msg
        await li.ok("POST", staff + "/milestone", {"milestone_id": second})
        done = (await li.ok("POST", staff + "/complete", {"note": "验收合格"}))["record"]
        assert done["status_label"] == "已完成"
        # The missed January report stays on the record; nothing else is overdue once done.
        assert done["overdue"] == {
            "any": True,
            "report_months": ["2027-01"],
            "milestones": 0,
            "deadline": False,
        }
        await refused(web, "POST", zhang + "/reports?t=" + fresh["张三"], report, 409, "wrong_state")


async def test_restart_keeps_records(tmp_path: Path, redis_url: str) -> None:
    clock = FakeClock()
    clock.now = T0
    async with (
        staff_server(tmp_path, clock=clock, redis_url=redis_url) as server,
        clients(server.url, 4) as (admin, li, zhao, web),
    ):
        ids = await topics_world(admin, li, zhao)
        record = await open_record(li, ids, await pass_resolution(server.url, ids))
        rid = record["record_id"]
        links = await member_links(li, ids, rid)
        q = f"/api/execution/{ids['a']}/{rid}"
        await web.ok("POST", q + "/reports?t=" + links["李四"], {"text": "开工", "blocked": True})
        await web.ok("POST", q + "/stop?t=" + links["李四"], {"reason": "施工方偷工减料"})
        before = (await web.ok("GET", f"/api/public/execution/{ids['a']}/{rid}"))["record"]
        assert before["status_label"] == "已叫停"
    async with (
        staff_server(tmp_path, clock=clock, redis_url=redis_url) as server,
        clients(server.url, 1) as (web,),
    ):
        after = (await web.ok("GET", f"/api/public/execution/{ids['a']}/{rid}"))["record"]
        assert after == before
        await web.ok("POST", q + "/restart?t=" + links["李四"], {"reason": "已更换施工单位"})
    log = open_event_log(make_settings(tmp_path).with_overrides(redis={"url": redis_url}))
    try:
        stream = community_stream(ids["a"])
        report = await log.verify(stream)
        assert report.ok, report
        types = [r.type for r in await log.read(stream)]
        assert types[-4:] == [
            "ExecutionCreated",
            "ProgressReported",
            "ExecutionStopped",
            "ExecutionRestarted",
        ]
    finally:
        await log.close()


async def test_pages_refuse_wrong_links(tmp_path: Path) -> None:
    clock = FakeClock()
    clock.now = T0
    async with (
        staff_server(tmp_path, clock=clock) as server,
        clients(server.url, 4) as (admin, li, zhao, web),
    ):
        ids = await topics_world(admin, li, zhao)
        a, b = ids["a"], ids["b"]
        rid = (await open_record(li, ids, await pass_resolution(server.url, ids)))["record_id"]
        links = await member_links(li, ids, rid)
        page = f"/x/{a}/{rid}"
        status, html = await web.call("GET", page + "?t=" + links["张三"])
        assert status == 200 and "张三，您是本事项监督小组成员" in html["_text"]
        for query, code in [
            ("", 403),
            ("?t=" + ids["personal"]["张三"], 403),
            ("?t=" + links["张三"][:-2], 403),
        ]:
            status, html = await web.call("GET", page + query)
            assert status == code and "链接" in html["_text"], (query, status)
        status, _ = await web.call("GET", f"/x/{a}/aaaaaaaaaaaa?t=" + links["张三"])
        assert status == 403  # the link names another record
        status, html = await web.call("GET", f"/p/execution/{a}/{rid}")
        assert status == 200 and GREEN in html["_text"]  # public, no sign-in
        assert (await web.call("GET", f"/p/execution/{b}/{rid}"))[0] == 404
        assert (await web.call("GET", f"/api/public/execution/{b}/{rid}"))[0] == 404
        assert (await zhao.call("GET", f"/staff/c/{a}/execution"))[0] == 403
        assert (await li.call("GET", f"/staff/c/{a}/execution"))[0] == 200
        async with web.http.get(f"{server.url}/staff/c/{a}/execution", allow_redirects=False) as r:
            assert (r.status, r.headers["Location"]) == (302, "/staff/login")
