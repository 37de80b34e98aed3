"""The meeting server's side of captions decoded by worker processes (``python -m asr worker``).

``RedisAsrService`` is a drop-in for ``asr.service.AsrService``: ``open_stream`` posts a job to the
jobs stream (consumer group ``asr-workers``); ``RedisAsrStream.feed`` batches audio and appends it
to the stream's audio key; one reader task per service follows every open stream's out key and
calls ``on_caption`` on the event loop. The key layout is in ``asr.redis_protocol``.

Exactly-once finals. A worker that dies is replaced by another that decodes the stream's audio
again from the start (it is all in Redis), so finals can arrive twice. ``FinalFilter`` keeps, per
stream, the end of the last delivered final (``last_end``) and treats each incoming final so:

1. ``start >= last_end - 0.05`` → new: delivered (finals of one decode never overlap: the policy
   starts each final at or after the previous one's end);
2. otherwise ``end <= last_end + 0.25`` → already delivered (a replayed final; the slack absorbs
   word-timing jitter if the replacement segmented slightly differently): skipped;
3. otherwise it straddles ``last_end``: the share of its characters proportional to the share of
   its time span before ``last_end`` is cut from the front (then leading punctuation), and the
   rest is delivered with ``start = last_end``; nothing left → skipped.

Replays are decoded like files (no partials skipped) until they pass the last published final,
which reproduces the original segmentation, so rule 3 is a fallback. Partials that end before
``last_end`` (stale replay output) are dropped; other partials may repeat.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from asr import redis_protocol as proto
from asr.service import AsrClosedError
from asr.settings import SAMPLE_RATE, AsrSettings, HallAsrSettings
from asr.stream import Caption
from asr.text import normalize_for_match

log = logging.getLogger(__name__)

_START_SLACK_S = 0.05
_DUP_SLACK_S = 0.25
_LEADING_PUNCT = "，。！？、；：,.!?;:… \u3000"
_JOBS_MAXLEN = 10_000  # unread jobs of a long-gone server are bounded too


class AsrTimeoutError(RuntimeError):
    """No worker finished a stream within ``close_timeout_s``."""


class AsrWorkerError(RuntimeError):
    """A worker reported that it could not caption a stream."""


class FinalFilter:
    """Delivers each final once across worker replays (rules in the module docstring)."""

    def __init__(self) -> None:
        self.last_end = float("-inf")
        self.skipped = 0
        self.trimmed = 0

    def accept(self, caption: Caption) -> Caption | None:
        """The caption to deliver, or None."""
        if caption.kind == "partial":
            return None if caption.end <= self.last_end + _DUP_SLACK_S else caption
        if caption.start >= self.last_end - _START_SLACK_S:
            self.last_end = max(self.last_end, caption.end)
            return caption
        if caption.end <= self.last_end + _DUP_SLACK_S:
            self.skipped += 1
            return None
        span = caption.end - caption.start
        cut = round(len(caption.text) * (self.last_end - caption.start) / span)
        rest = caption.text[cut:].lstrip(_LEADING_PUNCT)
        self.trimmed += 1
        start = self.last_end
        self.last_end = caption.end
        if not normalize_for_match(rest):
            return None
        return Caption("final", rest, round(start, 3), caption.end, caption.emitted_at)


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError)


class RedisAsrStream:
    """One speaker's audio to Redis, captions back (see ``RedisAsrService.open_stream``)."""

    def __init__(
        self,
        service: RedisAsrService,
        stream_id: str,
        on_caption: Callable[[Caption], None],
        job: dict[str, str],
        *,
        live: bool,
    ) -> None:
        self._service = service
        self.stream_id = stream_id
        self.live = live
        self.audio_key = proto.audio_key(service.prefix, stream_id)
        self.out_key = proto.out_key(service.prefix, stream_id)
        self.last_id: bytes = b"0-0"
        self.filter = FinalFilter()
        self.workers: set[str] = set()  # every worker that published for this stream
        self._on_caption = on_caption
        self._buf: list[np.ndarray] = []
        self._buf_samples = 0
        self._received_samples = 0
        self._sent_samples = 0
        self._pos = 0.0
        self._closing = False
        self._outbox: list[tuple[str, dict[Any, Any]]] = [
            (self.audio_key, {"kind": "open"}),
            (proto.jobs_key(service.prefix), job),
        ]
        loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._wake.set()
        self._done: asyncio.Future[None] = loop.create_future()
        self._sender = loop.create_task(self._send(), name=f"asr-send-{stream_id}")
        self._close_task: asyncio.Task[None] | None = None

    @property
    def received_seconds(self) -> float:
        """Audio fed so far, in seconds."""
        return self._received_samples / SAMPLE_RATE

    @property
    def lag_seconds(self) -> float:
        """Audio fed but not yet processed by a worker, in seconds."""
        return 0.0 if self._done.done() else max(0.0, self.received_seconds - self._pos)

    def feed(self, pcm: np.ndarray) -> None:
        """Queue float32 mono 16 kHz samples; returns at once (call on the event loop)."""
        if self._closing:
            raise AsrClosedError("feed() after close()")
        chunk = np.asarray(pcm, dtype=np.float32).reshape(-1)
        if not chunk.size:
            return
        self._buf.append(chunk.copy())
        self._buf_samples += chunk.size
        self._received_samples += chunk.size
        if self._buf_samples >= self._service.batch_samples:
            self._flush_buffer()

    def _flush_buffer(self) -> None:
        if not self._buf_samples:
            return
        pcm = np.concatenate(self._buf)
        self._buf, self._buf_samples = [], 0
        entry = {"kind": "pcm", "offset": str(self._sent_samples), "pcm": proto.encode_pcm(pcm)}
        self._sent_samples += pcm.size
        self._outbox.append((self.audio_key, entry))
        self._wake.set()

    async def close(self) -> None:
        """Send the end marker and wait until a worker has published every final.

        Raises:
            AsrTimeoutError: no worker finished within the service's ``close_timeout_s``.
            AsrWorkerError: the worker reported a failure for this stream.
        """
        if self._close_task is None:
            self._closing = True
            self._flush_buffer()
            self._outbox.append((self.audio_key, {"kind": "end", "offset": str(self._sent_samples)}))
            self._wake.set()
            self._close_task = asyncio.get_running_loop().create_task(self._close())
        await asyncio.shield(self._close_task)

    async def _close(self) -> None:
        try:
            await asyncio.wait_for(asyncio.shield(self._done), self._service.close_timeout_s)
        except TimeoutError:
            # keys are left to their TTL: a worker may still finish, and they help a post-mortem
            await self._service._forget(self, delete=False)
            raise AsrTimeoutError(
                f"no ASR worker finished stream {self.stream_id} within {self._service.close_timeout_s} s"
            ) from None
        except AsrWorkerError:
            await self._service._forget(self, delete=True)  # the worker ended the job: nothing will come
            raise
        except BaseException:
            await self._service._forget(self, delete=False)
            raise
        await self._service._forget(self, delete=True)

    async def _send(self) -> None:
        """Append queued audio (and the job) to Redis in order, retrying while Redis is away."""
        client = self._service.client
        prefix_jobs = proto.jobs_key(self._service.prefix)
        ttl = self._service.key_ttl_s
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._outbox = self._outbox, []
            if not batch:
                continue
            delay = 0.1
            while True:
                try:
                    pipe = client.pipeline(transaction=True)
                    for key, entry in batch:
                        if key == prefix_jobs:
                            pipe.xadd(key, entry, maxlen=_JOBS_MAXLEN, approximate=True)
                        else:
                            pipe.xadd(key, entry)
                    pipe.expire(self.audio_key, ttl)
                    await pipe.execute()
                    break
                except Exception as exc:
                    if not _transient(exc):
                        self._fail(exc)
                        return
                    if self._service._client is None:
                        return  # the service stopped
                    log.warning("Redis unavailable for stream %s (%s); retrying", self.stream_id, exc)
                    await asyncio.sleep(delay)
                    delay = min(2.0, delay * 2)
            if batch[-1][1].get("kind") == "end":
                return

    def _on_out(self, fields: proto.Fields) -> None:
        """One entry of the out key (called by the service's reader, on the loop)."""
        kind = proto.text(fields, "kind")
        self.workers.add(proto.text(fields, "worker"))
        self._pos = max(self._pos, proto.number(fields, "pos"))
        if kind in ("partial", "final"):
            caption = self.filter.accept(proto.caption_from(fields))
            if caption is not None:
                try:
                    self._on_caption(caption)
                except Exception:
                    log.exception("on_caption failed for stream %s", self.stream_id)
        elif kind == "done":
            if not self._done.done():
                self._done.set_result(None)
        elif kind == "error":
            self._fail(AsrWorkerError(proto.text(fields, "text")))

    def _fail(self, error: BaseException) -> None:
        if not self._done.done():
            self._done.set_exception(error)


