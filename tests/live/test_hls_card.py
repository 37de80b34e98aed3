"""The still card follows the floor at its next frame: over the real hub, the floor changes three times
(王阿姨, nobody, 李叔叔) and every frame of the HLS segments (read back with PyAV, each frame's stream time
from the segment's number and its time stamp) is matched against the card rendered for each name. Every frame
stamped after a change was acknowledged shows it, and the first one is the next tick of the video clock
(the card is rendered when the event is applied, and encoded at once, not at the next part)."""

from __future__ import annotations

import asyncio
import io
import itertools
from pathlib import Path

import aiohttp
import av
import numpy as np
import numpy.typing as npt

from meeting_server.hub.keys import LIVE_VIDEO
from meeting_server.media.hls import CARD_FPS, SEGMENT_S
from meeting_server.media.still_card import CardInfo, render_card
from tests.support.hub import Peer, running_server

from .helpers import next_segment, open_stream

LINE = (slice(90, 140), slice(30, 420))  # the 「当前发言：…」 line of the card


def timed_pictures(data: bytes) -> list[tuple[float, npt.NDArray[np.uint8]]]:
    """(seconds since the segment's start, RGB) for every frame of one segment."""
    out = []
    with av.open(io.BytesIO(data)) as ts:
        first = None
        for f in ts.decode(video=0):
            assert f.pts is not None and f.time_base is not None
            first = f.pts if first is None else first
            out.append((float((f.pts - first) * f.time_base), f.to_ndarray(format="rgb24")))
    return out


def speaker_on(picture: npt.NDArray[np.uint8], refs: dict[str, npt.NDArray[np.int16]]) -> str:
    """The name whose rendered card line is nearest to the picture's."""
    line = picture[LINE].astype(np.int16)
    return min(refs, key=lambda name: float(np.abs(line - refs[name]).mean()))


async def test_the_card_shows_a_floor_change_at_its_next_frame(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod, wang, li = (
            Peer(server.url, links[r]["token"]) for r in ("moderator", "participant", "participant")
        )
        try:
            for p in (mod, wang, li):
                await p.connect()
            await mod.join("主持人")
            await wang.join("王阿姨")
            await li.join("李叔叔")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            rt = await server.registry.get(mid)
            assert rt is not None and rt.state is not None
            title = rt.state.title
            refs = {
                n: render_card(CardInfo(title, n), "")[LINE].astype(np.int16)
                for n in ("", "王阿姨", "李叔叔")
            }
            async with aiohttp.ClientSession() as s:
                stream = await open_stream(s, server.url, mid, links["observer"]["token"])
                name, _ = await next_segment(s, stream)
                enc = server.app[LIVE_VIDEO].encoders[mid]
                changes: list[tuple[float, str]] = []  # (stream time when the change was acknowledged, name)
                for who, step in ((wang, "王阿姨"), (wang, ""), (li, "李叔叔")):
                    await asyncio.sleep(1.3)  # changes fall at different places between frames
                    if step:
                        await who.ok("RaiseHand")
                        await mod.ok("GrantFloor")
                    else:
                        await who.ok("YieldFloor")
                    changes.append((enc.stream_time, step))
                frames: list[tuple[float, str]] = []  # (stream time of the frame, the name it shows)
                done = int(name[3:-3])
                while not frames or frames[-1][0] < changes[-1][0] + SEGMENT_S:
                    name, data = await next_segment(s, stream, name)
                    n = int(name[3:-3])
                    assert n == done + 1, (name, done)  # read every segment, none skipped
                    done = n
                    start = n * SEGMENT_S
                    frames += [(start + t, speaker_on(p, refs)) for t, p in timed_pictures(data)]
        finally:
            for p in (mod, wang, li):
                await p.close()
    # The card is a frame at least each 1/CARD_FPS s, and one at the first tick after each change.
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(frames)]
    assert max(gaps) < 1 / CARD_FPS + 0.01, gaps
    tick = 1 / server.app[LIVE_VIDEO].settings.live.camera_fps
    # The encoder takes audio and pictures in order: every frame stamped after the ack's stream time shows
    # the change, and the first one is the next tick (1/camera_fps), not the next part (1/CARD_FPS).
    for at, speaker in frames:
        before = [n for t, n in changes if t <= at]
        expected = before[-1] if before else ""
        upcoming = [n for t, n in changes if at < t < at + 1 / CARD_FPS]
        assert speaker == expected or speaker in upcoming, (at, speaker, changes)
    for t, n in changes:
        first = next(at for at, speaker in frames if speaker == n and at > t - 1 / CARD_FPS)
        assert first <= t + tick + 0.01, (n, first - t)
    assert [n for _, n in frames][-1] == "李叔叔"
