"""Publishing a worker's captions for one stream to its out key (see ``asr.redis_protocol``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis

from asr import redis_protocol as proto
from asr.service import AsrStream
from asr.stream import Caption

log = logging.getLogger(__name__)


class CaptionPublisher:
    """Captions of one job to its out key, in order, with progress every half second."""

    def __init__(self, client: aioredis.Redis, key: str, *, worker: str, key_ttl_s: int) -> None:
        self._client = client
        self._worker = worker
        self._ttl = key_ttl_s
        self.key = key
        self.stream: AsrStream | None = None
        self.abandoned = False
        self._queue: list[dict[str, str]] = []
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._sent_pos = -1.0
        self._stopping = False
        self.on_tick: Callable[[float], None] | None = None

    def pos(self) -> float:
        """Seconds of audio the local stream has processed."""
        s = self.stream
        return 0.0 if s is None else max(0.0, s.received_seconds - s.lag_seconds)

    def caption(self, caption: Caption) -> None:
        """``on_caption`` of the local stream: queue it (on the event loop)."""
        if not self.abandoned:
            self._queue.append(proto.caption_fields(caption, worker=self._worker, pos=self.pos()))
            self._wake.set()

    async def run(self) -> None:
        """Publish as captions come, and progress every half second, until ``stop``."""
        # a flag, not task.cancel(): on 3.11 wait_for() can swallow a cancellation that races its timeout
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.5)
            self._wake.clear()
            if not self._stopping:
                await self.flush()

    def stop(self) -> None:
        """End ``run`` (what is queued stays for a last ``flush``)."""
        self._stopping = True
        self._wake.set()

    async def flush(self, final: list[tuple[str, Any]] | None = None) -> None:
        """Publish what is queued (plus progress); ``final`` adds commands to the same transaction."""
        async with self._lock:
            pos = self.pos()
            if self.on_tick is not None:
                self.on_tick(pos)
            entries, self._queue = self._queue, []
            if pos != self._sent_pos and not entries and final is None:
                entries.append({"kind": "progress", "worker": self._worker, "pos": repr(round(pos, 3))})
            if not entries and final is None:
                return
            self._sent_pos = pos
            delay = 0.1
            while True:
                try:
                    pipe = self._client.pipeline(transaction=True)
                    for entry in entries:
                        pipe.xadd(self.key, entry)  # type: ignore[arg-type]
                    for name, args in final or []:
                        getattr(pipe, name)(*args)
                    pipe.expire(self.key, self._ttl)
                    await pipe.execute()
                    return
                except (aioredis.ConnectionError, aioredis.TimeoutError) as exc:
                    log.warning("Redis unavailable while publishing %s (%s); retrying", self.key, exc)
                    await asyncio.sleep(delay)
                    delay = min(2.0, delay * 2)
