"""Minutes on the real server over loopback: drafted when the meeting closes (and again when a late
caption arrives), edited and published by the recorder over socket.io, objections from a resident's phone,
the minutes page and the downloads behind the meeting's link tokens."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import aiohttp

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from meeting_server.hub.minutes import MINUTES
from tests.support.hub import Peer, running_server


def of_type(peer: Peer, kind: str) -> list[dict[str, Any]]:
    return [e for e in peer.events if e["type"] == kind]


async def test_draft_on_close_edit_publish_object_and_download(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        service = server.app[MINUTES]
        service.settings = dataclasses.replace(service.settings, draft_grace_s=0.2)
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod, rec, wang, li = (
            Peer(server.url, links[r]["token"])
            for r in ("moderator", "recorder", "participant", "participant")
        )
        peers = (mod, rec, wang, li)
        try:
            for p, name in zip(peers, ("主持人", "记录员", "王阿姨", "李师傅"), strict=True):
                await p.connect()
                assert (await p.join(name))["ok"]
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            await mod.ok("GrantFloor", participant_id=wang.participant_id)
            rt = await server.registry.get(mid)
            assert rt is not None and rt.state is not None and rt.state.floor is not None
            turn = rt.state.floor.turn_id
            system = Actor.system()
            text = "这件事由物业公司负责，下周五之前完成整改。"
            await server.registry.execute(
                rt, system, CommitCaption(turn, wang.participant_id, text, 0.5, 4.0)
            )
            await wang.ok("YieldFloor")
            await wang.ok("MoveMotion", title="东门停车", text="东门增设十个临时停车位。")
            await li.ok("SecondMotion", motion_id="m1")
            assert (await rec.cmd("CheckInInRoom", name="刘大爷", building="3号楼"))["ok"]
            await mod.ok("OpenVote", motion_id="m1")
            await wang.ok("CastVote", motion_id="m1", choice="yes")
            await li.ok("CastVote", motion_id="m1", choice="yes")
            await rec.ok("RecordShowOfHands", motion_id="m1", yes=1, no=0, abstain=0)
            await mod.ok("CloseVote", motion_id="m1")
            closed = await mod.ok("CloseMeeting")

            # Drafted by the server a moment after closing; a late caption makes a fresh draft.
            await rec.wait_for(lambda: len(of_type(rec, "MinutesDrafted")) == 1)
            first = of_type(rec, "MinutesDrafted")[0]
            assert first["actor"] == "system" and first["payload"]["basis_seq"] >= closed
            late = "我同意前面几位代表的意见。"
            await server.registry.execute(
                rt, system, CommitCaption(turn, wang.participant_id, late, 4.5, 6.0)
            )
            await rec.wait_for(lambda: len(of_type(rec, "MinutesDrafted")) == 2)
            assert rec.view["minutes"]["version"] == 2 and rec.view["minutes"]["status"] == "draft"

            async with aiohttp.ClientSession() as http:
                base = f"{server.url}/api/meetings/{mid}/minutes"
                rtok, ptok = links["recorder"]["token"], links["participant"]["token"]
                r = await http.get(f"{base}.json?t={rtok}")
                doc = await r.json()
                item = next(s for s in doc["sections"] if s["section_id"] == "item-0")
                speech = next(e for g in item["groups"] for e in g["entries"] if e["kind"] == "speech")
                summary = next(f for f in speech["fields"] if f["name"] == "text")
                assert "物业公司" in summary["value"] and summary["label"] == "发言摘要"
                assert doc["captions"] == 2 and doc["status"] == "draft"
                page = await (await http.get(f"{server.url}/m/{mid}/minutes?t={rtok}")).text()
                assert "审核与发布" in page and "王阿姨" in page and "物业公司" in page
                resident_page = await (await http.get(f"{server.url}/m/{mid}/minutes?t={ptok}")).text()
                assert "审核与发布" not in resident_page and "公示期异议" in resident_page
                assert (await http.get(f"{base}.md?t=forged")).status == 403
                assert (await http.get(f"{server.url}/api/meetings/nope/minutes.md?t={rtok}")).status == 403

                # The recorder edits (an event), publishes (frozen, hash in the log).
                edit = {"section_id": "item-0", "entry_id": speech["entry_id"], "field_name": "text"}
                edited = summary["value"] + "\n\n记录员补充：物业公司已确认。"
                await rec.ok("EditMinutes", **edit, text=edited)
                assert (await wang.cmd("EditMinutes", **edit, text="x"))["error"]["code"] == "forbidden"
                seq = await rec.ok("PublishMinutes")
                await rec.wait_seq(seq)
                published = of_type(rec, "MinutesPublished")[0]["payload"]
                assert (await rec.cmd("EditMinutes", **edit, text="y"))["error"]["code"] == "wrong_state"
                md = await (await http.get(f"{base}.md?t={ptok}")).text()
                assert (
                    "记录员补充：物业公司已确认。" in md
                    and published["minutes_hash"] in md
                    and "已发布" in md
                )
                for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK")):
                    r = await http.get(f"{base}.{fmt}?t={ptok}")
                    assert r.status == 200 and (await r.read()).startswith(magic)
                    assert "attachment" in r.headers["Content-Disposition"]

                # A resident objects from their phone: 1 of the 4 expected is 25 % > 20 %: flagged.
                seq = await wang.ok("ObjectToResolution", resolution_id="r1", reason="收费太高")
                await rec.wait_seq(seq)
                assert [e["type"] for e in rec.events[-2:]] == [
                    "ObjectionRaised",
                    "ResolutionFlaggedForRedeliberation",
                ]
                assert rec.view["minutes"]["flagged"] == ["r1"]
                md = await (await http.get(f"{base}.md?t={ptok}")).text()
                assert "已提请重新协商" in md
            assert service.drafts == 2
        finally:
            for p in peers:
                await p.close()


async def test_a_meeting_closed_without_minutes_is_drafted_at_start_up(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        service = server.app[MINUTES]
        service.settings = dataclasses.replace(service.settings, draft_grace_s=3600)  # stops before drafting
        created = await server.create_meeting()
        mid = created["meeting_id"]
        mod = Peer(server.url, created["links"]["moderator"]["token"])
        try:
            await mod.connect()
            await mod.join("主持人")
            await mod.ok("OpenMeeting")
            await mod.ok("CloseMeeting")
        finally:
            await mod.close()
    async with running_server(tmp_path) as server:
        rt = await server.registry.get(mid)
        assert rt is not None
        rec = Peer(server.url, created["links"]["recorder"]["token"])
        try:
            await rec.connect()
            await rec.wait_for(lambda: rec.view["minutes"] is not None)
            assert rec.view["minutes"]["status"] == "draft"
        finally:
            await rec.close()
