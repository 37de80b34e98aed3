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
from asr.stream import Caption, DecodeOptions

CHARS = "甲乙丙丁戊己庚辛壬癸"


class EnergyVad:
    """Speech wherever the signal is loud."""

    def probabilities(self, frames: np.ndarray) -> np.ndarray:
        return np.where(np.abs(frames.reshape(-1, 512)).mean(axis=1) > 0.1, 0.9, 0.05).astype(np.float32)


class CountingDecoder:
    """Reads the synthetic "speech" of ``speech()``: each 0.25 s block of constant loudness is one
    character, named by its loudness, so every decode of the same audio agrees. Optionally slow."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: list[bool] = []
        self.threads: set[str] = set()

    def decode(
        self,
        audio: np.ndarray,
        options: DecodeOptions,
        *,
        prompt: str = "",
        hotwords: str = "",
        final: bool = False,
    ) -> Hypothesis:
        self.calls.append(final)
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay)
        words: list[Word] = []
        level = np.round(np.abs(audio) * 20).astype(int)  # 0 in silence, 4..13 in speech
        edges = np.flatnonzero(np.diff(level)) + 1
        for a, b in zip([0, *edges], [*edges, len(level)], strict=True):
            if level[a] >= 4 and b - a >= 0.1 * SAMPLE_RATE:
                words.append(Word(CHARS[level[a] - 4], a / SAMPLE_RATE, b / SAMPLE_RATE, 0.9))
        if not words:
            return Hypothesis((), "", 0.9, -2.0, 1.0, True)
        return Hypothesis(tuple(words), "".join(w.text for w in words), 0.01, -0.2, 1.2, False)


def speech(*pattern: tuple[str, float]) -> np.ndarray:
    """Silence, or "speech": 0.25 s blocks of constant loudness cycling through ten levels."""
    parts: list[np.ndarray] = []
    block = int(0.25 * SAMPLE_RATE)
    k = 0
    for kind, seconds in pattern:
        n = int(seconds * SAMPLE_RATE)
        if kind == "silence":
            parts.append(np.zeros(n, dtype=np.float32))
            continue
        for i in range(0, n, block):
            parts.append(np.full(min(block, n - i), (4 + k % 10) / 20, dtype=np.float32))
            k += 1
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
