"""Agreement between hypotheses of a growing buffer (pure): LocalAgreement-2 and text alignment.

Hypotheses are lists of ``TimedWord`` (for Chinese, a word is a character or a token group);
comparisons ignore punctuation and spaces, which Whisper places differently from run to run.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from asr.numbers import spoken_numbers

BREAKS = frozenset("，。！？；,.!?;")
ENDS = frozenset("。！？.!?")


@dataclass(frozen=True)
class TimedWord:
    """A decoded unit with absolute times on the audio timeline."""

    text: str
    start: float
    end: float


def bare(text: str) -> str:
    return "".join(ch for ch in text if ch not in BREAKS and not ch.isspace())


def join(words: Sequence[TimedWord]) -> str:
    return "".join(w.text for w in words)


def after_prefix(words: Sequence[TimedWord], prefix: Sequence[TimedWord]) -> list[TimedWord] | None:
    """``words`` without the leading text of ``prefix`` (punctuation aside), or None if they differ."""
    target, seen = bare(join(prefix)), ""
    for i, word in enumerate(words):
        if len(seen) >= len(target):
            if seen != target:
                return None
            while i < len(words) and not bare(words[i].text):
                i += 1
            return list(words[i:])
        seen += bare(word.text)
    return [] if seen == target else None


class LocalAgreement:
    """LocalAgreement-2: commit the longest prefix two consecutive hypotheses share.

    Hypotheses cover the whole (trimmed) buffer, so each one repeats the committed text first;
    that prefix is recognised by text (ignoring punctuation), falling back to timing.
    """

    def __init__(self) -> None:
        self.committed: list[TimedWord] = []
        self.tentative: list[TimedWord] = []
        self.emitted_tail: list[TimedWord] = []  # last words taken out, to spot them re-decoded

    def _new_part(self, words: Sequence[TimedWord]) -> list[TimedWord]:
        rest = after_prefix(words, self.committed)
        if rest is None:
            end = self.committed[-1].end if self.committed else float("-inf")
            rest = [w for w in words if w.start >= end - 0.05]
        if not self.committed and rest and self.emitted_tail:
            # the buffer was trimmed at an imprecise word time: the first new words may repeat
            # the end of the emitted text
            tail = self.emitted_tail
            if abs(rest[0].start - tail[-1].end) < 1.0:
                for n in range(min(len(tail), len(rest), 5), 0, -1):
                    if [w.text for w in tail[-n:]] == [w.text for w in rest[:n]]:
                        return rest[n:]
        return rest

    def insert(self, words: Sequence[TimedWord]) -> list[TimedWord]:
        """Feed one hypothesis of the buffer; return the words newly committed."""
        new = self._new_part(words)
        agreed: list[TimedWord] = []
        for a, b in zip(new, self.tentative, strict=False):
            if a.text != b.text:
                break
            agreed.append(a)
        self.committed.extend(agreed)
        self.tentative = new[len(agreed) :]
        return agreed

    def take(self, count: int) -> list[TimedWord]:
        """Remove and return the first ``count`` committed words (they were emitted)."""
        taken, self.committed = self.committed[:count], self.committed[count:]
        self.emitted_tail = (self.emitted_tail + taken)[-5:]
        return taken

    def reset(self) -> None:
        self.committed = []
        self.tentative = []
        self.emitted_tail = []


def split_after(words: Sequence[TimedWord], context: Sequence[TimedWord]) -> int:
    """The index of the first word of ``words`` (a hypothesis of audio that begins with the
    audio of ``context``) after its re-read of ``context``; ``len(words)`` if nothing follows.

    The re-read may differ a little from ``context``, so the split is found by edit distance
    (the hypothesis prefix closest to the context text); if nothing resembles the context, by time.
    Punctuation right after the split belongs to the re-read part.
    """
    target = spoken_numbers(bare(join(context)))
    if not target:
        return 0
    # Compared with numbers as spoken: one reading writes 98%, the next 百分之九十八. Each word's end in the
    # spoken text is that of its prefix, converted (only when the hypothesis holds a digit at all).
    texts = [bare(w.text) for w in words]
    if any(ch.isdigit() for t in texts for ch in t):
        ends = [len(spoken_numbers("".join(texts[: i + 1]))) for i in range(len(texts))]
    else:
        ends = list(itertools.accumulate(len(t) for t in texts))
    owner: list[int] = []
    for i, stop in enumerate(ends):
        owner.extend([i] * (stop - len(owner)))
    hyp = spoken_numbers(bare(join(words)))
    owner.extend([len(words) - 1] * (len(hyp) - len(owner)))
    del owner[len(hyp) :]
    prev = list(range(len(hyp) + 1))
    for i, ch in enumerate(target, 1):
        cur = [i]
        for j, hc in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ch != hc)))
        prev = cur
    split = min(range(len(hyp) + 1), key=lambda j: (prev[j], abs(j - len(target))))
    if prev[split] > len(target) // 2 + 1:
        end = context[-1].end
        return next((i for i, w in enumerate(words) if w.start >= end - 0.05), len(words))
    if split >= len(hyp):
        return len(words)
    first = owner[split]
    if split > 0 and owner[split - 1] == first:  # a word straddles the split: it was emitted
        first += 1
    while first < len(words) and not bare(words[first].text):
        first += 1
    return first


def strip_context(words: Sequence[TimedWord], context: Sequence[TimedWord]) -> list[TimedWord]:
    """``words`` (a hypothesis of audio that begins with already emitted ``context``) without the
    part that re-reads the context (see ``split_after``)."""
    return list(words[split_after(words, context) :])


def ends_sentence(words: Sequence[TimedWord]) -> bool:
    """Whether the text of ``words`` ends with a sentence mark (。！？), not a comma or nothing."""
    text = join(words).rstrip()
    return bool(text) and text[-1] in ENDS
