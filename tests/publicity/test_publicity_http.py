"""公示 over HTTP on the real server: the public page without login, objections with personal links and at
the counter, each refusal with its code and Chinese message, day 7 on the fake clock, and a server that
was down at the deadline deciding on start."""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import pypdf
import pytest
import segno

from meeting_server.communities import Communities, community_stream
from meeting_server.ledger.anchors import ledger_stream
from meeting_server.web.keys import EVENT_LOG
from tests.invite.helpers import token_of
from tests.ledger.test_public_log import gongzhi
from tests.ledger.test_stamp import _qr_matrix
from tests.staff.helpers import clients, sign_in, staff_server
from tests.support.hub import DEMO_SPEC, FakeClock

from .driver import Published, published_resolution

DAY = 86_400.0


async def post(http: aiohttp.ClientSession, url: str, body: Any) -> tuple[int, dict[str, Any]]:
    async with http.post(url, json=body) as r:
        return r.status, await r.json()


async def test_public_page_objections_refusals_and_day_7(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        p = await published_resolution(server.url, staff)
        async with aiohttp.ClientSession(server.url) as http:
            page = await (await http.get(p.page)).text()  # no login, no link
            assert "3号楼2单元加装电梯" in page and "申请加装电梯一部" in page
            assert "表决范围：3号楼2单元住户" in page and "结果：通过" in page
            assert "公示剩余" in page and "7 天 0 小时" in page
            # The base: the unit's 4 voting residents (王阿姨 王叔叔 赵老师 孙阿姨), not the 3 who attended.
            assert '受影响居民 <strong id="base">4</strong> 人' in page and 'id="object-form"' not in page
            own = await (await http.get(p.page + "?t=" + p.token("王叔叔"))).text()
            assert "王叔叔，您可以提出异议" in own and 'id="object-form"' in own

            api = p.api + "/objections"
            # 王叔叔 did not attend; his personal link is enough.
            status, ack = await post(http, api, {"t": p.token("王叔叔"), "reason": "一楼住户不应分摊"})
            assert (status, ack) == (200, {"ok": True, "objections": 1, "base": 4})
            refusals = [
                ({"t": p.token("王叔叔"), "reason": "再说一次"}, 409, "duplicate"),
                ({"t": p.token("张三"), "reason": "我也反对"}, 400, "not_in_scope"),  # 5号楼
                ({"t": p.token("刘大爷"), "reason": "我也反对"}, 400, "not_in_scope"),  # no voting rights
                ({"t": p.token("孙阿姨"), "reason": "   "}, 400, "invalid"),
                ({"t": p.token("孙阿姨"), "reason": "长" * 501}, 400, "invalid"),
                ({"t": p.token("孙阿姨")}, 400, "invalid"),
                ({"t": p.c.links["participant"]["token"], "reason": "x"}, 403, "not_personal"),
                ({"t": "forged", "reason": "x"}, 403, "bad_token"),
                ({"reason": "x"}, 403, "no_token"),
            ]
            for body, want_status, code in refusals:
                status, ack = await post(http, api, body)
                assert (status, ack["ok"], ack["error"]["code"]) == (want_status, False, code), body
                assert any("\u4e00" <= ch <= "\u9fff" for ch in ack["error"]["message"])
            assert (await (await http.post(api, data=b"not json")).json())["error"]["code"] == "invalid"

            # At the counter: the recorder searches the roster of the scope and enters 赵老师's objection.
            search = await (await http.get(f"{p.api}/residents?t={p.recorder}&q=赵")).json()
            (zhao,) = search["residents"]
            assert (zhao["name"], zhao["objected"]) == ("赵老师", False)
            assert (await http.get(f"{p.api}/residents?t={p.token('王阿姨')}&q=")).status == 403
            body = {"t": p.recorder, "person_id": zhao["person_id"], "reason": "书面意见：费用过高"}
            assert (await post(http, api, body))[1]["objections"] == 2
            twice = await post(http, api, {"t": p.token("赵老师"), "reason": "同上"})
            assert twice[1]["error"]["code"] == "duplicate"  # one objection per person, any channel
            bad = {"t": p.recorder, "person_id": p.c.people["张三"]["person_id"], "reason": "x"}
            assert (await post(http, api, bad))[1]["error"]["code"] == "not_in_scope"

            # Day 7 on the server's clock: 2 of 4 objected (> 20 %): 重新协商, shown on the same page.
            server.clock.advance(7 * DAY - 60)
            await server.tick(p.meeting_id)
            assert "公示结果" not in await (await http.get(p.page)).text()
            server.clock.advance(61)
            await server.tick(p.meeting_id)
            page = await (await http.get(p.page)).text()
            assert "公示结果：重新协商" in page and "列入下次议事会议程" in page
            status, ack = await post(http, api, {"t": p.token("孙阿姨"), "reason": "晚了"})
            assert (status, ack["error"]["code"]) == (409, "wrong_state")
            rt = await server.registry.get(p.meeting_id)
            assert rt is not None and rt.state is not None and rt.state.minutes is not None
            assert dict(rt.state.minutes.decided) == {p.resolution_id: "redeliberate"}
            assert (await http.get(f"/p/{p.meeting_id}/nope")).status == 404

            # The outcome is anchored in the community's ledger, like the close and the publication.
            records = await server.registry.read_log(p.meeting_id)
            decided = next(r for r in records if r.type == "PublicityDecided")
            ledger = await server.app[EVENT_LOG].read(ledger_stream(p.c.community_id), 0)
            anchored = [(r.payload["kind"], r.payload["seq"], r.payload["record_hash"]) for r in ledger]
            assert ("publicity-decided", decided.seq, decided.hash) in anchored
            assert [k for k, _, _ in anchored].count("publicity-decided") == 1
            checked = gongzhi("verify", "--ledger", data_dir=tmp_path)
            assert checked.returncode == 0, checked.stdout + checked.stderr
            assert f"{ledger_stream(p.c.community_id)}: OK — {len(ledger)} entries" in checked.stdout

            # 重新协商 reached the community's stream, and the next meeting opens with it (once).
            stream = await server.app[EVENT_LOG].read(community_stream(p.c.community_id), 0)
            (carried,) = [r.payload for r in stream if r.type == "ResolutionCarriedOver"]
            assert (carried["meeting_id"], carried["resolution_id"]) == (p.meeting_id, p.resolution_id)
            assert (carried["title"], carried["objections"], carried["base"]) == ("3号楼2单元加装电梯", 2, 4)
            await sign_in(staff, "li", "li-password")  # a week later: the 社工 signs in again
            agendas = []
            for _ in range(2):
                created = await staff.ok("POST", f"/api/communities/{p.c.community_id}/meetings", DEMO_SPEC)
                rt_next = await server.registry.get(created["meeting_id"])
                assert rt_next is not None and rt_next.state is not None
                agendas.append([item.title for item in rt_next.state.agenda])
            plain = [item["title"] for item in DEMO_SPEC["agenda"]]
            assert agendas == [["重新协商：3号楼2单元加装电梯", *plain], plain]

            # The A4 notice: title, text, result, dates, the QR code, the head hash at publication.
            async with http.get(p.page + "/notice.pdf") as r:
                assert r.status == 200 and r.content_type == "application/pdf"
                pdf = pypdf.PdfReader(io.BytesIO(await r.read()))
            assert len(pdf.pages) == 1 and len(pdf.pages[0].images) == 2  # the page's and the stamp's
            text = re.sub(r"[\s\x00]+", "", pdf.pages[0].extract_text())
            records = await server.registry.read_log(p.meeting_id)
            head = next(r.hash for r in records if r.type == "MinutesPublished")
            for want in (
                "决议公示",
                "3号楼2单元加装电梯",
                "申请加装电梯一部",
                "结果：通过",
                "公示期：",
                "共4人",
            ):
                assert want in text, want
            assert head in text and f"/p/{p.meeting_id}/{p.resolution_id}" in text
            assert "公示结果：重新协商" in text
            # The ledger stamp: the key, ledger, seq and head `gongzhi verify --ledger` prints.
            checked = gongzhi("verify", "--ledger", data_dir=tmp_path)
            assert checked.returncode == 0, checked.stdout
            stream = ledger_stream(p.c.community_id)
            line = next(x for x in checked.stdout.splitlines() if x.startswith(stream + ":"))
            head, count = line.split("head ")[1].split()[0], int(line.split("— ")[1].split()[0])
            key = checked.stdout.split("ledger key ")[1].split()[0]
            assert f"存证台账{stream}·第{count}条" in text and f"台账末条哈希{head}" in text
            assert f"签名公钥{key}" in text
            stamp = {"head": head, "key": key, "ledger": stream, "seq": count}
            qr = segno.make(json.dumps(stamp, separators=(",", ":"), sort_keys=True), error="m")
            want = [[bool(v) for v in row] for row in qr.matrix]
            codes = [_qr_matrix(img.image, len(want)) for img in pdf.pages[0].images]
            assert want in codes  # one of the two codes holds exactly that payload


async def test_a_server_down_at_the_deadline_decides_on_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """…and if the community's stream missed the carry-over (the server stopped between the two appends),
    the next meeting's creation makes it up from the meeting's log."""
    clock = FakeClock()
    async with staff_server(tmp_path, clock=clock) as server, clients(server.url, 1) as (staff,):
        p: Published = await published_resolution(server.url, staff)
        async with aiohttp.ClientSession(server.url) as http:
            for name in ("王叔叔", "孙阿姨"):
                assert (await post(http, p.api + "/objections", {"t": p.token(name), "reason": "反对"}))[1][
                    "ok"
                ]
    clock.advance(8 * DAY)  # the server was down when the period ended

    async def lost(self: Communities, community_id: str, command: object) -> None:
        raise RuntimeError("the server stopped before the community's append")

    with monkeypatch.context() as m:
        m.setattr(Communities, "execute_carryover", lost)
        async with staff_server(tmp_path, clock=clock) as server:
            rt = await server.registry.get(p.meeting_id)
            assert rt is not None
            for _ in range(100):
                if rt.state is not None and rt.state.minutes is not None and rt.state.minutes.decided:
                    break
                await asyncio.sleep(0.05)
            assert rt.state is not None and rt.state.minutes is not None
            assert dict(rt.state.minutes.decided) == {p.resolution_id: "redeliberate"}
            async with aiohttp.ClientSession(server.url) as http:
                assert "公示结果：重新协商" in await (await http.get(p.page)).text()
    async with staff_server(tmp_path, clock=clock) as server, clients(server.url, 1) as (staff,):
        stream = await server.app[EVENT_LOG].read(community_stream(p.c.community_id), 0)
        assert not [r for r in stream if r.type == "ResolutionCarriedOver"]  # lost, as staged
        await sign_in(staff, "li", "li-password")
        created = await staff.ok("POST", f"/api/communities/{p.c.community_id}/meetings", DEMO_SPEC)
        rt_next = await server.registry.get(created["meeting_id"])
        assert rt_next is not None and rt_next.state is not None
        assert rt_next.state.agenda[0].title == "重新协商：3号楼2单元加装电梯"


async def test_a_topic_sent_back_by_publicity_runs_on_into_the_next_meeting(tmp_path: Path) -> None:
    """Topic → accepted → agenda item → passed → minutes published → 2 of 4 object → day 7: 重新协商. The
    next meeting's first item keeps the topic, once, though the form also pre-selects it; the topic's
    timeline lists both meetings."""
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        p = await published_resolution(server.url, staff, topic=True)
        a, topic = p.c.community_id, p.topic_id
        async with aiohttp.ClientSession(server.url) as http:
            for name in ("王叔叔", "孙阿姨"):
                ack = (await post(http, p.api + "/objections", {"t": p.token(name), "reason": "反对"}))[1]
                assert ack["ok"]
        server.clock.advance(7 * DAY + 1)
        await server.tick(p.meeting_id)
        stream = await server.app[EVENT_LOG].read(community_stream(a), 0)
        (carried,) = [r.payload for r in stream if r.type == "ResolutionCarriedOver"]
        assert (carried["resolution_id"], carried["topic_id"]) == (p.resolution_id, topic)

        await sign_in(staff, "li", "li-password")
        listed = (await staff.ok("GET", f"/api/communities/{a}/agenda-topics"))["topics"]
        row = next(t for t in listed if t["topic_id"] == topic)
        assert (row["preselect"], row["carried_over"], row["meetings"]) == (True, "公示结果：重新协商", 1)
        # The form sends the pre-selected topic as its own item: the carried item takes its place.
        own = {"title": "加装电梯（续）", "planned_minutes": 30, "topic_id": topic}
        spec = {**DEMO_SPEC, "agenda": [*DEMO_SPEC["agenda"], own]}
        created = await staff.ok("POST", f"/api/communities/{a}/meetings", spec)
        rt = await server.registry.get(created["meeting_id"])
        assert rt is not None and rt.state is not None
        agenda = [(i.title, i.topic_id) for i in rt.state.agenda]
        plain = [(item["title"], "") for item in DEMO_SPEC["agenda"]]
        assert agenda == [("重新协商：3号楼2单元加装电梯", topic), *plain]
        listed = (await staff.ok("GET", f"/api/communities/{a}/agenda-topics"))["topics"]
        row = next(t for t in listed if t["topic_id"] == topic)
        assert (row["preselect"], row["meetings"]) == (False, 2)

        link = token_of((await staff.ok("POST", f"/api/communities/{a}/topics-link", {}))["url"])
        tl = await staff.ok("GET", f"/api/topics/{a}/topics/{topic}/timeline?t={link}")
        entries = [(e["kind"], e.get("meeting_id")) for e in tl["timeline"]]
        assert tl["meetings"] == 2 and entries[-3:] == [
            ("meeting", p.meeting_id),
            ("carried_over", None),
            ("meeting", created["meeting_id"]),
        ]
        assert "重新协商" in tl["timeline"][-2]["text"]
