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

All publishes go through one queue in order (a ``stop`` never overtakes a picture), and a picture
compressed after its camera stopped is dropped. Redis is the deployment's own (trusted); a message that does
not parse is logged and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import av
import numpy as np
import redis.asyncio as aioredis
from PIL import Image
from redis.exceptions import RedisError

from meeting_server.media.camera import fit
from meeting_server.store.redis_log import PREFIX

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


class CameraRelay:
    """``on_frame(meeting, frame | None)``: a picture from another process's camera (None: it ended or went
    quiet), decoded only when ``wanted(meeting)`` (this process has an encoder for it); ``on_taken(meeting,
    device, page)``: a camera was started through another process."""

    def __init__(
        self, url: str, on_frame: RemoteFrame, on_taken: Taken, wanted: Callable[[str], bool]
    ) -> None:
        self._redis: aioredis.Redis = aioredis.from_url(url)
        self._release = self._redis.register_script(_RELEASE)
        self.process = uuid.uuid4().hex  # this process, so it skips its own messages
        self.on_frame = on_frame
        self.on_taken = on_taken
        self.wanted = wanted
        self._generation: dict[str, int] = {}  # meeting → bumped at each start/stop of its local camera
        self._busy: set[str] = set()  # meetings with a picture being compressed
        self._remote: dict[str, float] = {}  # meeting → when its last picture from elsewhere came
        self._refreshed: dict[str, float] = {}  # meeting → when its owner key's expiry was last renewed
        self._outbox: asyncio.Queue[tuple[str, bytes, bool]] = asyncio.Queue(QUEUE_MAX)
        self._tasks: list[asyncio.Task[None]] = []
        self._running: set[asyncio.Task[None]] = (
            set()
        )  # compressions and releases under way (kept referenced)
        self.sent = 0  # pictures published
        self.received = 0  # pictures from other processes handed on

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(f()) for f in (self._listen, self._publish, self._watch)]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._redis.aclose()

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
        self._send(meeting_id, {"kind": "start", "device": device, "page": page})

    def frame(self, meeting_id: str, frame: av.VideoFrame, device: str) -> None:
        """A picture of this process's camera; compressed off the event loop, skipped while the previous
        one still is."""
        if meeting_id in self._busy:
            return
        self._busy.add(meeting_id)
        generation = self._generation.get(meeting_id, 0)
        task = self._spawn(self._frame(meeting_id, frame, device, generation))
        task.add_done_callback(lambda _: self._busy.discard(meeting_id))

    def stopped(self, meeting_id: str, device: str) -> None:
        """This process's camera of the meeting ended: the others show the card again."""
        self._generation[meeting_id] = self._generation.get(meeting_id, 0) + 1
        self._refreshed.pop(meeting_id, None)
        self._send(meeting_id, {"kind": "stop"})
        self._spawn(self._forget(meeting_id, device))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

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
        self._send(meeting_id, {"kind": "frame"}, data)
        now = time.monotonic()
        if now - self._refreshed.get(meeting_id, 0.0) > OWNER_TTL_S / 3:
            self._refreshed[meeting_id] = now
            with contextlib.suppress(RedisError, OSError):
                await self._redis.set(OWNER + meeting_id, device, ex=OWNER_TTL_S)

    def _send(self, meeting_id: str, header: dict[str, Any], body: bytes = b"") -> None:
        message = json.dumps({**header, "process": self.process}).encode() + b"\n" + body
        try:
            self._outbox.put_nowait((FRAMES + meeting_id, message, bool(body)))
        except asyncio.QueueFull:
            log.warning("camera relay of %s behind: %s dropped", meeting_id, header["kind"])

    async def _publish(self) -> None:
        while True:
            channel, message, picture = await self._outbox.get()
            try:
                await self._redis.publish(channel, message)
                self.sent += picture
            except (RedisError, OSError) as e:
                log.warning("camera relay: publish failed (%s)", e)

    # ------------------------------------------------------------------ the other processes
    async def _listen(self) -> None:
        delay = 0.2
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(FRAMES + "*")
                delay = 0.2
                async for message in pubsub.listen():
                    if message.get("type") == "pmessage":
                        await self._received(message["channel"].decode(), message["data"])
            except (RedisError, OSError) as e:
                log.warning("camera relay interrupted (%s); retrying in %.1f s", e, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _received(self, channel: str, data: bytes) -> None:
        meeting_id = channel.removeprefix(FRAMES)
        head, _, body = data.partition(b"\n")
        try:
            header = json.loads(head)
            if header["process"] == self.process:
                return
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
        except Exception:
            log.exception("camera relay: a message for %s skipped", meeting_id)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(STALE_S / 3)
            now = time.monotonic()
            for meeting_id, at in list(self._remote.items()):
                if now - at > STALE_S:
                    del self._remote[meeting_id]
                    self.on_frame(meeting_id, None)
