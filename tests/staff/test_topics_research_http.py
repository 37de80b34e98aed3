"""会前调研 over HTTP on a real server: a 社工 assigns an accepted topic to three 议事代表; they draft,
submit and confirm the report through their personal links, with a PDF attached; every participant then
reads it on the topics list. Every wrong link, person, role and payload is refused explicitly; the
events survive a restart on the same SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from meeting_server.communities import community_stream
from meeting_server.store.eventlog import open_event_log
from tests.support.hub import DEMO_SPEC, make_settings
from tests.support.redis import RedisServer

from .helpers import Client, clients, sign_in, staff_server, street_with_two_communities
from .test_topics_http import refused
from .topics_helpers import tiny_png, token_of

REPS = ["张三", "李四", "王五", "赵七"]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REPORT = {
    "situation": "地库共 120 个车位，夜间缺口约 40 个",
    "demands": "希望夜间增加车位，禁止外来车辆占用",
    "proposal": "与周边单位错峰共享车位",
    "households": 36,
    "questionnaires": 120,
}


async def research_world(
    admin: Client, li: Client, zhao: Client, web: Client, topic: bool = True
) -> dict[str, Any]:
    """Community A: four 议事代表 and a plain resident, one meeting, one accepted topic (``topic``)."""
    ids: dict[str, Any] = await street_with_two_communities(admin)
    await sign_in(li, "li", "li-password")
    await sign_in(zhao, "zhao", "zhao-password")
    a = ids["a"]
    for i, name in enumerate(REPS):
        body = {"name": name, "building": "3号楼", "room": f"30{i}", "groups": ["议事代表"]}
        await li.ok("POST", f"/api/communities/{a}/persons", body)
    await li.ok("POST", f"/api/communities/{a}/persons", {"name": "钱八", "building": "5号楼", "room": "101"})
    meeting = await li.ok("POST", f"/api/communities/{a}/meetings", DEMO_SPEC)
    inv = await li.ok("GET", f"/api/communities/{a}/meetings/{meeting['meeting_id']}/invitations")
    ids["personal"] = {p["name"]: token_of(p["url"]) for p in inv["people"]}
    ids["person_id"] = {p["name"]: p["person_id"] for p in inv["people"]}
    ids["moderator"] = token_of(meeting["links"]["moderator"]["url"])
    ids["topics_link"] = token_of((await li.ok("POST", f"/api/communities/{a}/topics-link", {}))["url"])
    if not topic:
        return ids
    submitted = await web.ok(
        "POST",
        f"/api/topics/{a}/topics?t={ids['personal']['钱八']}",
        {"title": "地下车库晚上车位不够停", "body": "每天晚上九点以后地下车库就停满了"},
    )
    ids["topic"] = submitted["topic"]["topic_id"]
    await li.ok("POST", f"/api/communities/{a}/topics/{ids['topic']}/accept", {})
    return ids


def mine(ids: dict[str, Any], name: str, path: str = "") -> str:
    return f"/api/topics/{ids['a']}/research{path}?t={ids['personal'][name]}"


async def test_assign_draft_submit_confirm_and_read(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await research_world(admin, li, zhao, web)
        a, topic = ids["a"], ids["topic"]
        pid = ids["person_id"]
        reps = (await li.ok("GET", f"/api/communities/{a}/topics/representatives"))["representatives"]
        assert sorted(r["name"] for r in reps) == sorted(REPS)  # 钱八 is no 议事代表
        assign = f"/api/communities/{a}/topics/{topic}/research"
        msg = await refused(li, "POST", assign, {"person_ids": [pid["张三"], pid["李四"]]}, 400, "invalid")
        assert "至少需要 3 名议事代表" in msg
        body = {"person_ids": [pid["张三"], pid["李四"], pid["钱八"]]}
        assert "钱八（5号楼）不是议事代表" in await refused(li, "POST", assign, body, 400, "invalid")
        await refused(li, "POST", assign, {"person_ids": "x"}, 400, "invalid")
        await refused(li, "POST", assign, {"person_ids": [], "extra": 1}, 400, "invalid")
        await refused(zhao, "POST", f"/api/communities/{a}/topics/{topic}/research", body, 403, "forbidden")
        three = [pid[n] for n in REPS[:3]]
        answer = await li.ok("POST", assign, {"person_ids": three, "note": "两周内完成"})
        assert answer["research"]["status"] == "assigned" and answer["research"]["report"] is None
        await refused(li, "POST", assign, {"person_ids": three}, 409, "duplicate")

        # 张三 opens his tasks, uploads a PDF (told by its bytes) and saves a draft.
        tasks = (await web.ok("GET", mine(ids, "张三")))["tasks"]
        assert [t["topic_id"] for t in tasks] == [topic] and tasks[0]["can_edit"]
        assert (await web.ok("GET", mine(ids, "赵七")))["tasks"] == []
        up = mine(ids, "张三", "/files")
        status, file = await web.call("POST", up, data=PDF, headers={"Content-Type": "image/png"})
        assert status == 201 and file["kind"] == "pdf"
        png = await web.ok("POST", up, data=tiny_png(3), headers={"Content-Type": "application/pdf"})
        assert png["kind"] == "png"
        status, answer = await web.call("POST", up, data=b"GIF89a" + bytes(64))
        assert (status, answer["error"]["code"]) == (415, "unsupported_media_type")
        status, answer = await web.call("POST", up, data=PDF + bytes(10 * 1024 * 1024))
        assert (status, answer["error"]["code"]) == (413, "too_large")
        files = [
            {"file_id": file["file_id"], "name": "问卷汇总.pdf"},
            {"file_id": png["file_id"], "name": ""},
        ]
        draft = {"situation": "已走访 10 户", "households": 10, "files": files}
        saved = (await web.ok("POST", mine(ids, "张三", f"/{topic}/draft"), draft))["task"]
        assert saved["draft"]["households"] == 10 and saved["draft"]["files"][0]["kind"] == "pdf"
        # 李四 sees the shared draft; the topics link cannot act, nor can a non-member or a bad payload.
        assert (await web.ok("GET", mine(ids, "李四")))["tasks"][0]["draft"]["situation"] == "已走访 10 户"
        typed = f"/api/topics/{a}/research/{topic}/draft?t={ids['topics_link']}"
        msg = await refused(web, "POST", typed, {**draft, "name": "张三"}, 403, "forbidden")
        assert "本人的会议链接" in msg  # a typed name, even one on the roster, is nobody's signature
        await refused(web, "POST", typed, draft, 403, "forbidden")
        await refused(web, "POST", mine(ids, "赵七", f"/{topic}/draft"), draft, 403, "forbidden")
        await refused(web, "POST", mine(ids, "张三", f"/{topic}/draft"), {"households": "3"}, 400, "invalid")
        bad_file = {"files": [{"file_id": "0" * 32, "name": "x"}]}
        await refused(web, "POST", mine(ids, "张三", f"/{topic}/draft"), bad_file, 400, "invalid")
        msg = await refused(web, "POST", mine(ids, "李四", f"/{topic}/submit"), draft, 400, "invalid")
        assert msg == "请填写居民诉求"

        # 李四 submits; the list shows 待确认 and no report yet; 王五 and 张三 confirm.
        submitted = await web.ok("POST", mine(ids, "李四", f"/{topic}/submit"), {**REPORT, "files": files})
        assert submitted["task"]["status"] == "submitted" and not submitted["task"]["can_confirm"]
        await refused(web, "POST", mine(ids, "李四", f"/{topic}/confirm"), {}, 409, "duplicate")
        await refused(web, "POST", mine(ids, "张三", f"/{topic}/draft"), draft, 409, "wrong_state")
        listed = await web.ok("GET", f"/api/topics/{a}?t={ids['topics_link']}")
        research = next(t for t in listed["topics"] if t["topic_id"] == topic)["research"]
        assert (research["status_label"], research["report"]) == ("待确认", None)
        await web.ok("POST", mine(ids, "王五", f"/{topic}/confirm"), {})
        done = (await web.ok("POST", mine(ids, "张三", f"/{topic}/confirm"), {}))["task"]
        assert done["status"] == "complete" and all(m["confirmed"] for m in done["members"])

        # Every participant reads it, attachments too (any resident link of the community).
        listed = await web.ok("GET", f"/api/topics/{a}?t={ids['topics_link']}")
        research = next(t for t in listed["topics"] if t["topic_id"] == topic)["research"]
        assert research["status_label"] == "已完成" and research["members"] == REPS[:3]
        assert research["report"]["proposal"] == REPORT["proposal"]
        got = await web.http.get(
            server.url + f"/api/topics/{a}/research/files/{file['file_id']}?t={ids['topics_link']}"
        )
        assert got.status == 200 and got.headers["Content-Type"] == "application/pdf"
        assert await got.read() == PDF
        got = await web.http.get(server.url + f"/api/topics/{a}/research/files/{file['file_id']}")
        assert got.status == 403

    # A restart on the same SQLite file keeps the finished report.
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (web,):
        listed = await web.ok("GET", f"/api/topics/{a}?t={ids['topics_link']}")
        research = next(t for t in listed["topics"] if t["topic_id"] == topic)["research"]
        assert research["status"] == "complete" and research["report"]["households"] == 36
    # One stream, one chain: the research events verify with the roster's and the topics'.
    log = open_event_log(make_settings(tmp_path))
    try:
        stream = community_stream(ids["a"])
        assert (await log.verify(stream)).ok
        types = [r.type for r in await log.read(stream)]
        assert types[-5:] == [
            "ResearchAssigned",
            "ResearchDraftSaved",
            "ResearchSubmitted",
            "ResearchConfirmed",
            "ResearchConfirmed",
        ]
    finally:
        await log.close()


async def test_moderator_assigns_and_carries_over(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await research_world(admin, li, zhao, web)
        a, topic, pid = ids["a"], ids["topic"], ids["person_id"]
        screening = f"/api/topics/{a}/screening"
        reps = await web.ok("GET", f"{screening}/representatives?t={ids['moderator']}")
        assert len(reps["representatives"]) == 4
        body = {"person_ids": [pid[n] for n in REPS[1:]]}
        await refused(
            web, "POST", f"{screening}/{topic}/research?t={ids['personal']['张三']}", body, 403, "forbidden"
        )
        await web.ok("POST", f"{screening}/{topic}/research?t={ids['moderator']}", body)
        carry = f"/api/communities/{a}/topics/{topic}/carry-over"
        assert (await li.ok("POST", carry, {"reason": "重新协商"}))["carried_over"]
        await refused(li, "POST", carry, {}, 409, "duplicate")
        await refused(li, "POST", f"/api/communities/{a}/topics/nosuchtopic/carry-over", {}, 404, "not_found")


async def _finish_research(web: Client, li: Client, ids: dict[str, Any]) -> None:
    a, topic, pid = ids["a"], ids["topic"], ids["person_id"]
    await li.ok(
        "POST", f"/api/communities/{a}/topics/{topic}/research", {"person_ids": [pid[n] for n in REPS[:3]]}
    )
    await web.ok("POST", mine(ids, "张三", f"/{topic}/submit"), REPORT)
    for name in REPS[1:3]:
        await web.ok("POST", mine(ids, name, f"/{topic}/confirm"), {})


async def test_agenda_from_topics_and_the_timeline(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await research_world(admin, li, zhao, web)
        a, topic = ids["a"], ids["topic"]
        await _finish_research(web, li, ids)
        listed = (await li.ok("GET", f"/api/communities/{a}/agenda-topics"))["topics"]
        assert [(t["topic_id"], t["preselect"], t["research"]["status"]) for t in listed] == [
            (topic, False, "complete")
        ]
        # A meeting with the topic as an agenda item; a pending, unknown or doubled topic is refused.
        pending = await web.ok(
            "POST",
            f"/api/topics/{a}/topics?t={ids['personal']['钱八']}",
            {"title": "楼道灯坏了很久", "body": ""},
        )
        agenda = [{"title": "地下车库夜间停车", "planned_minutes": 20, "topic_id": topic}]
        spec = {**DEMO_SPEC, "agenda": agenda}
        meetings = f"/api/communities/{a}/meetings"
        bad = {**spec, "agenda": [{"title": "x", "topic_id": pending["topic"]["topic_id"]}]}
        assert "未被采纳" in await refused(li, "POST", meetings, bad, 400, "invalid")
        await refused(
            li, "POST", meetings, {**spec, "agenda": [{"title": "x", "topic_id": "nosuch1"}]}, 400, "invalid"
        )
        await refused(li, "POST", meetings, {**spec, "agenda": agenda * 2}, 400, "invalid")
        await refused(
            zhao, "POST", f"/api/communities/{ids['b']}/meetings", spec, 400, "invalid"
        )  # not B's topic
        meeting = await li.ok("POST", meetings, spec)
        participant = token_of(meeting["links"]["participant"]["url"])
        # The timeline, for the meeting's shared participant link too; a foreign or missing link is refused.
        tl = await web.ok("GET", f"/api/topics/{a}/topics/{topic}/timeline?t={participant}")
        kinds = [e["kind"] for e in tl["timeline"]]
        assert kinds[0] == "submitted" and kinds[-1] == "meeting" and kinds.count("research") == 3
        assert "screening" in kinds and tl["meetings"] == 1
        assert tl["timeline"][-1]["item"] == "地下车库夜间停车" and tl["timeline"][-1]["motions"] == []
        assert tl["research"]["report"]["proposal"] == REPORT["proposal"]
        await refused(web, "GET", f"/api/topics/{a}/topics/{topic}/timeline", None, 403, "no_token")
        await refused(
            web, "GET", f"/api/topics/{a}/topics/nosuch1/timeline?t={participant}", None, 404, "not_found"
        )
        status, page = await web.call("GET", f"/c/{a}/topics/{topic}?t={ids['topics_link']}")
        assert status == 200 and "议题进展" in page["_text"]
        status, page = await web.call("GET", f"/c/{a}/topics/{topic}?t=forged")
        assert status == 403
        status, page = await web.call("GET", f"/c/{a}/topics/screen?t={ids['moderator']}")
        assert status == 200 and "议题筛选" in page["_text"]  # not taken for a topic's timeline
        # 重新协商: carried over, it is pre-selected until a later meeting takes it up.
        server.clock.advance(600)
        await li.ok("POST", f"/api/communities/{a}/topics/{topic}/carry-over", {"reason": "方案需修改"})
        listed = (await li.ok("GET", f"/api/communities/{a}/agenda-topics"))["topics"]
        assert (listed[0]["preselect"], listed[0]["carried_over"], listed[0]["meetings"]) == (
            True,
            "方案需修改",
            1,
        )
        server.clock.advance(600)
        await li.ok("POST", meetings, spec)
        listed = (await li.ok("GET", f"/api/communities/{a}/agenda-topics"))["topics"]
        assert (listed[0]["preselect"], listed[0]["meetings"]) == (False, 2)
        tl = await web.ok("GET", f"/api/topics/{a}/topics/{topic}/timeline?t={ids['topics_link']}")
        assert tl["meetings"] == 2 and [e["kind"] for e in tl["timeline"]][-3:] == [
            "meeting",
            "carried_over",
            "meeting",
        ]


async def test_two_processes_on_one_redis_share_the_research(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis")
    try:
        async with (
            staff_server(tmp_path / "a", redis_url=redis.url) as one,
            staff_server(tmp_path / "b", redis_url=redis.url) as two,
            clients(one.url, 4) as (admin, li, zhao, web_one),
            clients(two.url, 1) as (web_two,),
        ):
            ids = await research_world(admin, li, zhao, web_one)
            topic, pid = ids["topic"], ids["person_id"]
            assign = f"/api/communities/{ids['a']}/topics/{topic}/research"
            await li.ok("POST", assign, {"person_ids": [pid[n] for n in REPS[:3]]})
            await web_two.ok("POST", mine(ids, "张三", f"/{topic}/submit"), REPORT)
            await web_one.ok("POST", mine(ids, "李四", f"/{topic}/confirm"), {})
            await refused(web_two, "POST", mine(ids, "李四", f"/{topic}/confirm"), {}, 409, "duplicate")
            done = (await web_two.ok("POST", mine(ids, "王五", f"/{topic}/confirm"), {}))["task"]
            assert done["status"] == "complete"
            listed = await web_one.ok("GET", f"/api/topics/{ids['a']}?t={ids['topics_link']}")
            assert listed["topics"][0]["research"]["report"]["situation"] == REPORT["situation"]
    finally:
        redis.stop()
