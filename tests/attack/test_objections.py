"""Attacks on 公示 objections in a meeting without a roster: one resident, one objection — objecting from
the phone and again on paper at the counter (the recorder typing the resident's name, as the form asks)
is the same resident twice, in either order."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from meeting_server.hub.minutes import MINUTES
from tests.support.hub import Peer, running_server


async def test_a_paper_objection_does_not_count_a_resident_who_objected_online_twice(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        service = server.app[MINUTES]
        service.settings = dataclasses.replace(service.settings, draft_grace_s=0.1)
        created = await server.create_meeting()
        links = created["links"]
        mod, rec, wang, li, zhao = (
            Peer(server.url, links[r]["token"])
            for r in ("moderator", "recorder", "participant", "participant", "participant")
        )
        peers = (mod, rec, wang, li, zhao)
        try:
            for p, name in zip(peers, ("主持人", "记录员", "王阿姨", "李师傅", "赵大姐"), strict=True):
                await p.connect()
                assert (await p.join(name))["ok"]
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
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
        finally:
            for p in peers:
                await p.close()
