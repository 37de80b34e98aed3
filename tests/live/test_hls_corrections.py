"""Caption corrections reach the livestream's WebVTT track: the recorder's 更正 rewrites the cue (every
subtitle segment fetched from then on shows the corrected text) and, since the cue's segment was already
published, a 「更正」 cue with the corrected text follows at the live edge."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from types import SimpleNamespace

import aiohttp

from meeting_server.core.captions import CaptionCorrected
from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from meeting_server.hub.keys import LIVE_VIDEO
from meeting_server.media.hls_playlists import Cue
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


async def test_a_cue_not_yet_published_is_only_rewritten(tmp_path: Path) -> None:
    """The live edge decides: a cue in the segment being encoded changes in place; one in a published segment
    changes in place and gets a 「更正」 cue now (stream time 10.5 s: the segment being encoded is
    [10, 11))."""
    async with running_server(tmp_path) as server:
        live = server.app[LIVE_VIDEO]
        live.encoders["m1"] = SimpleNamespace(started_at=time.time() - 10.5)  # type: ignore[assignment]
        live.cues["m1"] = [Cue(9.0, f"王阿姨（居民）：{SAID}", "c1"), Cue(10.2, "李伯（居民）：电梯", "c2")]
        live._speakers.update({("m1", "c1"): "王阿姨（居民）", ("m1", "c2"): "李伯（居民）"})
        live._correct("m1", CaptionCorrected("c2", "电梯坏了", "rec", 0.0))
        assert [c.text for c in live.cues["m1"]] == [f"王阿姨（居民）：{SAID}", "李伯（居民）：电梯坏了"]
        live._correct("m1", CaptionCorrected("c1", FIXED, "rec", 0.0))
        texts = [c.text for c in live.cues["m1"]]
        assert texts[:2] == [f"王阿姨（居民）：{FIXED}", "李伯（居民）：电梯坏了"]
        assert texts[2] == f"更正 王阿姨（居民）：{FIXED}" and 10.4 < live.cues["m1"][2].at < 11
        live._correct("m1", CaptionCorrected("c9", "别的会", "rec", 0.0))  # not in this stream: ignored
        assert len(live.cues["m1"]) == 3
        del live.encoders["m1"]
