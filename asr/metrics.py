"""Character error rate, measured the way the project agreed: punctuation and spaces removed,
both sides in simplified script."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from asr.stream import Caption
from asr.text import normalize_for_match


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings (characters)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def char_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference length) after normalisation."""
    ref, hyp = normalize_for_match(reference), normalize_for_match(hypothesis)
    return edit_distance(ref, hyp), len(ref)


def cer(pairs: Iterable[tuple[str, str]]) -> float:
    """Corpus CER over (reference, hypothesis) pairs: total edits / total reference characters."""
    edits = total = 0
    for reference, hypothesis in pairs:
        e, n = char_errors(reference, hypothesis)
        edits += e
        total += n
    return edits / total if total else 0.0


def _align(ref: str, hyp: str) -> list[int | None]:
    """For each reference character, the index of the hypothesis character it aligns to (match
    or substitution), or None if deleted (Levenshtein backtrace)."""
    n, m = len(ref), len(hyp)
    d = np.zeros((n + 1, m + 1), dtype=np.int32)
    d[:, 0] = np.arange(n + 1)
    d[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]))
    out: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 and j > 0:
        if d[i, j] == d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]):
            out[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif d[i, j] == d[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return out


def final_latencies(
    finals: Sequence[Caption], sentences: Sequence[tuple[float, float, str]]
) -> list[float | None]:
    """Per sentence: emission time of the final holding its last recognised character, minus
    the sentence end. None if nothing of the sentence came out."""
    ref_chars: list[int] = []  # sentence index of each reference character
    ref = ""
    for k, (_s, _e, text) in enumerate(sentences):
        norm = normalize_for_match(text)
        ref += norm
        ref_chars.extend([k] * len(norm))
    hyp = ""
    hyp_final: list[int] = []
    for k, caption in enumerate(finals):
        norm = normalize_for_match(caption.text)
        hyp += norm
        hyp_final.extend([k] * len(norm))
    last: dict[int, int] = {}
    for i, j in enumerate(_align(ref, hyp)):
        if j is not None:
            last[ref_chars[i]] = hyp_final[j]
    return [
        finals[last[k]].emitted_at - end if k in last else None for k, (_s, end, _t) in enumerate(sentences)
    ]
