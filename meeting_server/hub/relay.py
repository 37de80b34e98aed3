"""Media between server processes (scale-out: ``[redis] url`` set), over Redis pub/sub: the base of the hall
camera's relay (``camera_relay``) and the meeting sound's (``audio_relay``).

A relay publishes on ``<prefix><meeting>`` and listens to ``<prefix>*``. A message is a JSON header line (its
``kind``, the sending process, whatever else the relay needs) and a binary body. Every publish of a relay goes
through one bounded queue in order (a slow Redis drops messages, it never holds up the media); each process
skips its own messages. The listener reconnects with a growing delay when Redis goes away. Redis is the
deployment's own (trusted); a message that does not parse is logged and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Coroutine
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class RedisRelay:
    """Subclasses set ``name`` and implement ``handle``; ``sent`` counts published messages with a body."""

    name = "relay"

    def __init__(self, url: str, prefix: str, queue_max: int) -> None:
        self._redis: aioredis.Redis = aioredis.from_url(url)
        self.prefix = prefix
        self.process = uuid.uuid4().hex  # this process, so it skips its own messages
        self._outbox: asyncio.Queue[tuple[str, bytes, bool]] = asyncio.Queue(queue_max)
        self._tasks: list[asyncio.Task[None]] = []
        self._running: set[asyncio.Task[None]] = set()  # work under way (kept referenced)
        self.sent = 0
        self.dropped = 0  # messages the full queue refused
        self.failed = 0  # publishes Redis refused or did not answer
        self.sent_bytes = 0

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(f()) for f in (self._listen, self._publish, *self.background())]

    def background(self) -> tuple[Any, ...]:
        """More coroutine functions to run while the relay runs."""
        return ()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._redis.aclose()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    # ------------------------------------------------------------------ sending
    def send(self, meeting_id: str, header: dict[str, Any], body: bytes = b"") -> bool:
        """Queue one message for the other processes; False (and a warning) when the queue is full."""
        message = json.dumps({**header, "process": self.process}, separators=(",", ":")).encode()
        message += b"\n" + body
        try:
            self._outbox.put_nowait((self.prefix + meeting_id, message, bool(body)))
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped & (self.dropped - 1) == 0:  # the 1st, 2nd, 4th, 8th… drop
                log.warning(
                    "%s of %s behind: %s dropped (%d so far)",
                    self.name,
                    meeting_id,
                    header["kind"],
                    self.dropped,
                )
            return False
        return True

    async def _publish(self) -> None:
        while True:
            channel, message, counted = await self._outbox.get()
            try:
                await self._redis.publish(channel, message)
                self.sent += counted
                self.sent_bytes += len(message)
            except (RedisError, OSError) as e:
                self.failed += 1
                if self.failed & (self.failed - 1) == 0:  # the 1st, 2nd, 4th… (the sound sends 50 a second)
                    log.warning("%s: publish failed (%s; %d so far)", self.name, e, self.failed)

    # ------------------------------------------------------------------ receiving
    async def handle(self, meeting_id: str, header: dict[str, Any], body: bytes) -> None:
        raise NotImplementedError

    async def _listen(self) -> None:
        delay = 0.2
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(self.prefix + "*")
                delay = 0.2
                async for message in pubsub.listen():
                    if message.get("type") == "pmessage":
                        await self._received(message["channel"].decode(), message["data"])
            except (RedisError, OSError) as e:
                log.warning("%s interrupted (%s); retrying in %.1f s", self.name, e, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _received(self, channel: str, data: bytes) -> None:
        meeting_id = channel.removeprefix(self.prefix)
        head, _, body = data.partition(b"\n")
        try:
            header = json.loads(head)
            if header["process"] == self.process:
                return
            await self.handle(meeting_id, header, body)
        except Exception:
            log.exception("%s: a message for %s skipped", self.name, meeting_id)
