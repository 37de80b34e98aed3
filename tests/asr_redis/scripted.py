"""In-process caption workers with a scripted decoder and VAD (no model, fast), for the Redis tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from asr.hypothesis import Hypothesis, Word
from asr.settings import SAMPLE_RATE, STREAM_FIELDS, AsrSettings, AsrWorkerSettings
from asr.stream import DecodeOptions
from asr.text import NUMBER_STYLES
from asr.worker import AsrWorker

CHARS = "甲乙丙丁戊己庚辛壬癸"
JOBS = "gongzhi:asr:jobs"


class EnergyVad:
    def probabilities(self, frames: np.ndarray) -> np.ndarray:
        return np.where(np.abs(frames.reshape(-1, 512)).mean(axis=1) > 0.1, 0.9, 0.05).astype(np.float32)


class CountingDecoder:
    """One character per 0.25 s of loud audio; ``fail`` makes every decode raise."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.options: list[DecodeOptions] = []  # what each decode was asked to decode with

    def decode(
        self,
        audio: np.ndarray,
        options: DecodeOptions,
        *,
        prompt: str = "",
        hotwords: str = "",
        final: bool = False,
    ) -> Hypothesis:
        self.options.append(options)
        if self.fail:
            raise RuntimeError("decoder broke")
        time.sleep(0.01)
        loud = np.flatnonzero(np.abs(audio) > 0.1)
        if loud.size == 0:
            return Hypothesis((), "", 0.9, -2.0, 1.0, True)
        first, last = loud[0] / SAMPLE_RATE, loud[-1] / SAMPLE_RATE
        n = int((last - first) / 0.25)
        words = tuple(Word(CHARS[i % 10], first + i * 0.25, first + (i + 1) * 0.25, 0.9) for i in range(n))
        return Hypothesis(words, "".join(w.text for w in words), 0.01, -0.2, 1.2, False)


def speech(*pattern: tuple[str, float]) -> np.ndarray:
    """Silence, or "speech": a 0.5 square wave at 500 Hz (loud throughout, and through any front end)."""
    parts = [np.full(int(s * SAMPLE_RATE), 0.5 if k == "speech" else 0.0, np.float32) for k, s in pattern]
    audio = np.concatenate(parts)
    return audio * np.where((np.arange(len(audio)) // 16) % 2 == 0, 1.0, -1.0).astype(np.float32)


class Running:
    """An in-process worker task with its own stop event."""

    def __init__(
        self,
        url: str,
        name: str,
        *,
        fail: bool = False,
        claim_idle_s: float = 30.0,
        settings: AsrSettings | None = None,
    ) -> None:
        self.decoder = CountingDecoder(fail)
        self.worker = AsrWorker(
            settings or AsrSettings(),
            AsrWorkerSettings(name=name, claim_idle_s=claim_idle_s, heartbeat_s=0.2),
            redis_url=url,
            shutdown_grace_s=0.2,
            engine=self.decoder,
            vad_factory=EnergyVad,
        )
        self.stop = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self.worker.run(self.stop))

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 30)


async def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def changed(value: object) -> object:
    """Another valid value of a setting's type (a setting of a new type must be taught here)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        # valid twice over for every float today (min_window_s and max_context_s ≤ 30)
        return round(value * 1.2 + 0.1, 3)
    if isinstance(value, str):
        return value + "·"
    if isinstance(value, tuple):
        return (*value, "测试短语")
    raise AssertionError(f"no other value for {value!r}: teach changed() its type")


#: Stream fields with a closed set of values, changed by stepping through it (two values cannot give the
#: three distinct values the other fields get).
CHOICES: dict[str, tuple[str, ...]] = {"numbers": NUMBER_STYLES}


def with_stream_fields_changed(settings: AsrSettings, times: int = 1) -> AsrSettings:
    """``settings`` with every stream field (``STREAM_FIELDS``) changed ``times`` times."""
    values = {name: getattr(settings, name) for name in STREAM_FIELDS}
    for _ in range(times):
        values = {
            name: _next_choice(CHOICES[name], value) if name in CHOICES else changed(value)
            for name, value in values.items()
        }
    return replace(settings, **values)


def _next_choice(choices: tuple[str, ...], value: object) -> str:
    return choices[(choices.index(str(value)) + 1) % len(choices)]