class RedisAsrService:
    """Captions by ``asr.worker`` processes through Redis Streams; the API of ``AsrService``."""

    def __init__(
        self,
        settings: AsrSettings,
        *,
        redis_url: str,
        hall: HallAsrSettings | None = None,
        prefix: str = proto.DEFAULT_PREFIX,
        batch_s: float = 0.16,
        close_timeout_s: float = 300.0,
        key_ttl_s: int = proto.KEY_TTL_S,
        read_block_ms: int = 100,
    ) -> None:
        """Prepare the service.

        ``settings``: every stream field (``asr.settings.STREAM_FIELDS``: segmentation, language,
        prompt, beam sizes, filters) travels with each job and is what the worker decodes with;
        the model itself is the workers' configuration (``ENGINE_FIELDS``). ``batch_s``: audio per
        XADD. ``close_timeout_s``: how long ``close()`` waits for a worker (a replacement may
        have to re-decode a whole turn). ``key_ttl_s``: TTL of the per-stream keys. ``hall``: what
        the hall source's streams use instead (default: ``HallAsrSettings()``).
        """
        self.settings = settings
        self.redis_url = redis_url
        self.prefix = prefix
        self.batch_samples = max(512, round(batch_s * SAMPLE_RATE))
        self.close_timeout_s = close_timeout_s
        self.key_ttl_s = key_ttl_s
        self._read_block_ms = read_block_ms
        self._stream_settings = proto.stream_settings(settings)
        self._hall_stream_settings = proto.stream_settings((hall or HallAsrSettings()).apply(settings))
        self._client: aioredis.Redis | None = None
        self._streams: dict[bytes, RedisAsrStream] = {}
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._running = False

    @property
    def client(self) -> aioredis.Redis:
        """The Redis client (after ``start``)."""
        if self._client is None:
            raise AsrClosedError("RedisAsrService.start() has not run (or stop() has)")
        return self._client

    async def start(self) -> None:
        """Connect, make sure the jobs stream and its consumer group exist, start reading."""
        if self._client is not None:
            return
        client = aioredis.Redis.from_url(self.redis_url)
        try:
            await client.ping()
            await ensure_group(client, proto.jobs_key(self.prefix))
        except BaseException:
            await client.aclose()
            raise
        self._client = client
        self._running = True
        self._reader = asyncio.get_running_loop().create_task(self._read(), name="asr-redis-reader")

    async def stop(self) -> None:
        """Close every open stream (waiting for their finals), then disconnect."""
        if self._client is None:
            return
        streams = list(self._streams.values())
        results = await asyncio.gather(*(s.close() for s in streams), return_exceptions=True)
        for stream, result in zip(streams, results, strict=True):
            if isinstance(result, BaseException):
                log.error("caption stream %s did not close cleanly: %s", stream.stream_id, result)
        self._running = False
        self._changed.set()
        if self._reader is not None:
            self._reader.cancel()
            # bounded: a cancel landing inside a Redis call can be lost; the loop also checks the flag
            await asyncio.wait([self._reader], timeout=self._read_block_ms / 1000 + 5.0)
            self._reader = None
        client, self._client = self._client, None
        await client.aclose()

    @property
    def lag_seconds(self) -> float:
        """The largest backlog of audio not yet processed by a worker, over open streams."""
        return max((s.lag_seconds for s in list(self._streams.values())), default=0.0)

    def open_stream(
        self,
        *,
        hotwords: Sequence[str] = (),
        on_caption: Callable[[Caption], None],
        live: bool = True,
        hall: bool = False,
    ) -> RedisAsrStream:
        """Open a caption stream (on the event loop, after ``start``); see ``AsrService.open_stream``."""
        if self._client is None:
            raise AsrClosedError("RedisAsrService.start() has not run (or stop() has)")
        stream_id = uuid.uuid4().hex
        sent = self._hall_stream_settings if hall else self._stream_settings
        job = proto.job_fields(stream_id, [w for w in hotwords if w.strip()], live, sent)
        stream = RedisAsrStream(self, stream_id, on_caption, job, live=live)
        self._streams[stream.out_key.encode()] = stream
        self._changed.set()
        return stream

    async def _forget(self, stream: RedisAsrStream, *, delete: bool) -> None:
        self._streams.pop(stream.out_key.encode(), None)
        if not stream._sender.done():
            stream._sender.cancel()
            await asyncio.wait([stream._sender], timeout=5.0)
        if delete and self._client is not None:
            await self._client.delete(stream.audio_key, stream.out_key)

    async def _read(self) -> None:
        """Follow the out keys of all open streams with one blocking XREAD."""
        while self._running:
            self._changed.clear()
            if not self._streams:
                await self._changed.wait()
                continue
            streams: dict[Any, Any] = {key: s.last_id for key, s in self._streams.items()}
            try:
                raw = await self.client.xread(streams, count=256, block=self._read_block_ms)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if _transient(exc):
                    log.warning("Redis unavailable for captions (%s); retrying", exc)
                else:  # e.g. a key of the wrong type: these streams cannot get captions
                    log.exception("cannot read captions")
                    for failed in list(self._streams.values()):
                        failed._fail(exc)
                        self._streams.pop(failed.out_key.encode(), None)
                await asyncio.sleep(0.5)
                continue
            for key, entries in proto.read_reply(raw):
                stream = self._streams.get(key)
                for entry_id, fields in entries:
                    if stream is None:
                        break
                    stream.last_id = entry_id
                    stream._on_out(fields)


async def ensure_group(client: aioredis.Redis, key: str) -> None:
    """Create the ``asr-workers`` group on ``key`` (and the stream) unless it exists.

    The group starts at ``0`` so jobs posted before any worker or group existed are still read.
    """
    try:
        await client.xgroup_create(key, proto.GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
