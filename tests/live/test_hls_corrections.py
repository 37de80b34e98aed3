"""Caption corrections reach the livestream's WebVTT track: the recorder's 更正 rewrites the cue (every
subtitle segment fetched from then on shows the corrected text) and, since the cue's segment was already
published, a 「更正」 cue with the corrected text follows at the live edge."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from tests.support.hub import Peer, running_server

from .helpers import open_stream

SAID = "楼道灯坏了三天"
FIXED = "楼道灯坏了三天，请物业今天修好"


async def _vtts(s: aiohttp.ClientSession, folder: str, subs: str) -> dict[str, str]:
    async with s.get(subs) as r:
        names = re.findall(r"^(sub\d+\.vtt)$", await r.text(), re.M)
    out = {}
    for name in names:
        async with s.get(folder + name) as r:
            assert (r.status, r.content_type) == (200, "text/vtt")
            out[name] = await r.text()
    return out


async def test_a_correction_reaches_the_subtitles(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod, rec, wang = (
            Peer(server.url, links[r]["token"]) for r in ("moderator", "recorder", "participant")
        )
        try:
            for p in (mod, rec, wang):
                await p.connect()
            await mod.join("主持人")
            await rec.join("记录员")
            await wang.join("王阿姨")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            await mod.ok("GrantFloor", participant_id=wang.participant_id)
            async with aiohttp.ClientSession() as s:
                stream = await open_stream(s, server.url, mid, links["observer"]["token"])
                rt = await server.registry.get(mid)
                assert rt is not None and rt.state is not None and rt.state.floor is not None
                cmd = CommitCaption(rt.state.floor.turn_id, wang.participant_id or "", SAID, 0.1, 1.0)
                await server.registry.execute(rt, Actor.system(), cmd)
                # Wait until a player has it: the segment with the cue is published.
                original = ""
                async with asyncio.timeout(30):
                    while not original:
                        for name, vtt in (await _vtts(s, stream.folder, stream.subs)).items():
                            if f"王阿姨（居民）：{SAID}\n" in vtt:
                                original = name
                        await asyncio.sleep(0.3)

                await rec.ok("CorrectCaption", caption_id="c1", text=FIXED)
                async with s.get(stream.folder + original) as r:
                    again = await r.text()
                assert f"王阿姨（居民）：{FIXED}" in again and f"{SAID}\n" not in again
                # Players that already have that segment see the correction in a later one.
                later = ""
                async with asyncio.timeout(30):
                    while not later:
                        for name, vtt in (await _vtts(s, stream.folder, stream.subs)).items():
                            if (
                                int(name[3:-4]) > int(original[3:-4])
                                and f"更正 王阿姨（居民）：{FIXED}" in vtt
                            ):
                                later = name
                        await asyncio.sleep(0.3)
        finally:
            for p in (mod, rec, wang):
                await p.close()
