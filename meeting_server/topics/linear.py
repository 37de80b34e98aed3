"""A linear model of the categories: logistic regression over a topic's mean word vector, learnt offline
from the labelled sets.

The engine classifies with it together with the Naive Bayes (``bayes``): the two log-probabilities,
averaged (``combine``). The Naive Bayes reads characters; this model reads meaning, so the two disagree
where a topic's words are new (a writer the sets have not seen). Held out on topics written after the
lexicon (blind5–blind9) the pair scores 0.837 against the Naive Bayes' 0.815 alone (README: 议题征集, the
engine's numbers); this model alone, 0.688. A logistic regression that also read character n-grams and
words (until this change) was a better model alone (0.787) but a worse partner: 0.817, as it made the
Naive Bayes' mistakes.

A topic's feature is the title-and-body mean word vector (``semantic.mean_vector``: the title's words
counting double). The weights are learnt with scikit-learn's ``LogisticRegression``
(``bench/topics_training.py`` writes ``category_model.json``; a test checks it is in step with the
labelled sets) and evaluated here with numpy, so triage needs neither scikit-learn nor training at start.

Pure: texts in, scores out; the package's file is read once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np

from .semantic import WordVectors, embed, mean_vector

C = 1.0  # the inverse regularisation strength (scikit-learn's default)
NB_TEMPERATURE = 10.0  # the Naive Bayes' log-likelihoods are divided by this before they are averaged
NB_SHARE = 0.5  # the Naive Bayes' share of the averaged log-probabilities

Sample = tuple[str, str, str]  # (category, title, body)


class LinearModel:
    """``log_softmax(V · mean_vector + b)`` over ``categories``."""

    def __init__(self, spec: Mapping[str, Any], vectors: WordVectors) -> None:
        self.categories = tuple(spec["categories"])
        self._vectors = vectors
        self._dense = np.asarray(spec["dense"], np.float64)  # dim x categories
        self._bias = np.asarray(spec["bias"], np.float64)
        if self._dense.shape[0] != vectors.dim:
            raise ValueError("category model: learnt on other word vectors; run bench/topics_training.py")

    def log_proba(self, title: str, body: str) -> np.ndarray:
        """The categories' log-probabilities, in ``categories`` order."""
        raw = self._bias + _mean(self._vectors, title, body) @ self._dense
        raw -= raw.max()
        return np.asarray(raw - math.log(float(np.exp(raw).sum())))


def combine(nb_scores: Sequence[float], linear: np.ndarray) -> np.ndarray:
    """The ensemble's log-probabilities: the Naive Bayes' (its log-likelihoods, softened by
    ``NB_TEMPERATURE``) and the linear model's, averaged with ``NB_SHARE``."""
    s = np.asarray(nb_scores, np.float64) / NB_TEMPERATURE
    s -= s.max()
    s -= math.log(float(np.exp(s).sum()))
    return NB_SHARE * s + (1 - NB_SHARE) * linear


def _mean(vectors: WordVectors, title: str, body: str) -> np.ndarray:
    text = embed(vectors, title, body)
    return np.asarray(mean_vector(text, text.tf), np.float64)


def design(samples: Sequence[Sample], vectors: WordVectors) -> np.ndarray:
    """The samples' feature matrix as ``LinearModel`` computes it (training only)."""
    return np.stack([_mean(vectors, title, body) for _, title, body in samples])


def fit(samples: Iterable[Sample], categories: tuple[str, ...], vectors: WordVectors) -> tuple[Any, Any]:
    """scikit-learn's model of ``samples`` and its feature matrix (training only: needs scikit-learn)."""
    from sklearn.linear_model import LogisticRegression  # training only

    rows = sorted(set(samples))  # one order whatever the caller's, so the weights are too
    x = design(rows, vectors)
    model = LogisticRegression(C=C, max_iter=5000).fit(x, [cat for cat, _, _ in rows])
    return model, x


def spec_of(model: Any, categories: tuple[str, ...]) -> dict[str, Any]:
    """The JSON-ready form of a model ``fit`` learnt, as ``LinearModel`` reads it."""
    order = [list(model.classes_).index(c) for c in categories]
    return {
        "categories": list(categories),
        "dense": [[round(float(v), 6) for v in r] for r in model.coef_[order].T],
        "bias": [round(float(v), 6) for v in model.intercept_[order]],
    }


def learn(samples: Iterable[Sample], categories: tuple[str, ...], vectors: WordVectors) -> dict[str, Any]:
    """The JSON-ready weights learnt from ``samples`` (training only)."""
    return spec_of(fit(samples, categories, vectors)[0], categories)


@cache
def default_spec() -> dict[str, Any]:
    """The weights shipped with the package (``category_model.json``), read once."""
    text = files(__package__).joinpath("category_model.json").read_text(encoding="utf-8")
    return dict(json.loads(text))
