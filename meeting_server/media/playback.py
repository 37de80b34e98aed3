"""Audio the server sends: the floor of a phone speaker, played into the hall by the hall audio station.

A :class:`PlaybackTrack` is an aiortc audio track fed with 16 kHz mono PCM as it arrives from the speaker's
peer and read by aiortc's sender every 20 ms of real time. It keeps a small jitter buffer (refilled to
``JITTER_S`` after running dry, so a late packet costs one gap rather than a gap per packet) and never more
than ``MAX_BUFFER_S``: when audio comes in faster than it plays, the oldest is dropped, so the hall never
falls behind the speaker. Silence is sent while no one speaks from a phone, so the connection stays warm.
"""

from __future__ import annotations

import asyncio
import collections
import fractions
import time
from collections.abc import Callable

import av
import numpy as np
import numpy.typing as npt
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

SAMPLE_RATE = 16_000
FRAME_SAMPLES = 320  # 20 ms, what aiortc's Opus encoder takes per packet
JITTER_S = 0.06
MAX_BUFFER_S = 0.25
_TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)


class PlaybackTrack(MediaStreamTrack):
    """An outgoing audio track written from the event loop with :meth:`write`."""

    kind = "audio"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._chunks: collections.deque[npt.NDArray[np.int16]] = collections.deque()
        self._buffered = 0
        self._filling = True
        self._start: float | None = None
        self._pts = 0
        self.samples_written = 0
        self.samples_dropped = 0

    @property
    def buffered_s(self) -> float:
        return self._buffered / SAMPLE_RATE

    def write(self, pcm16k: npt.NDArray[np.float32]) -> None:
        """Speaker audio (16 kHz mono float32 in [-1, 1]), in order; cheap, never blocks."""
        if self.readyState != "live" or not len(pcm16k):
            return
        samples = (np.clip(np.asarray(pcm16k, dtype=np.float32).reshape(-1), -1.0, 1.0) * 32767).astype(
            np.int16
        )
        self._chunks.append(samples)
        self._buffered += samples.shape[0]
        self.samples_written += samples.shape[0]
        excess = self._buffered - int(MAX_BUFFER_S * SAMPLE_RATE)
        while excess > 0 and self._chunks:
            head = self._chunks[0]
            if head.shape[0] <= excess:
                self._chunks.popleft()
                cut = head.shape[0]
            else:
                self._chunks[0] = head[excess:]
                cut = excess
            self._buffered -= cut
            self.samples_dropped += cut
            excess -= cut

    def _take(self, n: int) -> npt.NDArray[np.int16]:
        out = np.zeros(n, dtype=np.int16)
        if self._filling:
            if self._buffered < int(JITTER_S * SAMPLE_RATE):
                return out
            self._filling = False
        filled = 0
        while filled < n and self._chunks:
            head = self._chunks[0]
            k = min(n - filled, head.shape[0])
            out[filled : filled + k] = head[:k]
            if k == head.shape[0]:
                self._chunks.popleft()
            else:
                self._chunks[0] = head[k:]
            filled += k
        self._buffered -= filled
        if filled < n:
            self._filling = True  # ran dry: wait for a little buffer before playing on
        return out

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        now = self._clock()
        if self._start is None:
            self._start = now
        else:
            self._pts += FRAME_SAMPLES
            wait = self._start + self._pts / SAMPLE_RATE - now
            if wait > 0:
                await asyncio.sleep(wait)
        frame = av.AudioFrame.from_ndarray(
            self._take(FRAME_SAMPLES).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = _TIME_BASE
        return frame
