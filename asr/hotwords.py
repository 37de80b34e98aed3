"""Hot words: the names a meeting's recogniser should know (people, streets, buildings, agenda titles).

Whisper is biased towards them by putting them in the decoder's prompt (``engine.WhisperEngine``). The
list comes from outside the recogniser — typed by staff, residents' names on a roster — so it is cleaned
here: control and markup characters and Whisper's special-token syntax (``<|…|>``) are dropped, each word
is cut to ``MAX_WORD_CHARS``, duplicates go, and at most ``MAX_WORDS`` are kept, in the caller's order
(most important first). The engine then fits whole words into its own token budget.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_WORDS = 60
MAX_WORD_CHARS = 16
SEPARATOR = " "  # how the words are joined in the prompt ("，" made the model drop words after it)

# Anything that is not a letter, a digit or a few joiners names can contain (·: 欧阳·娜娜, -: 3-2).
_DROP = re.compile(r"[^\w·\-]+")


def clean_hotwords(words: Iterable[str]) -> list[str]:
    """The usable, distinct hot words of ``words``, in order, bounded in number and length."""
    out: dict[str, None] = {}
    for raw in words:
        word = unicodedata.normalize("NFKC", raw).replace("<|", " ").replace("|>", " ")
        word = _DROP.sub("", word).replace("_", "")[:MAX_WORD_CHARS]
        if len(word) >= 2 and word not in out:  # one character biases nothing but noise
            out[word] = None
            if len(out) == MAX_WORDS:
                break
    return list(out)


def hotword_text(words: Iterable[str]) -> str:
    """The cleaned words as one prompt string."""
    return SEPARATOR.join(clean_hotwords(words))
