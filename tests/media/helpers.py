"""Test helpers: a WAV clip as a real-time aiortc audio track, a client peer that offers it, polling."""

from __future__ import annotations

import asyncio
import fractions
import time
import wave
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from aiortc import MediaStreamTrack, RTCPeerConnection
from aiortc.mediastreams import MediaStreamError

from meeting_server.media.ice import rtc_configuration

DATA = Path(__file__).resolve().parent.parent / "data" / "audio"


def read_wav(path: Path) -> tuple[npt.NDArray[np.int16], int]:
    """16-bit mono samples and the sample rate."""
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).copy(), w.getframerate()


class WavTrack(MediaStreamTrack):
    """Plays samples at real-time pace in 20 ms frames, then ``tail_s`` of silence, then ends (as a phone
    microphone would, but deterministic). Paced on the monotonic clock like aiortc's AudioStreamTrack."""

    kind = "audio"

    def __init__(self, samples: npt.NDArray[np.int16], rate: int, tail_s: float = 0.6) -> None:
        super().__init__()
        silence = np.zeros(int(tail_s * rate), dtype=np.int16)
        self._samples = np.concatenate([samples, silence])
        self._rate = rate
        self._step = rate // 50
        self._pos = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live" or self._pos >= len(self._samples):
            self.stop()
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            await asyncio.sleep(max(0.0, self._start + self._pos / self._rate - time.monotonic()))
        chunk = self._samples[self._pos : self._pos + self._step]
        if len(chunk) < self._step:
            chunk = np.pad(chunk, (0, self._step - len(chunk)))
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self._rate
        frame.pts = self._pos
        frame.time_base = fractions.Fraction(1, self._rate)
        self._pos += self._step
        return frame


async def client_offer(*tracks: MediaStreamTrack) -> tuple[RTCPeerConnection, str]:
    """A client connection sending ``tracks``; returns it with its complete (non-trickle) offer SDP."""
    pc = RTCPeerConnection(rtc_configuration([]))
    for track in tracks:
        pc.addTrack(track)
    await pc.setLocalDescription(await pc.createOffer())
    return pc, pc.localDescription.sdp


async def wait_until(predicate: Callable[[], bool], within: float) -> None:
    """Poll ``predicate`` until it holds; TimeoutError after ``within`` seconds (generous: shared machine)."""
    async with asyncio.timeout(within):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.05)
