"""What one decode of one audio buffer yields (shared by engine, stream and test doubles)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from asr.text import find_loop


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


def cut_looped_words(words: Sequence[Word]) -> tuple[list[Word], bool]:
    """Keep the words up to one copy of a repetition loop ("喋喋喋…"); report whether one was cut."""
    loop = find_loop("".join(w.text for w in words))
    if loop is None:
        return list(words), False
    keep, total = loop[0] + loop[1], 0
    kept: list[Word] = []
    for word in words:
        if total >= keep:
            break
        kept.append(word)
        total += len(word.text)
    return kept, True
