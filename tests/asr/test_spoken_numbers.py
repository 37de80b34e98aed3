"""Real model, real speech: the caption paths write numbers as spoken (``[asr] numbers``).

c16 says 「……可以减少百分之七十的采光影响。」; the bundled model writes "70%".
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from asr.audio import load_audio
from asr.offline import stream_pcm, transcribe_pcm
from asr.stream import StreamProcessor
from asr.vad import StreamingVad

pytestmark = pytest.mark.slow


def _stream(engine, settings, audio: np.ndarray) -> list[tuple[str, str]]:
    processor = StreamProcessor(engine, StreamingVad(), settings)
    out = []
    for i in range(0, len(audio), 1600):
        processor.feed(audio[i : i + 1600])
        out.extend(processor.process())
    out.extend(processor.close())
    return [(c.kind, c.text) for c in out]


def test_partials_and_finals_write_the_percentage_as_spoken(engine, speech_dir) -> None:
    audio = load_audio(speech_dir / "c16.wav")
    spoken = [(c.kind, c.text) for c in stream_pcm(engine, audio)]
    digits = _stream(engine, replace(engine.settings, numbers="digits"), audio)
    final = "".join(t for k, t in spoken if k == "final")
    assert "百分之七十" in final
    assert not any(ch.isdigit() for _k, t in spoken for ch in t)
    assert any("百分之七十" in t for k, t in spoken if k == "partial")
    # the same decodes with the setting that keeps Whisper's digits: partials and finals say 70%
    assert any("70" in t for k, t in digits if k == "partial")
    assert "70" in "".join(t for k, t in digits if k == "final")


def test_offline_transcripts_write_numbers_as_spoken(engine, speech_dir) -> None:
    text = "".join(c.text for c in transcribe_pcm(engine, load_audio(speech_dir / "c16.wav")))
    assert "百分之七十" in text and not any(ch.isdigit() for ch in text)
