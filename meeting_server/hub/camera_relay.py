"""The hall camera across server processes (scale-out: ``[redis] url`` set).

Each process that has a viewer of a meeting runs its own HLS encoder (``live_video``), but the camera's
WebRTC connection reaches one process only (the one its page's socket reached). So that every process's
stream shows it, the process that receives the camera publishes each picture it hands its own encoder
(scaled to the stream's 640×360, JPEG quality 80, in a worker thread; the tests' moving pattern is about
6 KB a picture, a real camera's more) on the Redis channel ``gongzhi:camera:<meeting>``; every other process
decodes it and gives it to its encoder of that meeting, if it has one. ``stop`` tells them the camera ended
(the card is back at once); a process that crashed is noticed after ``STALE_S`` without a picture.

One camera per meeting across processes: ``gongzhi:camera-owner:<meeting>`` names the device that sends it
(expiring ``OWNER_TTL_S`` after its last picture), so a reconnect through another process cannot take it
back, and ``start`` tells a process still holding an older camera of the meeting to close it.

All publishes go through one queue in order (a ``stop`` never overtakes a picture; ``relay.RedisRelay``,
shared with the sound's relay), and a picture compressed after its camera stopped is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import av
import numpy as np
from PIL import Image
from redis.exceptions import RedisError

from meeting_server.media.camera import fit
from meeting_server.store.redis_log import PREFIX

from .relay import RedisRelay

log = logging.getLogger(__name__)

FRAMES = PREFIX + "camera:"  # + meeting id: the channel of its camera's pictures
OWNER = PREFIX + "camera-owner:"  # + meeting id: the device whose camera the meeting shows
OWNER_TTL_S = 15
STALE_S = 3.0  # no picture from another process for this long: the card again (as for a local camera)
JPEG_QUALITY = 80
QUEUE_MAX = 8  # publishes waiting (a slow Redis drops pictures, never holds up the camera)

# Delete the owner key only while it still names this device (another may have taken the camera since).
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

RemoteFrame = Callable[[str, av.VideoFrame | None], None]
Taken = Callable[[str, str, str], Awaitable[None]]


def to_jpeg(frame: av.VideoFrame) -> bytes:
    out = io.BytesIO()
    Image.fromarray(fit(frame), "RGB").save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def from_jpeg(data: bytes) -> av.VideoFrame:
    with Image.open(io.BytesIO(data)) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return av.VideoFrame.from_ndarray(rgb, format="rgb24")


class CameraRelay(RedisRelay):
    """``on_frame(meeting, frame | None)``: a picture from another process's camera (None: it ended or went
    quiet), decoded only when ``wanted(meeting)`` (this process has an encoder for it); ``on_taken(meeting,
    device, page)``: a camera was started through another process."""

    name = "camera relay"

    def __init__(
        self, url: str, on_frame: RemoteFrame, on_taken: Taken, wanted: Callable[[str], bool]
    ) -> None:
        super().__init__(url, FRAMES, QUEUE_MAX)
        self._release = self._redis.register_script(_RELEASE)
        self.on_frame = on_frame
        self.on_taken = on_taken
        self.wanted = wanted
        self._generation: dict[str, int] = {}  # meeting → bumped at each start/stop of its local camera
        self._busy: set[str] = set()  # meetings with a picture being compressed
        self._remote: dict[str, float] = {}  # meeting → when its last picture from elsewhere came
        self._refreshed: dict[str, float] = {}  # meeting → when its owner key's expiry was last renewed
        self.received = 0  # pictures from other processes handed on

    def background(self) -> tuple[Any, ...]:
        return (self._watch,)

    # ------------------------------------------------------------------ the sending process
    async def owner(self, meeting_id: str) -> str | None:
        """The device whose camera the meeting shows, on whichever process (None: none)."""
        value = await self._redis.get(OWNER + meeting_id)
        return value.decode() if isinstance(value, bytes) else value

    async def claim(self, meeting_id: str, device: str, page: str) -> None:
        """This process's camera (``device``) is the meeting's from now on."""
        self._generation[meeting_id] = self._generation.get(meeting_id, 0) + 1
        await self._redis.set(OWNER + meeting_id, device, ex=OWNER_TTL_S)
        self._refreshed[meeting_id] = time.monotonic()
        self.send(meeting_id, {"kind": "start", "device": device, "page": page})

    def frame(self, meeting_id: str, frame: av.VideoFrame, device: str) -> None:
        """A picture of this process's camera; compressed off the event loop, skipped while the previous
        one still is."""
        if meeting_id in self._busy:
            return
        self._busy.add(meeting_id)
        generation = self._generation.get(meeting_id, 0)
        task = self.spawn(self._frame(meeting_id, frame, device, generation))
        task.add_done_callback(lambda _: self._busy.discard(meeting_id))

    def stopped(self, meeting_id: str, device: str) -> None:
        """This process's camera of the meeting ended: the others show the card again."""
        self._generation[meeting_id] = self._generation.get(meeting_id, 0) + 1
        self._refreshed.pop(meeting_id, None)
        self.send(meeting_id, {"kind": "stop"})
        self.spawn(self._forget(meeting_id, device))

    async def _forget(self, meeting_id: str, device: str) -> None:
        try:
            await self._release(keys=[OWNER + meeting_id], args=[device])
        except (RedisError, OSError) as e:
            log.warning("camera owner of %s not released (%s); it expires", meeting_id, e)

    async def _frame(self, meeting_id: str, frame: av.VideoFrame, device: str, generation: int) -> None:
        try:
            data = await asyncio.to_thread(to_jpeg, frame)
        except (ValueError, OSError, av.FFmpegError):
            log.exception("camera relay: a picture of %s could not be compressed", meeting_id)
            return
        if self._generation.get(meeting_id, 0) != generation:
            return  # the camera stopped (or was taken) meanwhile
        self.send(meeting_id, {"kind": "frame"}, data)
        now = time.monotonic()
        if now - self._refreshed.get(meeting_id, 0.0) > OWNER_TTL_S / 3:
            self._refreshed[meeting_id] = now
            with contextlib.suppress(RedisError, OSError):
                await self._redis.set(OWNER + meeting_id, device, ex=OWNER_TTL_S)

    # ------------------------------------------------------------------ the other processes
    async def handle(self, meeting_id: str, header: dict[str, Any], body: bytes) -> None:
        kind = header["kind"]
        if kind == "frame":
            self._remote[meeting_id] = time.monotonic()
            if self.wanted(meeting_id):
                frame = await asyncio.to_thread(from_jpeg, body)
                self.received += 1
                self.on_frame(meeting_id, frame)
        elif kind == "stop":
            if self._remote.pop(meeting_id, None) is not None:
                self.on_frame(meeting_id, None)
        elif kind == "start":
            self._generation[meeting_id] = self._generation.get(meeting_id, 0) + 1
            await self.on_taken(meeting_id, str(header["device"]), str(header["page"]))

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(STALE_S / 3)
            now = time.monotonic()
            for meeting_id, at in list(self._remote.items()):
                if now - at > STALE_S:
                    del self._remote[meeting_id]
                    self.on_frame(meeting_id, None)
