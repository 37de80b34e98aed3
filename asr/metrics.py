"""Character error rate, measured the way the project agreed: punctuation and spaces removed,
both sides in simplified script."""

from __future__ import annotations

from collections.abc import Iterable

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
