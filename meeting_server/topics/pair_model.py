"""Which near topic is the same request: a model of pairs, learnt from the labelled topic sets.

For each topic of a labelled set, in submission order, the engine proposes candidates among the earlier
ones (``TopicEngine.candidate_features``); a pair is positive when both carry the same ``dup_group``. A
gradient-boosted tree ensemble (scikit-learn's ``GradientBoostingClassifier``, fixed seed) learns the
probability from ``semantic_index.FEATURES``.

The learnt trees are shipped as ``pair_model.json`` (``bench/topics_training.py`` writes it; a test checks
it is in step with the labelled sets) and evaluated here with numpy, so triage needs neither scikit-learn
nor the seconds of training at start.

Pure: labelled rows in, a model out; the package's files are read once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import numpy as np

from .semantic_index import FEATURES

if TYPE_CHECKING:
    from .engine import TopicEngine

Row = Mapping[str, Any]  # {id, title, body, category, dup_group, flags?}
# dev came with the issue; tune was written to tune on; the blind sets were each written before a change.
LABELLED = ("dev", "tune", "blind", *(f"blind{n}" for n in range(2, 10)))
TREES = 150
LEARNING_RATE = 0.05
DEPTH = 3


@cache
def labelled_sets() -> dict[str, tuple[Row, ...]]:
    """The package's labelled topic sets by name (``topics/labelled/*.jsonl``), read once."""
    root = files(__package__).joinpath("labelled")
    out: dict[str, tuple[Row, ...]] = {}
    for name in LABELLED:
        text = root.joinpath(f"{name}.jsonl").read_text(encoding="utf-8")
        out[name] = tuple(json.loads(line) for line in text.splitlines() if line.strip())
    return out


class PairModel:
    """Boosted regression trees on the log-odds: ``init + rate * Σ leaf``, then the logistic function.

    Each tree is four arrays over its nodes (``feature``, ``threshold``, ``left``, ``right``; a leaf has
    ``left == -1``) and ``value``; a row goes left when its feature is ``<=`` the threshold.
    """

    def __init__(self, spec: Mapping[str, Any]) -> None:
        if list(spec["features"]) != list(FEATURES):
            raise ValueError("pair model: trained on other features; run bench/topics_training.py")
        self.spec = spec
        self._init = float(spec["init"])
        self._rate = float(spec["learning_rate"])
        self._trees = [tuple(np.asarray(t[k], dtype) for k, dtype in _TREE_ARRAYS) for t in spec["trees"]]

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        if not len(x):
            return np.zeros(0)
        raw = np.full(len(x), self._init)
        rows = np.arange(len(x))
        for feature, threshold, left, right, value in self._trees:
            node = np.zeros(len(x), np.int64)
            while True:
                inner = left[node] >= 0
                if not inner.any():
                    break
                f = feature[node]
                go_left = x[rows, np.maximum(f, 0)] <= threshold[node]
                node = np.where(inner, np.where(go_left, left[node], right[node]), node)
            raw += self._rate * value[node]
        return np.asarray(1.0 / (1.0 + np.exp(-raw)))


_TREE_ARRAYS = (
    ("feature", np.int64),
    ("threshold", np.float64),
    ("left", np.int64),
    ("right", np.int64),
    ("value", np.float64),
)


@cache
def default_pair_model() -> PairModel:
    """The model shipped with the package (``pair_model.json``), read once."""
    return PairModel(json.loads(files(__package__).joinpath("pair_model.json").read_text(encoding="utf-8")))


def training_pairs(engine: TopicEngine, rows: Iterable[Row]) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs ``engine`` (empty) proposes for ``rows`` in order, and their labels."""
    xs: list[np.ndarray] = []
    ys: list[int] = []
    group: dict[str, object] = {}
    for row in rows:
        topic_id, title, body = str(row["id"]), str(row["title"]), str(row["body"])
        group[topic_id] = row.get("dup_group")
        flagged = bool(row.get("flags"))
        if not flagged:
            candidates, x = engine.candidate_features(title, body)
            mine = group[topic_id]
            xs.append(x)
            ys.extend(int(mine is not None and group[c] == mine) for c in candidates)
        engine.restore(topic_id, title, body, flagged=flagged)
    if not xs:
        return np.zeros((0, len(FEATURES)), np.float32), np.zeros(0, np.int64)
    return np.concatenate(xs), np.array(ys, np.int64)


def learn(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> Any:
    """scikit-learn's model of ``training_pairs`` of some sets (training only: needs scikit-learn)."""
    from sklearn.ensemble import GradientBoostingClassifier  # training only

    x = np.concatenate([p[0] for p in pairs]).astype(np.float64)
    y = np.concatenate([p[1] for p in pairs])
    return GradientBoostingClassifier(
        n_estimators=TREES, learning_rate=LEARNING_RATE, max_depth=DEPTH, random_state=0
    ).fit(x, y)


def spec_of(model: Any) -> dict[str, Any]:
    """The JSON-ready form of a learnt model, as ``PairModel`` reads it."""
    prior = float(np.clip(model.init_.class_prior_[1], 1e-12, 1 - 1e-12))
    trees = []
    for estimator in model.estimators_[:, 0]:
        t = estimator.tree_
        trees.append(
            {
                "feature": t.feature.tolist(),
                "threshold": [float(v) for v in t.threshold],
                "left": t.children_left.tolist(),
                "right": t.children_right.tolist(),
                "value": [float(v) for v in t.value[:, 0, 0]],
            }
        )
    return {
        "features": list(FEATURES),
        "init": math.log(prior / (1 - prior)),
        "learning_rate": float(model.learning_rate),
        "trees": trees,
    }


def fit(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> PairModel:
    return PairModel(spec_of(learn(pairs)))
