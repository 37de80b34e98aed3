"""The asyncio face of captions: one model, worker threads, many streams.

``AsrService`` owns one loaded engine and ``num_workers`` decoding threads behind a queue of
ready streams; the event loop only appends audio (``AsrStream.feed``) and receives captions via
``loop.call_soon_threadsafe``. Each stream is worked on by one thread at a time, in audio order.

Back-pressure: a live stream whose unprocessed audio exceeds ``max_partial_lag_s`` skips partial
decodes (keeping one every few seconds so long turns still commit); finals are never dropped.
``AsrService.lag_seconds`` / ``AsrStream.lag_seconds`` expose the backlog.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from asr.settings import SAMPLE_RATE, AsrSettings, HallAsrSettings
from asr.stream import Caption, Decoder, FrameVad, StreamProcessor

log = logging.getLogger(__name__)

_BATCH_FRAMES = 16  # ~0.5 s of audio per turn, so streams sharing a worker interleave


class AsrClosedError(RuntimeError):
    """The service or stream is not accepting audio."""


class AsrStream:
    """One speaker's audio in, captions out (see ``AsrService.open_stream``)."""

    def __init__(
        self,
        service: AsrService,
        processor: StreamProcessor,
        on_caption: Callable[[Caption], None],
        loop: asyncio.AbstractEventLoop,
        *,
        live: bool,
    ) -> None:
        self._service = service
        self._processor = processor
        self._on_caption = on_caption
        self._loop = loop
        self.live = live
        self._lock = threading.Lock()
        self._inbox: list[np.ndarray] = []
        self._inbox_samples = 0
        self._received_samples = 0
        self._scheduled = False
        self._closing = False
        self._done: asyncio.Future[None] = loop.create_future()

    @property
    def lag_seconds(self) -> float:
        """Audio received but not yet processed, in seconds."""
        with self._lock:
            return self._inbox_samples / SAMPLE_RATE + self._processor.backlog_s

    @property
    def received_seconds(self) -> float:
        """Audio fed so far, in seconds (the stream's audio clock)."""
        return self._received_samples / SAMPLE_RATE

    def feed(self, pcm: np.ndarray) -> None:
        """Queue float32 mono 16 kHz samples; returns at once (safe on the event loop)."""
        chunk = np.asarray(pcm, dtype=np.float32).reshape(-1).copy()
        with self._lock:
            if self._closing:
                raise AsrClosedError("feed() after close()")
            self._inbox.append(chunk)
            self._inbox_samples += chunk.size
            self._received_samples += chunk.size
        self._service._schedule(self)

    async def close(self) -> None:
        """Stop taking audio, process what is queued, flush the tail as a final, then return."""
        with self._lock:
            self._closing = True
        self._service._schedule(self)
        await asyncio.shield(self._done)

    # -- worker side ---------------------------------------------------------------------------

    def _claim(self) -> bool:
        with self._lock:
            if self._scheduled or self._done.done():
                return False
            self._scheduled = True
            return True

    def _skip_partials(self) -> bool:
        return self.live and self.lag_seconds > self._service.settings.max_partial_lag_s

    def _work(self) -> bool:
        """Process one batch; True if the stream has more to do."""
        with self._lock:
            chunks, self._inbox, self._inbox_samples = self._inbox, [], 0
            closing = self._closing
        for chunk in chunks:
            self._processor.feed(chunk)
        captions = self._processor.process(max_frames=_BATCH_FRAMES, skip_partials=self._skip_partials)
        finished = False
        if closing and self._processor.backlog_s * SAMPLE_RATE < 512:
            with self._lock:
                late = bool(self._inbox)
            if not late:
                captions.extend(self._processor.close())
                finished = True
        for caption in captions:
            if self.live:
                caption = replace(caption, emitted_at=round(self.received_seconds, 3))
            self._loop.call_soon_threadsafe(self._on_caption, caption)
        if finished:
            self._loop.call_soon_threadsafe(self._finish, None)
            return False
        with self._lock:
            more = bool(self._inbox) or self._processor.backlog_s * SAMPLE_RATE >= 512 or self._closing
            self._scheduled = more
            return more

    def _finish(self, error: BaseException | None) -> None:
        self._service._streams.discard(self)
        if not self._done.done():
            if error is None:
                self._done.set_result(None)
            else:
                self._done.set_exception(error)

    def _fail(self, error: BaseException) -> None:
        with self._lock:
            self._scheduled = False
            self._closing = True
        self._loop.call_soon_threadsafe(self._finish, error)


