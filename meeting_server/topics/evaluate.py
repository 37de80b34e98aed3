"""Scoring a triage against labelled topics (``topics/labelled``): pairs and categories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    accuracy: float  # categories, over the topics that are not flagged


def clusters(duplicate_of: Mapping[str, str | None]) -> dict[str, str]:
    """Each topic → the root of its duplicate chain."""

    def root(t: str) -> str:
        seen = set()
        while (nxt := duplicate_of.get(t)) is not None and t not in seen:
            seen.add(t)
            t = nxt
        return t

    return {t: root(t) for t in duplicate_of}


def score(gold: Sequence[Mapping[str, object]], predicted: Mapping[str, Mapping[str, object]]) -> Scores:
    """``gold``: labelled topics ({id, category, dup_group, flags?}); ``predicted``: id → {category,
    duplicate_of}. Pair precision/recall/F1 of "same cluster" against "same dup_group"."""
    cluster = clusters({t: p.get("duplicate_of") for t, p in predicted.items()})  # type: ignore[misc]
    ids = [str(g["id"]) for g in gold]
    group = {str(g["id"]): g.get("dup_group") for g in gold}
    tp = fp = fn = 0
    for a, b in combinations(ids, 2):
        same_gold = group[a] is not None and group[a] == group[b]
        same_pred = cluster.get(a, a) == cluster.get(b, b)
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    judged = [g for g in gold if not g.get("flags")]
    right = sum(predicted[str(g["id"])]["category"] == g["category"] for g in judged)
    return Scores(precision, recall, f1, right / len(judged) if judged else 1.0)
