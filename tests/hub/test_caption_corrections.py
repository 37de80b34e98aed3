"""Caption corrections over socket.io: the recorder corrects, everyone is told, exports and minutes follow."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import aiohttp

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from meeting_server.hub.minutes import MINUTES
from tests.support.hub import Peer, running_server

SAID = "我建议在东门增设十个临时停车为。"
FIXED = "我建议在东门增设十个临时停车位，由物业负责。"


async def test_recorder_corrects_a_caption_and_the_record_follows(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        service = server.app[MINUTES]
        service.settings = dataclasses.replace(service.settings, draft_grace_s=0.05)
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod, rec, wang, obs = (
            Peer(server.url, links[role]["token"])
            for role in ("moderator", "recorder", "participant", "observer")
        )
        peers = (mod, rec, wang, obs)
        try:
            for p in peers:
                await p.connect()
            await mod.join("主持人")
            await rec.join("记录员")
            await wang.join("王阿姨")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            await mod.ok("GrantFloor", participant_id=wang.participant_id)
            rt = await server.registry.get(mid)
            assert rt is not None and rt.state is not None and rt.state.floor is not None
            cmd = CommitCaption(rt.state.floor.turn_id, wang.participant_id or "", SAID, 0.5, 3.0)
            await server.registry.execute(rt, Actor.system(), cmd)
            await obs.wait_for(lambda: any(e["type"] == "CaptionCommitted" for e in obs.events))
            committed = next(e for e in obs.events if e["type"] == "CaptionCommitted")
            assert committed["payload"]["caption_id"] == "c1"

            # Refusals are explicit acks, with a code the pages word in Chinese.
            assert (await wang.cmd("CorrectCaption", caption_id="c1", text=FIXED))["error"][
                "code"
            ] == "forbidden"
            assert (await mod.cmd("CorrectCaption", caption_id="c1", text=FIXED))["error"][
                "code"
            ] == "forbidden"
            assert (await rec.cmd("CorrectCaption", caption_id="c2", text=FIXED))["error"][
                "code"
            ] == "not_found"
            assert (await rec.cmd("CorrectCaption", caption_id="c1", text="  "))["error"]["code"] == "invalid"
            long = await rec.cmd("CorrectCaption", caption_id="c1", text="字" * 1001)
            assert long["error"]["code"] == "invalid"
            assert (await rec.cmd("CorrectCaption", caption_id=1, text=FIXED))["ok"] is False

            seq = await rec.ok("CorrectCaption", caption_id="c1", text=FIXED)
            await obs.wait_seq(seq)
            corrected = next(e for e in obs.events if e["seq"] == seq)
            assert corrected["type"] == "CaptionCorrected"
            assert corrected["payload"]["caption_id"] == "c1" and corrected["payload"]["text"] == FIXED
            assert corrected["payload"]["by"] == rec.participant_id

            token = links["observer"]["token"]
            async with aiohttp.ClientSession() as s:
                r = await s.get(f"{server.url}/api/meetings/{mid}/transcript.json?t={token}")
                assert r.status == 200
                captions = json.loads(await r.text())["captions"]
                srt = await (await s.get(f"{server.url}/api/meetings/{mid}/transcript.srt?t={token}")).text()
            assert [c["text"] for c in captions] == [FIXED]
            assert FIXED in srt and SAID not in srt

            # After the meeting: a second correction, and the drafted minutes read it.
            await wang.ok("YieldFloor")
            await mod.ok("CloseMeeting")
            await rec.wait_for(lambda: rec.view.get("minutes") is not None)
            again = FIXED.replace("物业", "物业公司")
            await rec.ok("CorrectCaption", caption_id="c1", text=again)
            ptoken = links["participant"]["token"]

            async def minutes_md() -> str:
                async with aiohttp.ClientSession() as s:
                    r = await s.get(f"{server.url}/api/meetings/{mid}/minutes.md?t={ptoken}")
                    assert r.status == 200
                    return await r.text()

            # The correction redrafts the unedited draft (after the grace period): the speaker's summary
            # reads it, not only the transcript appendix (which always shows the corrected text).
            def speech(md: str) -> str:
                return next(line for line in md.splitlines() if line.startswith("1. **王阿姨**"))

            md = await minutes_md()
            for _ in range(100):
                if again in speech(md):
                    break
                await asyncio.sleep(0.1)
                md = await minutes_md()
            assert again in speech(md) and SAID not in md
            assert md.count(again) >= 2  # the summary and the appendix
        finally:
            for p in peers:
                await p.close()