class AsrService:
    """One loaded Whisper model and its decoding workers, shared by every caption stream."""

    def __init__(
        self,
        settings: AsrSettings,
        *,
        hall: HallAsrSettings | None = None,
        engine: Decoder | None = None,
        vad_factory: Callable[[], FrameVad] | None = None,
    ) -> None:
        """Prepare the service; ``hall``: what the hall source's streams use instead of ``settings``
        (default: ``HallAsrSettings()``); ``engine``/``vad_factory`` replace the real ones in tests."""
        self.settings = settings
        self.hall_settings = (hall or HallAsrSettings()).apply(settings)
        self._engine = engine
        self._vad_factory = vad_factory
        self._ready: queue.Queue[AsrStream | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._streams: set[AsrStream] = set()
        self._running = False

    async def start(self) -> None:
        """Load the model (off the event loop) and start the workers."""
        if self._running:
            return
        if self._engine is None:
            from asr.engine import WhisperEngine  # the heavy import only when really needed

            self._engine = await asyncio.to_thread(WhisperEngine, self.settings)
        if self._vad_factory is None:
            from asr.vad import StreamingVad

            self._vad_factory = StreamingVad
            await asyncio.to_thread(StreamingVad)  # load the ONNX session off the loop
        for i in range(self.settings.num_workers):
            thread = threading.Thread(target=self._worker, name=f"asr-worker-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._running = True

    async def stop(self) -> None:
        """Close every open stream (flushing their finals), then stop the workers."""
        if not self._running:
            return
        await asyncio.gather(*(stream.close() for stream in list(self._streams)), return_exceptions=True)
        self._running = False
        for _ in self._threads:
            self._ready.put(None)
        for thread in self._threads:
            await asyncio.to_thread(thread.join)
        self._threads.clear()

    @property
    def lag_seconds(self) -> float:
        """The largest backlog of unprocessed audio over open streams, in seconds."""
        return max((stream.lag_seconds for stream in list(self._streams)), default=0.0)

    def open_stream(
        self,
        *,
        hotwords: Sequence[str] = (),
        on_caption: Callable[[Caption], None],
        live: bool = True,
        hall: bool = False,
    ) -> AsrStream:
        """Open a caption stream (call on the event loop, after ``start``).

        ``hotwords`` (names of 小区, streets, people) bias decoding; ``on_caption`` is called on
        the event loop thread. ``live=False`` is for audio fed faster than real time (files):
        nothing then counts as lag and every partial is decoded, in audio order. ``hall=True``: the
        audio is the hall microphone's (far field): decoded with ``hall_settings``.
        """
        if not self._running or self._engine is None or self._vad_factory is None:
            raise AsrClosedError("AsrService.start() has not run (or stop() has)")
        settings = self.hall_settings if hall else self.settings
        processor = StreamProcessor(self._engine, self._vad_factory(), settings, hotwords)
        stream = AsrStream(self, processor, on_caption, asyncio.get_running_loop(), live=live)
        self._streams.add(stream)
        return stream

    def _schedule(self, stream: AsrStream) -> None:
        if stream._claim():
            self._ready.put(stream)

    def _worker(self) -> None:
        while (stream := self._ready.get()) is not None:
            try:
                more = stream._work()
            except Exception as exc:  # one broken stream must not stop the worker
                log.exception("caption stream failed")
                stream._fail(exc)
                continue
            if more:
                self._ready.put(stream)
