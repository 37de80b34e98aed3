"""The observers' live audio: the floor audio of a meeting as one continuous MP3 stream over HTTP.

Relaying WebRTC to every observer costs about 1.3 % of a core each; here the audio is encoded once per
meeting (16 kHz mono MP3, one worker thread) and the same bytes are written to every listener's HTTP
response, so hundreds of listeners cost little more than one. MP3 frames are self-synchronising, so a
listener may join at any chunk. Between turns the stream carries silence in real time, so players keep
playing and the delay stays constant.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable

import av
import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
CHUNK_S = 0.1  # how much silence is padded at a time, and roughly how often listeners get bytes
MAX_BACKLOG_CHUNKS = 50  # a listener this far behind (~5 s) is dropped rather than buffered forever
_STOP = object()


class LiveAudio:
    """Encodes a meeting's floor audio to MP3 once and fans the bytes out to listeners."""

    def __init__(self, meeting_id: str, *, bitrate: int = 32000, clock: Callable[[], float] = time.monotonic):
        self.meeting_id = meeting_id
        self._clock = clock
        self._loop = asyncio.get_running_loop()
        self._listeners: set[asyncio.Queue[bytes | None]] = set()
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._t0 = clock()
        self._samples = 0  # samples handed to the encoder (audio and padding)
        self._closed = False
        self._codec = av.CodecContext.create("libmp3lame", "w")
        self._codec.sample_rate = SAMPLE_RATE
        self._codec.layout = "mono"
        self._codec.format = "s16p"
        self._codec.bit_rate = bitrate
        self._thread = threading.Thread(target=self._run, name=f"live-{meeting_id}", daemon=True)
        self._thread.start()
        self._pad_task = self._loop.create_task(self._pad_silence())

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    def write(self, pcm16k: npt.NDArray[np.float32]) -> None:
        """Floor audio (16 kHz mono float32), in order; called on the event loop, never blocks."""
        if self._closed or not len(pcm16k):
            return
        samples = np.clip(np.asarray(pcm16k, dtype=np.float32).reshape(-1), -1.0, 1.0)
        self._samples += samples.shape[0]
        self._queue.put((samples * 32767).astype(np.int16))

    def subscribe(self) -> asyncio.Queue[bytes | None]:
        """A queue of MP3 chunks for one listener; ``None`` means the stream ended."""
        q: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=MAX_BACKLOG_CHUNKS)
        self._listeners.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[bytes | None]) -> None:
        self._listeners.discard(q)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._pad_task.cancel()
        try:
            await self._pad_task
        except asyncio.CancelledError:
            pass
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)
        for q in list(self._listeners):
            self._offer(q, None)
        self._listeners.clear()

    # ------------------------------------------------------------------ internals
    async def _pad_silence(self) -> None:
        """Keep the stream in real time: when no floor audio comes, send silence."""
        while True:
            await asyncio.sleep(CHUNK_S)
            due = int((self._clock() - self._t0) * SAMPLE_RATE)
            missing = due - self._samples
            if missing > int(2 * CHUNK_S * SAMPLE_RATE):
                # More than two chunks behind: the speaker is silent or gone. Pad up to one chunk behind,
                # so a speaker's next audio is not queued behind padding.
                pad = missing - int(CHUNK_S * SAMPLE_RATE)
                self._samples += pad
                self._queue.put(np.zeros(pad, dtype=np.int16))

    def _run(self) -> None:
        try:
            while (item := self._queue.get()) is not _STOP:
                assert isinstance(item, np.ndarray)
                frame = av.AudioFrame.from_ndarray(item.reshape(1, -1), format="s16p", layout="mono")
                frame.sample_rate = SAMPLE_RATE
                data = b"".join(bytes(p) for p in self._codec.encode(frame))
                if data:
                    self._loop.call_soon_threadsafe(self._fan_out, data)
            data = b"".join(bytes(p) for p in self._codec.encode(None))
            if data:
                self._loop.call_soon_threadsafe(self._fan_out, data)
        except Exception:
            log.exception("live audio encoder of %s failed", self.meeting_id)

    def _fan_out(self, data: bytes) -> None:
        for q in list(self._listeners):
            self._offer(q, data)

    def _offer(self, q: asyncio.Queue[bytes | None], data: bytes | None) -> None:
        try:
            q.put_nowait(data)
        except asyncio.QueueFull:
            # A listener that cannot keep up is cut off (its player reconnects) rather than letting the
            # server buffer its backlog.
            self._listeners.discard(q)
            while not q.empty():
                q.get_nowait()
            q.put_nowait(None)
