"""What one decode of one audio buffer yields (shared by engine, stream and test doubles)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    """One decoded unit (a character or token group for Chinese) with times relative to the buffer."""

    text: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Hypothesis:
    """One decode of one audio buffer."""

    words: tuple[Word, ...]
    text: str
    no_speech_prob: float
    avg_logprob: float
    compression_ratio: float
    silent: bool
    looped: bool = False
