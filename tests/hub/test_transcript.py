"""Transcript exports read from the event log: speaker names, agenda items, meeting-timeline times."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aiohttp

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from tests.support.hub import Peer, running_server


async def test_transcript_from_the_log(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod, wang = (
            Peer(server.url, links["moderator"]["token"]),
            Peer(server.url, links["participant"]["token"]),
        )
        try:
            for p in (mod, wang):
                await p.connect()
            await mod.join("主持人")
            await wang.join("王阿姨")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=1)
            server.clock.advance(10)
            await wang.ok("RaiseHand")
            await mod.ok("GrantFloor")
            rt = await server.registry.get(mid)
            assert rt is not None and rt.state is not None and rt.state.floor is not None
            turn = rt.state.floor.turn_id
            for text, start, end in [("我家住在六楼，", 0.5, 2.0), ("上下楼 --> 非常困难。\n\n", 2.2, 4.0)]:
                await server.registry.execute(
                    rt, Actor.system(), CommitCaption(turn, wang.participant_id or "", text, start, end)
                )
            token = links["observer"]["token"]
            async with aiohttp.ClientSession() as s:
                r = await s.get(f"{server.url}/api/meetings/{mid}/transcript.json?t={token}")
                assert r.status == 200
                captions = json.loads(await r.text())["captions"]
                r = await s.get(f"{server.url}/api/meetings/{mid}/transcript.srt?t={token}")
                srt = await r.text()
                r = await s.get(f"{server.url}/api/meetings/{mid}/transcript.vtt?t=forged")
                assert r.status == 403
            assert [c["speaker"] for c in captions] == ["王阿姨", "王阿姨"]
            assert captions[0]["agenda_item"] == "加装电梯"
            # The turn began 10 s after the meeting opened.
            assert abs(captions[0]["start"] - 10.5) < 0.01 and abs(captions[1]["end"] - 14.0) < 0.01
            assert "00:00:10,500 --> 00:00:12,000" in srt and "王阿姨" in srt
            assert srt.count("-->") == 2  # the spoken arrow cannot fake a cue timing
        finally:
            for p in (mod, wang):
                await p.close()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "meeting_server",
            "transcript",
            mid,
            "--format",
            "txt",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "王阿姨" in out.stdout and "六楼" in out.stdout
