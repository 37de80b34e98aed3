"""A caption worker process: jobs from Redis Streams in, captions out (``python -m asr worker``).

The worker loads the model once (an in-process ``AsrService`` does the decoding off the event
loop) and runs several jobs concurrently. Jobs come from the consumer group ``asr-workers``:
first entries left pending by a dead worker (XAUTOCLAIM, idle longer than ``claim_idle_s``), then
new ones (XREADGROUP). For each job it reads the stream's audio key from the start, feeds a local
stream, publishes captions to the out key, and — once the end marker is processed and every final
published — writes ``done``, XACKs and XDELs the job in one transaction.

While a job runs the worker touches its pending entry every ``heartbeat_s`` (XCLAIM to itself with
min-idle 0, atomically checked in a script), so only a dead or stuck worker's jobs go idle. A worker
that finds a job of its no longer pending under its name has been replaced: it stops publishing.
A reclaimed job replays the audio like a file (no partials skipped) until it passes the last final
already published, so the server's duplicate filter sees the same finals again (see
``asr.redis_service``). SIGTERM: stop claiming, let jobs finish for ``shutdown_grace_s``, then
hand the rest back (marked idle so another worker claims them at once).

Each job carries the server's stream settings (language, prompt, beam sizes, segmentation,
filters: ``asr.settings.STREAM_FIELDS``); the worker's own settings choose only the model
(``ENGINE_FIELDS``), so every stream is captioned as its server is configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import redis.asyncio as aioredis

from asr import redis_protocol as proto
from asr.redis_publisher import CaptionPublisher
from asr.redis_service import ensure_group
from asr.service import AsrService, AsrStream
from asr.settings import AsrSettings, AsrWorkerSettings
from asr.stream import Decoder, FrameVad

log = logging.getLogger(__name__)

# Refresh the idle time of the jobs still pending under this worker; return those (the others were
# reclaimed by another worker after we stalled). One script, so no claim can slip in between.
_HEARTBEAT_LUA = """
local owned = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    owned[#owned + 1] = ARGV[i]
  end
end
return owned
"""


class AsrWorker:
    """Claims caption jobs from Redis and decodes them with one in-process model."""

    def __init__(
        self,
        settings: AsrSettings,
        config: AsrWorkerSettings | None = None,
        *,
        redis_url: str,
        prefix: str = proto.DEFAULT_PREFIX,
        audio_idle_timeout_s: float = 60.0,
        shutdown_grace_s: float = 5.0,
        key_ttl_s: int = proto.KEY_TTL_S,
        engine: Decoder | None = None,
        vad_factory: Callable[[], FrameVad] | None = None,
    ) -> None:
        """Configure the worker; ``engine``/``vad_factory`` replace the real ones in tests.

        ``settings``: only its ``ENGINE_FIELDS`` are used (the model); each job brings the
        server's stream fields. ``config`` (``[asr_worker]``): name, concurrency, heartbeat and
        reclaim times.
        ``audio_idle_timeout_s``: a stream that gets no audio and no end marker for this long lost
        its server; what was said is flushed and the job ends.
        """
        config = config or AsrWorkerSettings()
        self.settings = settings
        self.redis_url = redis_url
        self.name = config.name or f"{socket.gethostname()}-{os.getpid()}"
        self.prefix = prefix
        self.max_jobs = config.max_jobs
        self.claim_idle_s = config.claim_idle_s
        self.heartbeat_s = config.heartbeat_s
        self.audio_idle_timeout_s = audio_idle_timeout_s
        self.shutdown_grace_s = shutdown_grace_s
        self.key_ttl_s = key_ttl_s
        self.jobs_completed = 0
        self._engine = engine
        self._vad_factory = vad_factory
        self._services: dict[AsrSettings, AsrService] = {}
        self._client: aioredis.Redis | None = None
        self._jobs: dict[bytes, asyncio.Task[None]] = {}
        self._slot = asyncio.Event()
        self._background: set[asyncio.Task[None]] = set()
        self._stopping = False

    @property
    def client(self) -> aioredis.Redis:
        """The Redis client (after ``start``)."""
        assert self._client is not None, "AsrWorker.start() has not run"
        return self._client

    @property
    def jobs_key(self) -> str:
        """The jobs stream this worker reads."""
        return proto.jobs_key(self.prefix)

    async def start(self) -> None:
        """Load the model (off the loop) and connect to Redis."""
        if self._engine is None:
            from asr.engine import WhisperEngine

            self._engine = await asyncio.to_thread(WhisperEngine, self.settings)
        if self._vad_factory is None:
            from asr.vad import StreamingVad

            await asyncio.to_thread(StreamingVad)  # load the ONNX session off the loop
            self._vad_factory = StreamingVad
        client = aioredis.Redis.from_url(self.redis_url)
        try:
            await ensure_group(client, self.jobs_key)
        except BaseException:
            await client.aclose()
            raise
        self._client = client
        await self._service_for(proto.job_settings(self.settings, {})[0])  # threads up before "ready"

    async def _service_for(self, settings: AsrSettings) -> AsrService:
        """The decoding service for a job's settings; all share the one engine."""
        service = self._services.get(settings)
        if service is None:
            service = AsrService(settings, engine=self._engine, vad_factory=self._vad_factory)
            await service.start()
            self._services[settings] = service
        return service

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set, then shut down cleanly (see the module docstring)."""
        if self._client is None:
            await self.start()
        heartbeat = asyncio.get_running_loop().create_task(self._heartbeat())
        try:
            while not stop.is_set():
                if len(self._jobs) >= self.max_jobs:
                    self._slot.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._slot.wait(), 1.0)
                    continue
                for entry_id, fields in await self._next_jobs():
                    self._begin(entry_id, fields)
        finally:
            await self._shutdown(heartbeat)

    async def _next_jobs(self) -> list[tuple[bytes, proto.Fields]]:
        """Jobs of dead workers first, then new ones (blocking up to a second)."""
        try:
            raw: Any = await self.client.xautoclaim(
                self.jobs_key, proto.GROUP, self.name, int(self.claim_idle_s * 1000), "0-0", count=1
            )
            jobs = [(i, f) for i, f in proto.entries(raw[1]) if i not in self._jobs]
            if jobs:
                log.info("worker %s reclaimed job %s", self.name, jobs[0][0])
                return jobs
            raw = await self.client.xreadgroup(
                proto.GROUP, self.name, {self.jobs_key: ">"}, count=1, block=1000
            )
        except (aioredis.ConnectionError, aioredis.TimeoutError) as exc:
            log.warning("Redis unavailable (%s); retrying", exc)
            await asyncio.sleep(1.0)
            return []
        return [(i, f) for _key, entries in proto.read_reply(raw) for i, f in entries]

    def _begin(self, entry_id: bytes, fields: proto.Fields) -> None:
        task = asyncio.get_running_loop().create_task(self._process(entry_id, fields))
        self._jobs[entry_id] = task

        def finished(t: asyncio.Task[None]) -> None:
            if self._jobs.get(entry_id) is t:
                del self._jobs[entry_id]
            self._slot.set()
            if not t.cancelled() and t.exception() is not None:
                log.error("job %s failed", entry_id, exc_info=t.exception())

        task.add_done_callback(finished)

    async def _last_final_end(self, key: str) -> float | None:
        """End of the last final already published for a stream (a replay must not repeat it)."""
        for _id, fields in proto.entries(await self.client.xrevrange(key, count=500)):
            if proto.text(fields, "kind") == "final":
                return proto.number(fields, "end")
        return None

    async def _process(self, entry_id: bytes, fields: proto.Fields) -> None:
        stream_id = proto.text(fields, "stream_id")
        audio_key = proto.audio_key(self.prefix, stream_id)
        out_key = proto.out_key(self.prefix, stream_id)
        ack = [("xack", (self.jobs_key, proto.GROUP, entry_id)), ("xdel", (self.jobs_key, entry_id))]
        if not stream_id or not await self.client.exists(audio_key):
            log.info("job %s: stream %s is gone; dropping the job", entry_id, stream_id or "?")
            pipe = self.client.pipeline(transaction=True)
            for name, args in ack:
                getattr(pipe, name)(*args)
            await pipe.execute()
            return
        live = proto.text(fields, "live", "1") == "1"
        replay_until = await self._last_final_end(out_key)
        publisher = CaptionPublisher(self.client, out_key, worker=self.name, key_ttl_s=self.key_ttl_s)
        try:
            sent = json.loads(proto.text(fields, "settings", "{}"))
            settings, unknown = proto.job_settings(self.settings, sent)
        except (ValueError, TypeError) as exc:  # a successor could not use them either: end the job
            log.error("job %s: unusable settings (%s)", entry_id, exc)
            error = {"kind": "error", "worker": self.name, "text": f"unusable settings: {exc}"}
            await publisher.flush(final=[("xadd", (out_key, error)), *ack])
            return
        if unknown:
            log.warning(
                "job %s: ignoring settings this worker does not take: %s", entry_id, ", ".join(unknown)
            )
        service = await self._service_for(settings)
        stream = service.open_stream(
            hotwords=json.loads(proto.text(fields, "hotwords", "[]")),
            on_caption=publisher.caption,
            live=live and replay_until is None,
        )
        publisher.stream = stream
        if replay_until is not None:
            log.info("job %s: replaying stream %s up to %.2f s", entry_id, stream_id, replay_until)

            def back_to_live(pos: float) -> None:
                if pos >= replay_until:
                    stream.live = live
                    publisher.on_tick = None

            publisher.on_tick = back_to_live
        pumping = asyncio.get_running_loop().create_task(publisher.run())
        try:
            await self._feed(stream, audio_key)
            await stream.close()
            publisher.stop()
            await pumping
            done = {"kind": "done", "worker": self.name, "pos": repr(round(stream.received_seconds, 3))}
            await publisher.flush(final=[("xadd", (out_key, done)), *ack])
            self.jobs_completed += 1
            log.info("job %s: stream %s done (%.1f s of audio)", entry_id, stream_id, stream.received_seconds)
        except (asyncio.CancelledError, aioredis.ConnectionError, aioredis.TimeoutError):
            # lost, released or Redis away: publish nothing more; the job stays pending for a successor
            self._abandon(publisher, pumping, stream)
            raise
        except Exception as exc:
            # the stream itself is broken (a successor would fail the same way): say so, end the job
            log.exception("job %s: stream %s failed", entry_id, stream_id)
            self._abandon(publisher, pumping, stream)
            error = {"kind": "error", "worker": self.name, "text": f"{type(exc).__name__}: {exc}"}
            await publisher.flush(final=[("xadd", (out_key, error)), *ack])

    def _abandon(self, publisher: CaptionPublisher, pumping: asyncio.Task[None], stream: AsrStream) -> None:
        publisher.abandoned = True
        publisher.stop()
        pumping.cancel()  # it may be inside a Redis call that will not return while Redis is away
        # no way to drop an AsrStream's backlog: close it in the background, its captions go nowhere
        closing = asyncio.get_running_loop().create_task(self._quiet_close(stream))
        self._background.add(closing)
        closing.add_done_callback(self._background.discard)

    @staticmethod
    async def _quiet_close(stream: AsrStream) -> None:
        try:
            await stream.close()
        except Exception:
            log.debug("abandoned stream failed while closing", exc_info=True)

    async def _feed(self, stream: AsrStream, audio_key: str) -> None:
        """Audio from the start of the key into the local stream, until the end marker."""
        last: Any = "0-0"
        fed = 0
        heard = time.monotonic()
        while True:
            reply = proto.read_reply(await self.client.xread({audio_key: last}, count=64, block=1000))
            if not reply:
                if time.monotonic() - heard > self.audio_idle_timeout_s:
                    log.warning("no audio on %s for %.0f s; flushing it", audio_key, time.monotonic() - heard)
                    return
                continue
            heard = time.monotonic()
            for entry_id, fields in reply[0][1]:
                last = entry_id
                kind = proto.text(fields, "kind")
                if kind == "end":
                    return
                if kind != "pcm":
                    continue
                offset = int(proto.number(fields, "offset"))
                pcm = proto.decode_pcm(fields.get(b"pcm", b""))
                if offset > fed:  # never expected; keep the timeline true rather than shift it
                    log.warning("%s: %d samples missing at %d; padding", audio_key, offset - fed, fed)
                    stream.feed(np.zeros(offset - fed, dtype=np.float32))
                    fed = offset
                # offsets make audio idempotent: a batch re-sent after a lost EXEC reply is skipped
                if offset + pcm.size > fed:
                    stream.feed(pcm[fed - offset :])
                    fed = offset + pcm.size

    async def _heartbeat(self) -> None:
        script = self.client.register_script(_HEARTBEAT_LUA)
        while not self._stopping:  # a flag: a cancel that lands inside a Redis call may be lost
            await asyncio.sleep(self.heartbeat_s)
            ids = list(self._jobs)
            if not ids:
                continue
            try:
                owned = await script(keys=[self.jobs_key], args=[proto.GROUP, self.name, *ids])
            except (aioredis.ConnectionError, aioredis.TimeoutError) as exc:
                log.warning("heartbeat failed (%s)", exc)
                continue
            for entry_id in set(ids) - {bytes(i) for i in owned}:
                task = self._jobs.pop(entry_id, None)
                if task is not None:
                    log.warning("job %s was reclaimed by another worker; dropping it", entry_id)
                    task.cancel()

    async def _shutdown(self, heartbeat: asyncio.Task[None]) -> None:
        if self._jobs:
            await asyncio.wait(list(self._jobs.values()), timeout=self.shutdown_grace_s)
        self._stopping = True
        left = list(self._jobs.items())
        for _entry_id, task in left:
            task.cancel()
        heartbeat.cancel()
        # bounded: the job and heartbeat loops also end on the flag or their next Redis error
        await asyncio.wait([heartbeat, *(t for _i, t in left)], timeout=self.heartbeat_s + 5.0)
        if left and self._client is not None:
            # hand them back at once: an idle time far past claim_idle_s makes them claimable now
            ids: list[Any] = [i for i, _t in left]
            idle = int(self.claim_idle_s * 1000) * 10
            with contextlib.suppress(aioredis.ConnectionError, aioredis.TimeoutError):
                await self.client.xclaim(
                    self.jobs_key, proto.GROUP, self.name, 0, ids, idle=idle, justid=True
                )
            log.info("worker %s released %d job(s)", self.name, len(ids))
        for service in self._services.values():
            try:
                # abandoned streams would decode their backlog; the threads are daemons, do not wait long
                await asyncio.wait_for(service.stop(), self.shutdown_grace_s)
            except TimeoutError:
                log.warning("decoding did not stop within %.0f s", self.shutdown_grace_s)
        if self._client is not None:
            await self._client.aclose()
            self._client = None


async def serve(worker: AsrWorker, *, ready: Callable[[], None] | None = None) -> None:
    """Run ``worker`` until SIGTERM or SIGINT (the CLI's entry point)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await worker.start()
    log.info("asr worker %s ready (%s)", worker.name, worker.redis_url)
    if ready is not None:
        ready()
    await worker.run(stop)
