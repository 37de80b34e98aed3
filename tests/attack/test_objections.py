"""Attacks on 公示 objections in a meeting without a roster: one resident, one objection — objecting from
the phone and again on paper at the counter (the recorder typing the resident's name, as the form asks)
is the same resident twice, in either order."""

from __future__ import annotations

from pathlib import Path

from .meeting import open_meeting


async def test_a_paper_objection_does_not_count_a_resident_who_objected_online_twice(tmp_path: Path) -> None:
    async with open_meeting(tmp_path) as (_, _, peers):
        mod, rec, wang, li, zhao = peers
        for motion, title in (("m1", "东门停车"), ("m2", "南门绿化")):
            await wang.ok("MoveMotion", title=title, text=title + "方案。")
            await li.ok("SecondMotion", motion_id=motion)
            await mod.ok("OpenVote", motion_id=motion)
            for p in (wang, li, zhao):
                await p.ok("CastVote", motion_id=motion, choice="yes")
            await mod.ok("CloseVote", motion_id=motion)
        await mod.ok("CloseMeeting")
        await rec.wait_for(lambda: rec.view.get("minutes") is not None)
        await rec.ok("PublishMinutes")

        # Online first, then on paper under her name (also as typed with a trailing blank).
        await wang.ok("ObjectToResolution", resolution_id="r1", reason="收费太高")
        ack = await rec.cmd("ObjectToResolution", resolution_id="r1", objector="王阿姨", reason="书面")
        assert not ack["ok"] and ack["error"]["code"] == "duplicate", ack
        ack = await rec.cmd("ObjectToResolution", resolution_id="r1", objector="王阿姨 ", reason="书面")
        assert not ack["ok"] and ack["error"]["code"] == "duplicate", ack
        # On paper first, then online.
        await rec.ok("ObjectToResolution", resolution_id="r2", objector="李师傅", reason="书面")
        ack = await li.cmd("ObjectToResolution", resolution_id="r2", reason="网上")
        assert not ack["ok"] and ack["error"]["code"] == "duplicate", ack
        # Somebody else's paper objection still counts.
        await rec.ok("ObjectToResolution", resolution_id="r1", objector="赵大姐", reason="书面")
        await rec.wait_for(lambda: rec.view["minutes"]["objections"] == {"r1": 2, "r2": 1})
