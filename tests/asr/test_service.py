"""AsrService / AsrStream threading and back-pressure, with a scripted engine and VAD (no model)."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest

from asr.hypothesis import Hypothesis, Word
from asr.service import AsrClosedError, AsrService
from asr.settings import SAMPLE_RATE, AsrSettings
from asr.stream import Caption

CHARS = "甲乙丙丁戊己庚辛壬癸"


class EnergyVad:
    """Speech wherever the signal is loud."""

    def probabilities(self, frames: np.ndarray) -> np.ndarray:
        return np.where(np.abs(frames.reshape(-1, 512)).mean(axis=1) > 0.1, 0.9, 0.05).astype(np.float32)


class CountingDecoder:
    """One character per 0.25 s of loud audio; optionally slow."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: list[bool] = []
        self.threads: set[str] = set()

    def decode(
        self, audio: np.ndarray, *, prompt: str = "", hotwords: str = "", final: bool = False
    ) -> Hypothesis:
        self.calls.append(final)
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay)
        loud = np.flatnonzero(np.abs(audio) > 0.1)
        if loud.size == 0:
            return Hypothesis((), "", 0.9, -2.0, 1.0, True)
        first, last = loud[0] / SAMPLE_RATE, loud[-1] / SAMPLE_RATE
        n = int((last - first) / 0.25)
        words = tuple(Word(CHARS[i % 10], first + i * 0.25, first + (i + 1) * 0.25, 0.9) for i in range(n))
        return Hypothesis(words, "".join(w.text for w in words), 0.01, -0.2, 1.2, False)


def speech(*pattern: tuple[str, float]) -> np.ndarray:
    parts = [
        np.full(int(s * SAMPLE_RATE), 0.5 if kind == "speech" else 0.0, dtype=np.float32)
        for kind, s in pattern
    ]
    return np.concatenate(parts)


async def run_stream(
    service: AsrService, audio: np.ndarray, *, live: bool = False, chunk_s: float = 0.1
) -> list[Caption]:
    captions: list[Caption] = []
    loop_thread = threading.current_thread()

    def on_caption(caption: Caption) -> None:
        assert threading.current_thread() is loop_thread  # delivered on the event loop
        captions.append(caption)

    stream = service.open_stream(hotwords=["阳光新城"], on_caption=on_caption, live=live)
    step = int(chunk_s * SAMPLE_RATE)
    for i in range(0, len(audio), step):
        stream.feed(audio[i : i + step])
        await asyncio.sleep(0)
    await stream.close()
    with pytest.raises(AsrClosedError):
        stream.feed(audio[:10])
    return captions


async def test_captions_come_back_on_the_loop_and_close_flushes() -> None:
    decoder = CountingDecoder()
    service = AsrService(AsrSettings(), engine=decoder, vad_factory=EnergyVad)
    await service.start()
    try:
        audio = speech(("silence", 0.5), ("speech", 2.5), ("silence", 1.5), ("speech", 2.0))
        captions = await run_stream(service, audio)
    finally:
        await service.stop()
    finals = [c for c in captions if c.kind == "final"]
    assert len(finals) == 2  # the second utterance is flushed by close()
    assert finals[0].start < 3.0 < finals[1].start
    assert any(c.kind == "partial" for c in captions)
    assert decoder.threads == {"asr-worker-0"}  # never on the event loop


async def test_streams_share_one_model() -> None:
    decoder = CountingDecoder()
    service = AsrService(AsrSettings(num_workers=2), engine=decoder, vad_factory=EnergyVad)
    await service.start()
    try:
        audio = speech(("speech", 2.0), ("silence", 1.0))
        results = await asyncio.gather(*(run_stream(service, audio) for _ in range(3)))
    finally:
        await service.stop()
    assert all(sum(c.kind == "final" for c in captions) == 1 for captions in results)


async def test_behind_live_streams_skip_partials_never_finals() -> None:
    decoder = CountingDecoder(delay=0.15)
    service = AsrService(AsrSettings(max_partial_lag_s=0.5), engine=decoder, vad_factory=EnergyVad)
    await service.start()
    captions: list[Caption] = []
    try:
        stream = service.open_stream(on_caption=captions.append, live=True)
        audio = speech(("speech", 6.0), ("silence", 1.0), ("speech", 3.0), ("silence", 1.0))
        stream.feed(audio)  # a burst: far more audio than the decoder can keep up with
        assert stream.lag_seconds > 5.0
        assert service.lag_seconds == stream.lag_seconds
        await stream.close()
    finally:
        await service.stop()
    finals = [c for c in captions if c.kind == "final"]
    assert len(finals) >= 2 and finals[-1].start >= 7.0  # both utterances made it out
    assert decoder.calls.count(False) < 8  # partial decodes were skipped  # partial decodes were skipped
    assert service.lag_seconds == 0.0
    assert all(c.emitted_at == pytest.approx(len(audio) / SAMPLE_RATE) for c in captions)


async def test_open_stream_needs_a_started_service() -> None:
    service = AsrService(AsrSettings(), engine=CountingDecoder(), vad_factory=EnergyVad)
    with pytest.raises(AsrClosedError):
        service.open_stream(on_caption=print)
