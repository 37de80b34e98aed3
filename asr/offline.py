"""Synchronous transcription of a whole recording: offline, or through the streaming path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from asr import text as textmod
from asr.audio import load_audio
from asr.engine import WhisperEngine
from asr.settings import SAMPLE_RATE, AsrSettings
from asr.stream import Caption, StreamProcessor
from asr.vad import StreamingVad


def transcribe_pcm(engine: WhisperEngine, pcm: np.ndarray, *, hotwords: Sequence[str] = ()) -> list[Caption]:
    """Offline: faster-whisper's VAD-gated pipeline over the whole buffer, then the same text
    hygiene as captions (simplified script, tidy punctuation, hallucination and loop filters)."""
    settings = engine.settings
    duration = len(pcm) / SAMPLE_RATE
    captions: list[Caption] = []
    for seg in engine.transcribe(pcm, hotwords=hotwords):
        text = textmod.end_sentence(textmod.clean_caption(textmod.cut_loop(seg.text), settings.numbers))
        if not textmod.normalize_for_match(text) or textmod.is_hallucination(
            text, settings.hallucination_phrases
        ):
            continue
        captions.append(Caption("final", text, round(seg.start, 3), round(seg.end, 3), round(duration, 3)))
    return captions


def stream_pcm(
    engine: WhisperEngine, pcm: np.ndarray, *, hotwords: Sequence[str] = (), chunk_s: float = 0.1
) -> list[Caption]:
    """The streaming path, fed from a buffer as fast as possible (deterministic in audio time)."""
    processor = StreamProcessor(engine, StreamingVad(), engine.settings, hotwords)
    step = max(1, int(chunk_s * SAMPLE_RATE))
    captions: list[Caption] = []
    for i in range(0, len(pcm), step):
        processor.feed(pcm[i : i + step])
        captions.extend(processor.process())
    captions.extend(processor.close())
    return captions


def transcribe_file(
    path: str | Path,
    settings: AsrSettings | None = None,
    *,
    stream: bool = False,
    engine: WhisperEngine | None = None,
) -> list[Caption]:
    """Transcribe an audio file (any format/rate/channels) offline or through the streaming path."""
    engine = engine or WhisperEngine(settings or AsrSettings())
    pcm = load_audio(path)
    return stream_pcm(engine, pcm) if stream else transcribe_pcm(engine, pcm)
