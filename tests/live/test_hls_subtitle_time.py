"""The subtitles' X-TIMESTAMP-MAP matches the media: a real server's segment is demuxed (FFmpeg's own MPEG-TS
demuxer through PyAV, not the server's ``ts_cut``) and a caption's cue, mapped to media time the way
RFC 8216 §3.5 says a player must, lands at the stream time it was committed at: the time of the segment's
first video frame (stream time ``n`` for segment ``n``) plus the cue's offset into the segment."""

from __future__ import annotations

import asyncio
import io
import re
from fractions import Fraction
from pathlib import Path

import aiohttp
import av

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from meeting_server.media.hls_playlists import SEGMENT_S
from tests.support.hub import Peer, running_server

from .helpers import open_stream

SAID = "三号楼电梯又停了"
MAP = re.compile(r"^X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:(\d\d):(\d\d):(\d\d)\.(\d{3})$", re.M)
CUE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> ", re.M)


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _video_pts(data: bytes) -> list[int]:
    """The PTS (90 kHz) of every video frame in one segment, as the demuxer reads them."""
    with av.open(io.BytesIO(data), "r") as ts:
        video = ts.streams.video[0]
        assert video.time_base == Fraction(1, 90_000)
        return sorted(p.pts for p in ts.demux(video) if p.pts is not None)


async def test_a_cue_maps_to_the_media_time_of_its_stream_time(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod, wang = (Peer(server.url, links[r]["token"]) for r in ("moderator", "participant"))
        try:
            for p in (mod, wang):
                await p.connect()
            await mod.join("主持人")
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
                name, vtt = "", ""
                async with asyncio.timeout(30):
                    while not vtt:
                        async with s.get(stream.subs) as r:
                            names = re.findall(r"^(sub\d+\.vtt)$", await r.text(), re.M)
                        for n in names:
                            async with s.get(stream.folder + n) as r:
                                text = await r.text()
                            if SAID in text:
                                name, vtt = n, text
                        await asyncio.sleep(0.3)
                index = int(name[3:-4])
                async with s.get(f"{stream.folder}seg{index}.ts") as r:
                    assert r.status == 200
                    pts = _video_pts(await r.read())
        finally:
            for p in (mod, wang):
                await p.close()

    found = MAP.search(vtt)
    cue = CUE.search(vtt)
    assert found and cue, vtt
    mpegts, local = int(found.group(1)), _seconds(*found.groups()[1:])
    at = _seconds(*cue.groups())
    assert index * SEGMENT_S <= at < (index + 1) * SEGMENT_S  # the cue is in its segment's time
    # The segment's first frame (a key frame at its start) is stream time index·SEGMENT_S, so the cue's
    # media time is that frame's PTS plus the cue's offset into the segment (1 ms for the cue's rounding).
    media = mpegts + (at - local) * 90_000
    expected = pts[0] + (at - index * SEGMENT_S) * 90_000
    assert abs(media - expected) <= 90, (media, expected, pts[:3])
    assert pts[0] <= media < pts[0] + SEGMENT_S * 90_000
