"""A linear model of the categories: logistic regression over character n-grams, jieba words and the mean
word vector, learnt offline from the labelled sets and the lexicon's word list.

The engine classifies with it together with the Naive Bayes (``bayes``): the two log-probabilities,
averaged (``combine``). Held out on topics written after the lexicon (blind5–blind9) the pair scores
0.817 against the Naive Bayes' 0.815 alone (README: 议题征集, the engine's numbers); this model alone,
0.787.

Features of a topic (``counts``): character 1–3-grams and jieba content words (the title's counting
``TITLE_TF`` times), each count ``1 + log tf``, times its IDF over the training topics, the vector scaled
to unit length; then the title-and-body mean word vector (``semantic.mean_vector``) appended. Only
features seen in ``MIN_DF`` training topics are kept.

The weights are learnt with scikit-learn's ``LogisticRegression`` (``bench/topics_training.py`` writes
``category_model.json``; a test checks it is in step with the labelled sets) and evaluated here with
numpy, so triage needs neither scikit-learn nor training at start.

Pure: texts in, scores out; the package's file is read once.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np

from .bayes import ngrams
from .semantic import WordVectors, content_words, embed, mean_vector
from .text import Lexicon

TITLE_TF = 2
MIN_DF = 2  # a feature must be in this many training topics (lexicon words included): 0.8 MB, not 2.9
C = 10.0  # the inverse regularisation strength
VECTOR_SCALE = 1.0  # the mean word vector's length against the unit-length sparse part
NB_TEMPERATURE = 10.0  # the Naive Bayes' log-likelihoods are divided by this before they are averaged
NB_SHARE = 0.5  # the Naive Bayes' share of the averaged log-probabilities

Sample = tuple[str, str, str]  # (category, title, body)


def counts(title: str, body: str) -> Counter[str]:
    """The sparse features' raw counts: ``g:`` character n-grams, ``w:`` jieba content words."""
    out: Counter[str] = Counter()
    for text, tf in ((title, TITLE_TF), (body, 1)):
        for g, n in ngrams(text).items():
            out[f"g:{g}"] += tf * n
        for w in content_words(text):
            out[f"w:{w}"] += tf
    return out


def lexicon_samples(lexicon: Lexicon) -> list[Sample]:
    """The lexicon's words as one-word topics of each category a concept votes for with weight ≥ 1."""
    return [
        (cat, term, "")
        for term, ids in lexicon.terms.items()
        for cid in ids
        for cat, weight in lexicon.concepts[cid].votes
        if weight >= 1.0
    ]


class LinearModel:
    """``log_softmax(W · x + V · mean_vector + b)`` over ``categories``."""

    def __init__(self, spec: Mapping[str, Any], vectors: WordVectors) -> None:
        self.categories = tuple(spec["categories"])
        self._vectors = vectors
        self._column = {f: i for i, f in enumerate(spec["features"])}
        self._idf = np.asarray(spec["idf"], np.float64)
        self._sparse = np.asarray(spec["sparse"], np.float64)  # features x categories
        self._dense = np.asarray(spec["dense"], np.float64)  # dim x categories
        self._bias = np.asarray(spec["bias"], np.float64)
        if self._dense.shape[0] != vectors.dim:
            raise ValueError("category model: learnt on other word vectors; run bench/topics_training.py")

    def log_proba(self, title: str, body: str) -> np.ndarray:
        """The categories' log-probabilities, in ``categories`` order."""
        column, idf = self._column, self._idf
        known = [(column[f], 1.0 + math.log(n)) for f, n in counts(title, body).items() if f in column]
        raw = self._bias.copy()
        if known:
            cols = np.array([c for c, _ in known])
            x = np.array([v for _, v in known]) * idf[cols]
            raw += (x / np.linalg.norm(x)) @ self._sparse[cols]
        raw += VECTOR_SCALE * _mean(self._vectors, title, body) @ self._dense
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


def vocabulary(samples: Sequence[Sample]) -> tuple[list[str], np.ndarray]:
    """The sparse features seen in ``MIN_DF`` of ``samples``, sorted, and their IDF."""
    df = Counter(f for _, title, body in samples for f in counts(title, body))
    names = sorted(f for f, n in df.items() if n >= MIN_DF)
    return names, np.array([1.0 + math.log((len(samples) + 1) / (df[f] + 1)) for f in names])


def design(samples: Sequence[Sample], names: Sequence[str], idf: np.ndarray, vectors: WordVectors) -> Any:
    """The samples' feature matrix as ``LinearModel`` computes it, as a scipy CSR matrix (training only)."""
    from scipy import sparse  # training only

    column = {f: i for i, f in enumerate(names)}
    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    for _, title, body in samples:
        c = counts(title, body)
        cols = np.array(sorted(column[f] for f in c if f in column), np.int64)
        x = np.array([1.0 + math.log(c[names[i]]) for i in cols]) * idf[cols]
        data.extend((x / (np.linalg.norm(x) or 1.0)).tolist())
        indices.extend(cols.tolist())
        indptr.append(len(indices))
    x_sparse = sparse.csr_matrix((data, indices, indptr), shape=(len(samples), len(names)))
    dense = np.stack([VECTOR_SCALE * _mean(vectors, title, body) for _, title, body in samples])
    return sparse.hstack([x_sparse, sparse.csr_matrix(dense)]).tocsr()


def fit(samples: Iterable[Sample], categories: tuple[str, ...], vectors: WordVectors) -> tuple[Any, Any]:
    """scikit-learn's model of ``samples`` and its feature matrix (training only: needs scikit-learn)."""
    from sklearn.linear_model import LogisticRegression  # training only

    rows = sorted(set(samples))  # one order whatever the caller's, so the weights are too
    names, idf = vocabulary(rows)
    x = design(rows, names, idf, vectors)
    model = LogisticRegression(C=C, max_iter=5000).fit(x, [cat for cat, _, _ in rows])
    model.feature_names_, model.idf_ = names, idf
    return model, x


def spec_of(model: Any, categories: tuple[str, ...]) -> dict[str, Any]:
    """The JSON-ready form of a model ``fit`` learnt, as ``LinearModel`` reads it."""
    order = [list(model.classes_).index(c) for c in categories]
    coef = model.coef_[order].T
    n = len(model.feature_names_)
    return {
        "categories": list(categories),
        "features": list(model.feature_names_),
        "idf": [round(float(v), 6) for v in model.idf_],
        "sparse": [[round(float(v), 6) for v in r] for r in coef[:n]],
        "dense": [[round(float(v), 6) for v in r] for r in coef[n:]],
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
