"""Reading the livestream like a player: the master playlist, the newest segments decoded with PyAV, and the
picture told apart from the still card (its dark blue) by colour and motion."""

from __future__ import annotations

import asyncio
import fractions
import io
import itertools
import re
import time
from dataclasses import dataclass

import aiohttp
import av
import numpy as np
import numpy.typing as npt
from aiortc import VideoStreamTrack


@dataclass
class Stream:
    folder: str  # …/live/s/<token>/
    subs: str  # the subtitles playlist's URL


async def open_stream(s: aiohttp.ClientSession, base: str, meeting_id: str, token: str) -> Stream:
    live = f"{base}/m/{meeting_id}/live/"
    async with s.get(live + "index.m3u8?t=" + token) as r:
        assert r.status == 200
        master = await r.text()
    variant = re.search(r"^(s/.+)/stream\.m3u8$", master, re.M)
    subs = re.search(r'URI="(s/.+/subs\.m3u8)"', master)
    assert variant and subs, master
    return Stream(live + variant.group(1) + "/", live + subs.group(1))


async def segments(s: aiohttp.ClientSession, stream: Stream) -> list[str]:
    async with s.get(stream.folder + "stream.m3u8") as r:
        if r.status != 200:
            return []
        return re.findall(r"^(seg\d+\.ts)$", await r.text(), re.M)


def decode(data: bytes) -> list[npt.NDArray[np.uint8]]:
    """Every picture of one segment, as RGB (a fresh decoder: the segment must stand alone)."""
    with av.open(io.BytesIO(data)) as ts:
        return [f.to_ndarray(format="rgb24") for f in ts.decode(video=0)]


async def next_segment(s: aiohttp.ClientSession, stream: Stream, after: str = "") -> tuple[str, bytes]:
    """The first segment listed after ``after`` (by number), waiting for it."""
    done = int(after[3:-3]) if after else -1
    async with asyncio.timeout(30):
        while True:
            for name in await segments(s, stream):
                if int(name[3:-3]) > done:
                    async with s.get(stream.folder + name) as r:
                        assert r.status == 200
                        return name, await r.read()
            await asyncio.sleep(0.3)


def is_card(picture: npt.NDArray[np.uint8]) -> bool:
    """The still card: mostly its background colour (18, 52, 86)."""
    near = np.abs(picture.astype(np.int16) - np.array([18, 52, 86])).sum(axis=2) < 40
    return bool(near.mean() > 0.6)


def motion(pictures: list[npt.NDArray[np.uint8]]) -> float:
    """Mean absolute difference between consecutive pictures (0 for a still)."""
    diffs = [np.abs(a.astype(np.int16) - b.astype(np.int16)).mean() for a, b in itertools.pairwise(pictures)]
    return float(max(diffs, default=0.0))


class PatternTrack(VideoStreamTrack):
    """640×480 at ``fps``: a green field with a white bar sweeping across (a camera that moves)."""

    def __init__(self, fps: int = 10) -> None:
        super().__init__()
        self.fps = fps
        self.n = 0
        self._t0 = time.monotonic()
        self.flowing = asyncio.Event()  # clear it to stop sending while the connection stays up
        self.flowing.set()

    async def recv(self) -> av.VideoFrame:
        await self.flowing.wait()
        await asyncio.sleep(max(0.0, self._t0 + self.n / self.fps - time.monotonic()))
        img = np.zeros((480, 640, 3), dtype=np.uint8)
        img[:, :, 1] = 170
        x = (self.n * 23) % 600
        img[:, x : x + 40] = 255
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts, frame.time_base = self.n * 90000 // self.fps, fractions.Fraction(1, 90000)
        self.n += 1
        return frame
