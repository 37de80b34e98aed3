"""Fixtures of the caption tests: the test speech in tests/data/speech and one shared model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from asr.audio import load_audio
from asr.settings import SAMPLE_RATE, AsrSettings

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"


@pytest.fixture(scope="session")
def speech_dir() -> Path:
    return SPEECH


@pytest.fixture(scope="session")
def clips() -> list[tuple[str, np.ndarray, str]]:
    """(name, audio, reference text) for every clip in the manifest."""
    rows = [line.split("\t") for line in (SPEECH / "manifest.tsv").read_text("utf-8").splitlines() if line]
    return [(name, load_audio(SPEECH / name), ref) for name, ref in rows]


@pytest.fixture(scope="session")
def long_turn(clips: list[tuple[str, np.ndarray, str]]) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """All clips back to back with 0.25 s pauses: one long turn, with sentence times."""
    gap = np.zeros(int(0.25 * SAMPLE_RATE), dtype=np.float32)
    parts: list[np.ndarray] = []
    spans: list[tuple[float, float, str]] = []
    t = 0.0
    for _name, audio, ref in clips:
        spans.append((t, t + len(audio) / SAMPLE_RATE, ref))
        parts.extend([audio, gap])
        t += (len(audio) + len(gap)) / SAMPLE_RATE
    return np.concatenate(parts), spans


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> AsrSettings:
    """Default settings, with the bundled model assembled into a temporary cache."""
    return AsrSettings(model_cache_dir=str(tmp_path_factory.mktemp("whisper-base")))


@pytest.fixture(scope="session")
def engine(settings: AsrSettings) -> Iterator[object]:
    """The real Whisper engine, loaded once per session."""
    from asr.engine import WhisperEngine

    yield WhisperEngine(settings)
