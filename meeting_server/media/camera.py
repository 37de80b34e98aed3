"""The hall camera: a receive-only WebRTC video connection whose latest picture becomes the livestream's.

:class:`CameraPeers` is a :class:`~.peers.PeerManager` for video (the same offer checks, one track, the same
connection lifecycle). aiortc decodes every frame in its own thread; the consumer keeps only what the HLS
encoder can use — at most ``fps`` frames a second (``[live] camera_fps``), which the encoder's worker scales
(:func:`fit`: letterboxed, not stretched) to its 640×360 RGB — and reports ``None`` when no frame came for
``stale_s`` (a camera unplugged while the connection stays up), so the stream falls back to the still card.
:func:`overlay` draws the speaker and the clock in a bar at the bottom of a picture (in the worker too).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import av
import numpy as np
import numpy.typing as npt
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av.video.reformatter import VideoReformatter
from PIL import Image, ImageDraw

from .peers import Peer, PeerManager
from .still_card import HEIGHT, WIDTH, card_font

Picture = npt.NDArray[np.uint8]
FrameSink = Callable[[str, av.VideoFrame | None], None]
"""``on_frame(peer_key, frame)``: a decoded camera frame (any size; :func:`fit` and :func:`overlay` make it
the stream's picture, in the encoder's worker), or None when the camera went quiet. Called on the event loop:
it must be cheap."""


class CameraPeers(PeerManager):
    """Accepts video offers (the hall camera) and hands their pictures to ``on_frame``."""

    KIND = "video"

    def __init__(
        self, *, on_frame: FrameSink | None = None, fps: float = 12.0, stale_s: float = 3.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.on_frame = on_frame
        self.interval = 1.0 / fps
        self.stale_s = stale_s
        self.frames_in = 0  # decoded frames received (all of them)
        self.frames_out = 0  # pictures handed on

    async def _consume(self, peer: Peer, track: MediaStreamTrack) -> None:
        next_at = 0.0
        quiet = False
        while True:
            try:
                frame = await asyncio.wait_for(track.recv(), self.stale_s)
            except TimeoutError:
                if not quiet:
                    quiet = True
                    self._emit(peer.key, None)
                continue
            except MediaStreamError:
                self._lost(peer, "video track ended")
                return
            self.frames_in += 1
            now = time.monotonic()
            # A frame a little early (jitter) still counts; the schedule advances by the interval, so a
            # 15 fps camera thinned to 12 gives 12, not every other frame.
            if now < next_at - self.interval / 4 or not isinstance(frame, av.VideoFrame):
                continue
            next_at = max(next_at + self.interval, now)
            quiet = False
            self.frames_out += 1
            self._emit(peer.key, frame)

    def _emit(self, key: str, frame: av.VideoFrame | None) -> None:
        sink = self.on_frame
        if sink is not None:
            sink(key, frame)


_scalers = threading.local()


def fit(frame: av.VideoFrame) -> Picture:
    """The frame scaled to fit WIDTH × HEIGHT (aspect kept, black bars), as RGB. Safe to call from several
    threads on the same frame (the encoder's worker and the scale-out relay's): ``frame.reformat`` would
    share the one scaler PyAV caches on the frame between them, so each thread scales with its own."""
    scale = min(WIDTH / frame.width, HEIGHT / frame.height)
    w = max(2, min(WIDTH, round(frame.width * scale / 2) * 2))
    h = max(2, min(HEIGHT, round(frame.height * scale / 2) * 2))
    scaler = getattr(_scalers, "scaler", None)
    if scaler is None:
        scaler = _scalers.scaler = VideoReformatter()
    rgb = scaler.reformat(frame, width=w, height=h, format="rgb24").to_ndarray()
    if (w, h) == (WIDTH, HEIGHT):
        return np.ascontiguousarray(rgb, dtype=np.uint8)
    out = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    top, left = (HEIGHT - h) // 2, (WIDTH - w) // 2
    out[top : top + h, left : left + w] = rgb
    return out


def overlay(picture: Picture, speaker: str, clock: str) -> Picture:
    """The picture with a dark bar at the bottom: 「当前发言：…」 on the left, the clock on the right."""
    image = Image.fromarray(picture, "RGB")
    bar = Image.new("RGB", (WIDTH, 40), (0, 0, 0))
    image.paste(Image.blend(image.crop((0, HEIGHT - 40, WIDTH, HEIGHT)), bar, 0.6), (0, HEIGHT - 40))
    draw = ImageDraw.Draw(image)
    draw.text(
        (12, HEIGHT - 34), "当前发言：" + (speaker[:16] or "暂无"), font=card_font(22), fill=(255, 226, 140)
    )
    draw.text((WIDTH - 230, HEIGHT - 34), clock, font=card_font(20), fill=(230, 230, 230))
    return np.asarray(image, dtype=np.uint8)
