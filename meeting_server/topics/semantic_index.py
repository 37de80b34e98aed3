"""The topics indexed by meaning: candidates by their mean word vector, and the features of a pair.

``SemanticIndex`` keeps each topic's words and vectors (``semantic.Text``) and the words' document
frequencies; ``features`` describes a new text against candidate topics as the pair model (``pair_model``)
reads it. Training and triage both go through ``features``, so the model sees at run time what it learnt on.

Pure: no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .semantic import Text, WordVectors, align, embed, idf, mean_vector, weights
from .text import bigrams, normalise, without_places

FEATURES = (
    "soft",  # the whole texts' soft alignment
    "soft_title",  # the titles'
    "mean_cosine",  # of the IDF-weighted mean vectors
    "bigram_jaccard",  # of the character bigrams
    "same_place",  # both name one place (12号楼)
    "cover",  # the share of words with a near word in the other
    "weaker",  # the lower of the two alignment directions
    "shared_idf",  # the rarest word both use
    "cover_title",
    "weaker_title",
    "cross",  # one's title against the other's whole text, the better way round
    "soft_below_best",  # soft minus the best soft among the candidates
    "is_best",
    "soft_above_second",  # soft minus the second best (how clearly this one stands out)
    "title_below_best",
    "other_request",  # both titles name a request or problem the lexicon knows, and none the same
)


@dataclass(frozen=True)
class Entry:
    text: Text
    title: Text
    grams: frozenset[str]
    places: frozenset[tuple[str, str]]
    requests: frozenset[str]  # the lexicon's problem concepts in the title (加装电梯, 坏了, 不够)


class SemanticIndex:
    """Not thread-safe: one writer, like the engine that owns it."""

    def __init__(self, vectors: WordVectors) -> None:
        self.vectors = vectors
        self._entries: dict[str, Entry] = {}
        self._df: Counter[str] = Counter()
        self._row_of: dict[str, int] = {}
        self._ids: list[str | None] = []
        self._means = np.zeros((64, vectors.dim), np.float32)

    def __len__(self) -> int:
        return len(self._entries)

    def entry(
        self,
        title: str,
        body: str,
        places: frozenset[tuple[str, str]],
        requests: frozenset[str],
    ) -> Entry:
        # Words and bigrams say what is asked; where is the ``same_place`` feature (and the engine's filter).
        title, body = without_places(normalise(title)), without_places(normalise(body))
        text = embed(self.vectors, title, body)
        title_only = embed(self.vectors, title, "")
        grams = frozenset(g for g in bigrams(title + " " + body) if len(g) == 2)
        return Entry(text, title_only, grams, places, requests)

    def add(self, topic_id: str, entry: Entry) -> None:
        mean = mean_vector(entry.text, self._weights(entry.text))
        self._entries[topic_id] = entry
        self._df.update(set(entry.text.words))
        row = len(self._ids)
        if row == len(self._means):
            self._means = np.concatenate([self._means, np.zeros_like(self._means)])
        self._means[row] = mean
        self._ids.append(topic_id)
        self._row_of[topic_id] = row

    def remove(self, topic_id: str) -> None:
        entry = self._entries.pop(topic_id, None)
        if entry is None:
            return
        self._df.subtract(set(entry.text.words))
        row = self._row_of.pop(topic_id)
        self._means[row] = 0.0
        self._ids[row] = None

    def nearest(self, entry: Entry, k: int, allowed: Callable[[str], bool]) -> list[str]:
        """Up to ``k`` allowed topics by the cosine of mean vectors, nearest first."""
        if entry.text.empty or not self._entries:
            return []
        n = len(self._ids)
        cos = self._means[:n] @ mean_vector(entry.text, self._weights(entry.text))
        out: list[str] = []
        for row in np.argsort(-cos, kind="stable"):
            topic_id = self._ids[int(row)]
            if topic_id is not None and allowed(topic_id):
                out.append(topic_id)
                if len(out) == k:
                    break
        return out

    def _weights(self, text: Text) -> np.ndarray:
        return weights(text, self._df, len(self._entries))

    def features(self, new: Entry, candidates: Sequence[str]) -> np.ndarray:
        """One row of ``FEATURES`` per candidate (an indexed topic id)."""
        n = len(self._entries)
        w_text, w_title = self._weights(new.text), self._weights(new.title)
        mean = mean_vector(new.text, w_text)
        rows = []
        for topic_id in candidates:
            old = self._entries[topic_id]
            o_text, o_title = self._weights(old.text), self._weights(old.title)
            whole = align(new.text, w_text, old.text, o_text)
            title = align(new.title, w_title, old.title, o_title)
            cross = max(
                align(new.title, w_title, old.text, o_text).soft,
                align(new.text, w_text, old.title, o_title).soft,
            )
            union = len(new.grams | old.grams) or 1
            shared = set(new.text.words) & set(old.text.words)
            rows.append(
                [
                    whole.soft,
                    title.soft,
                    float(mean @ mean_vector(old.text, o_text)),
                    len(new.grams & old.grams) / union,
                    float(bool(new.places & old.places)),
                    whole.cover,
                    whole.weaker,
                    max((idf(n, self._df[w]) for w in shared), default=0.0),
                    title.cover,
                    title.weaker,
                    cross,
                    float(bool(new.requests and old.requests and not new.requests & old.requests)),
                ]
            )
        if not rows:
            return np.zeros((0, len(FEATURES)), np.float32)
        x = np.array(rows, np.float32)
        soft, soft_title = x[:, 0], x[:, 1]
        ranked = np.sort(soft)[::-1]
        second = ranked[1] if len(ranked) > 1 else 0.0
        best = (soft == ranked[0]).astype(np.float32)
        relative = np.stack([soft - ranked[0], best, soft - second, soft_title - soft_title.max()], axis=1)
        return np.concatenate([x[:, :11], relative, x[:, 11:]], axis=1)
