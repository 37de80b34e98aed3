"""Attacks on the minutes holding the recorder's link: the recorder writes the summaries, but what the
meeting decided — a vote's counts and result, a motion's wording and outcome, a resolution — comes from
the log and cannot be rewritten in the minutes (which the 公示 notice and the council read)."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from .meeting import open_meeting


async def test_the_recorder_cannot_rewrite_a_vote_motion_or_resolution(tmp_path: Path) -> None:
    async with open_meeting(tmp_path) as (server, created, peers):
        mid, links = created["meeting_id"], created["links"]
        mod, rec, wang, li, zhao = peers
        await wang.ok("MoveMotion", title="东门停车", text="东门增设十个临时停车位。")
        await li.ok("SecondMotion", motion_id="m1")
        await mod.ok("OpenVote", motion_id="m1")
        await wang.ok("CastVote", motion_id="m1", choice="yes")
        await li.ok("CastVote", motion_id="m1", choice="yes")
        await zhao.ok("CastVote", motion_id="m1", choice="no")
        await mod.ok("CloseVote", motion_id="m1")
        await mod.ok("CloseMeeting")
        await rec.wait_for(lambda: rec.view.get("minutes") is not None)
        async with aiohttp.ClientSession() as http:
            r = await http.get(f"{server.url}/api/meetings/{mid}/minutes.json?t={links['recorder']['token']}")
            doc = await r.json()
        item = next(s for s in doc["sections"] if s["section_id"] == "item-0")
        entries = [e for g in item["groups"] for e in g["entries"]]
        locked = [e for e in entries if e["kind"] in ("vote", "motion", "resolution")]
        assert {e["kind"] for e in locked} == {"vote", "motion", "resolution"}
        for e in locked:
            for f in e["fields"]:
                edit = {"section_id": "item-0", "entry_id": e["entry_id"], "field_name": f["name"]}
                ack = await rec.cmd("EditMinutes", **edit, text="合计 赞成 0、反对 3、弃权 0。结果：未通过")
                assert not ack["ok"] and ack["error"]["code"] == "forbidden", (e["kind"], f["name"], ack)
                assert "会议记录" in ack["error"]["message"]
        # The rest (the header, the summaries) stays the recorder's to write.
        header = next(s for s in doc["sections"] if s["section_id"] == "header")
        first = next(e for g in header["groups"] for e in g["entries"])
        await rec.ok(
            "EditMinutes",
            section_id="header",
            entry_id=first["entry_id"],
            field_name=first["fields"][0]["name"],
            text="阳光新城居民议事会（改）",
        )
