"""The topic engine: duplicates, similar topics while typing, categories and flags for residents' topics.

Duplicates. Candidates among the earlier topics come two ways: a sparse vector of neighbourhood concepts
(``lexicon.txt``: synonym sets such as 车位/停车位/泊位), character bigrams and named places, TF-IDF
weighted, through an inverted index; and the mean word vector (``semantic``), which finds paraphrases that
share no character (泊车 and 停车位). A pair model learnt from labelled topics (``pair_model``) then judges
each candidate from how the two texts' words align (``semantic_index.FEATURES``) and what the lexicon knows
against them (both name objects, or specific problems, and share none); the likeliest candidate above
``DUPLICATE_P`` is the duplicate. Topics naming different places (12号楼, 13号楼) are never duplicates.

Categories: the Naive Bayes over characters (``bayes``) and a logistic regression over the mean word
vector (``linear``), their log-probabilities averaged.

Pure: no I/O at import or in calls; the package's lexicon, vectors and model are read once, when the first
engine needs them.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files

import numpy as np

from .bayes import NaiveBayes, topic_grams, train
from .linear import LinearModel, combine, default_spec
from .pair_model import PairModel, default_pair_model, labelled_sets
from .semantic import WordVectors, default_vectors
from .semantic_index import Entry, SemanticIndex
from .text import (
    Lexicon,
    bigram_weight,
    bigrams,
    concepts_in,
    different_places,
    flags_of,
    idf,
    normalise,
    parse_lexicon,
    places_in,
)

CATEGORIES = ("停车交通", "环境卫生", "物业服务", "养老托幼", "设施改造", "安全消防", "噪音油烟", "其他")
FALLBACK = "其他"

# Feature weights before IDF, by concept kind; bigrams weigh 1 (generic ones less: text.bigram_weight).
_KIND_WEIGHT = {"o": 3.0, "p": 2.0, "c": 0.7}
_NEUTRAL_WEIGHT = 1.0  # a concept with no category votes (不够, 坏了): says little about which topic
_PLACE_WEIGHT = 2.0  # a named place (12号楼, 东门): the same place ranks topics nearer
_TITLE_TF = 2  # a word in the title counts twice
CONCEPT_SHARE = 0.3  # the score: this share of the concepts' cosine, the rest the cosine of all features
_CANDIDATES = 400  # nearest by the partial score, before flagged topics and other places are dropped
_SHORTLIST = 50  # candidates rescored exactly
_POSTING_CAP = 2000  # postings longer than this are left out of candidate generation (not of the score)
LEXICAL_CANDIDATES = 20  # the pair model judges the nearest by the lexical score …
SEMANTIC_CANDIDATES = 20  # … and by the mean word vector
TITLE_COVER = 0.65  # the share of a title's objects (by weight) the other topic must name, when it names any
DUPLICATE_P = 0.5  # the pair model's probability from which a topic is a duplicate
SIMILAR_MIN = 0.2  # the relevance from which a topic is shown as similar while typing


@dataclass(frozen=True)
class Triage:
    category: str  # one of CATEGORIES
    duplicate_of: str | None  # an earlier topic id, or None
    flags: tuple[str, ...]  # () or some of "empty", "meaningless", "abusive"
    similarity: float  # to duplicate_of, 0 when None


@dataclass(frozen=True)
class _Doc:
    objects: frozenset[str]
    problems: frozenset[str]
    title_objects: frozenset[str]
    title_problems: frozenset[str]
    places: frozenset[tuple[str, str]]  # 12号楼, 3单元, 东门
    flagged: bool


def _norm(weights: Iterable[float]) -> float:
    return math.sqrt(sum(w * w for w in weights)) or 1.0


@cache
def training_rows() -> tuple[tuple[str, str, str, str], ...]:
    """The package's labelled topics that are not flagged, as (set, category, title, body)."""
    return tuple(
        (name, str(r["category"]), str(r["title"]), str(r["body"]))
        for name, rows in labelled_sets().items()
        for r in rows
        if not r.get("flags")
    )


@cache
def _default_bayes() -> NaiveBayes:
    return train(load_lexicon(), CATEGORIES, training_rows())


@cache
def load_lexicon() -> Lexicon:
    """The package's lexicon (read once)."""
    text = files(__package__).joinpath("lexicon.txt").read_text(encoding="utf-8")
    return parse_lexicon(text, CATEGORIES)


class TopicEngine:
    """An index of topics in submission order. Not thread-safe: one writer, like the topic's stream."""

    def __init__(
        self,
        lexicon: Lexicon | None = None,
        bayes: NaiveBayes | None = None,
        vectors: WordVectors | None = None,
        pair_model: PairModel | None = None,
        category_model: LinearModel | None = None,
    ) -> None:
        self._lex = lexicon or load_lexicon()
        self._sem = SemanticIndex(vectors or default_vectors())
        self._pair_model = pair_model  # the packaged one is read on first use: training engines never ask
        self._category_model = category_model  # the same
        self._docs: dict[str, _Doc] = {}
        self._features_of: dict[str, dict[str, int]] = {}  # feature → term frequency, by topic
        self._postings: dict[str, dict[str, int]] = {}
        self._root: dict[str, str] = {}  # a duplicate → the topic it duplicates
        if bayes is None:
            bayes = _default_bayes() if lexicon is None else train(self._lex, CATEGORIES, training_rows())
        self._bayes = bayes

    def __len__(self) -> int:
        return len(self._docs)

    # -- features ------------------------------------------------------------------------------------------

    def _features(self, title: str, body: str) -> tuple[dict[str, int], _Doc]:
        title, body = normalise(title), normalise(body)
        in_title, in_body = concepts_in(self._lex, title), concepts_in(self._lex, body)
        tf: Counter[str] = Counter()
        for cid in in_title | in_body:
            tf[f"c:{cid}"] = _TITLE_TF if cid in in_title else 1
        for gram, n in bigrams(title).items():
            tf[f"b:{gram}"] += _TITLE_TF * n
        for gram, n in bigrams(body).items():
            tf[f"b:{gram}"] += n
        found = in_title | in_body
        objects = frozenset(c for c in found if self._lex.concepts[c].kind == "o")
        problems = frozenset(c for c in found if self._lex.concepts[c].kind == "p")
        places = places_in(title) | places_in(body)
        for kind, name in places:
            tf[f"p:{kind}:{name}"] = 1
        return dict(tf), _Doc(objects, problems, objects & in_title, problems & in_title, places, False)

    def _weight(self, feature: str) -> float:
        n = len(self._docs)
        df = len(self._postings.get(feature, ()))
        if feature.startswith("c:"):
            concept = self._lex.concepts[feature[2:]]
            base = _KIND_WEIGHT[concept.kind] if concept.votes else _NEUTRAL_WEIGHT
        elif feature.startswith("p:"):
            base = _PLACE_WEIGHT
        else:
            base = bigram_weight(feature[2:])
        return base * idf(n, df)

    # -- search ----------------------------------------------------------------------------------------------

    def _scores(
        self, features: dict[str, int], exclude: str | None, places: frozenset[tuple[str, str]] = frozenset()
    ) -> list[tuple[str, float]]:
        """Unflagged topics by similarity to ``features``, best first (only those sharing a feature; with
        ``places``, only those naming no other place)."""
        weights = {f: tf * self._weight(f) for f, tf in features.items()}
        partial: dict[str, float] = {}
        for f, w in weights.items():
            posting = self._postings.get(f)
            if posting and len(posting) <= _POSTING_CAP:
                for doc_id, dtf in posting.items():
                    partial[doc_id] = partial.get(doc_id, 0.0) + w * dtf
        docs = self._docs
        # The nearest by the cheap partial score, then those the caller may see, then the exact score.
        nearest = heapq.nlargest(_CANDIDATES, partial, key=partial.__getitem__)
        allowed = [
            d
            for d in nearest
            if d != exclude and not docs[d].flagged and not different_places(places, docs[d].places)
        ][:_SHORTLIST]
        q_norm = _norm(weights.values())
        q_concepts = _norm(w for f, w in weights.items() if f.startswith("c:"))
        out = []
        known: dict[str, float] = {}  # feature weights, computed once a call
        for doc_id in allowed:
            dot = d_sq = c_dot = c_sq = 0.0
            for f, dtf in self._features_of[doc_id].items():
                fw = known.get(f)
                if fw is None:
                    fw = known[f] = self._weight(f)
                dw = dtf * fw
                d_sq += dw * dw
                product = weights.get(f, 0.0) * dw
                dot += product
                if f.startswith("c:"):
                    c_sq += dw * dw
                    c_dot += product
            whole = dot / (q_norm * math.sqrt(d_sq or 1.0))
            concepts = c_dot / (q_concepts * math.sqrt(c_sq or 1.0))
            out.append((doc_id, (1 - CONCEPT_SHARE) * whole + CONCEPT_SHARE * concepts))
        out.sort(key=lambda pair: (-pair[1], pair[0]))
        return out

    def _candidates(
        self, features: dict[str, int], doc: _Doc, entry: Entry, exclude: str | None
    ) -> list[str]:
        """Unflagged topics nearest by the lexical score and by meaning, leaving out those naming another
        place and those the lexicon tells apart (``_disjoint``)."""
        docs, places = self._docs, doc.places

        def allowed(d: str) -> bool:
            old = docs[d]
            return (
                d != exclude
                and not old.flagged
                and not different_places(places, old.places)
                and not _disjoint(doc, old, self._lex)
            )

        lexical = [d for d, _ in self._scores(features, exclude, places)[:_SHORTLIST] if allowed(d)]
        semantic = self._sem.nearest(entry, SEMANTIC_CANDIDATES, allowed)
        return list(dict.fromkeys(lexical[:LEXICAL_CANDIDATES] + semantic))

    def candidate_features(
        self, title: str, body: str, exclude: str | None = None
    ) -> tuple[list[str], np.ndarray]:
        """The topics the pair model is asked about for this text, and their features (one row each)."""
        features, doc = self._features(title, body)
        entry = self._sem.entry(title, body, doc.places, doc.title_problems)
        candidates = self._candidates(features, doc, entry, exclude)
        return candidates, self._sem.features(entry, candidates)

    def _judged(self, title: str, body: str, exclude: str | None = None) -> list[tuple[str, float, float]]:
        """Candidates with the pair model's probability and their soft alignment, likeliest first."""
        candidates, x = self.candidate_features(title, body, exclude)
        if self._pair_model is None:
            self._pair_model = default_pair_model()
        p = self._pair_model.probabilities(x)
        out = [(c, float(p[i]), float(x[i, 0])) for i, c in enumerate(candidates)]
        out.sort(key=lambda t: (-t[1], -t[2], t[0]))
        return out

    def similar(self, text: str, k: int = 5, exclude: str | None = None) -> list[tuple[str, float]]:
        """The ``k`` unflagged topics nearest to what is being typed, best first, with their relevance:
        the mean of the pair model's probability and the words' soft alignment."""
        if not normalise(text):
            return []
        scored = [(c, round((p + soft) / 2, 4)) for c, p, soft in self._judged(text, "", exclude)]
        scored.sort(key=lambda t: (-t[1], t[0]))
        return [(c, s) for c, s in scored[:k] if s > SIMILAR_MIN]

    # -- triage ----------------------------------------------------------------------------------------------

    def classify(self, title: str, body: str) -> str:
        """The character n-gram Naive Bayes (``bayes.py``, trained at start on the lexicon's words and the
        labelled topics) and the shipped linear model (``linear.py``), averaged (``linear.combine``)."""
        if self._category_model is None:
            self._category_model = LinearModel(default_spec(), self._sem.vectors)
        if self._category_model.categories != CATEGORIES:
            raise ValueError("category model: learnt on other categories; run bench/topics_training.py")
        nb = self._bayes.scores(topic_grams(title, body))
        both = combine([nb[c] for c in CATEGORIES], self._category_model.log_proba(title, body))
        return CATEGORIES[int(np.argmax(both))]

    def flags(self, title: str, body: str) -> tuple[str, ...]:
        return flags_of(self._lex, title, body)

    def _duplicate(self, title: str, body: str) -> tuple[str | None, float]:
        judged = self._judged(title, body)
        if judged and judged[0][1] >= DUPLICATE_P:
            doc_id, p, _ = judged[0]
            return self._root.get(doc_id, doc_id), p
        return None, 0.0

    def add(self, topic_id: str, title: str, body: str) -> Triage:
        """Triage a new topic against the earlier ones, then index it (a flagged one too, never matched)."""
        if topic_id in self._docs:
            raise ValueError(f"topic {topic_id} is already indexed")
        flags = self.flags(title, body)
        duplicate_of, similarity = (None, 0.0) if flags else self._duplicate(title, body)
        features, doc = self._features(title, body)
        self._index(topic_id, title, body, replace(doc, flagged=bool(flags)), features)
        if duplicate_of is not None:
            self._root[topic_id] = duplicate_of
        # A flagged submission (empty, meaningless, abusive) asks for nothing to be solved: it is filed under
        # the catch-all rather than wherever its few characters happen to lean (测试 is not 养老托幼).
        category = FALLBACK if flags else self.classify(title, body)
        return Triage(category, duplicate_of, flags, round(similarity, 4))

    def restore(
        self,
        topic_id: str,
        title: str,
        body: str,
        duplicate_of: str | None = None,
        flagged: bool = False,
    ) -> None:
        """Index a topic already triaged (its verdict is in the record): no duplicate search and no
        classification, so rebuilding a community's engine at start costs features only. ``flagged`` and
        ``duplicate_of`` are as recorded (``Triage.flags``, ``Triage.duplicate_of``)."""
        if topic_id in self._docs:
            raise ValueError(f"topic {topic_id} is already indexed")
        features, doc = self._features(title, body)
        self._index(topic_id, title, body, replace(doc, flagged=flagged), features)
        if duplicate_of is not None and duplicate_of in self._docs:
            self._root[topic_id] = self._root.get(duplicate_of, duplicate_of)

    def _index(self, topic_id: str, title: str, body: str, doc: _Doc, features: dict[str, int]) -> None:
        self._sem.add(topic_id, self._sem.entry(title, body, doc.places, doc.title_problems))
        self._docs[topic_id] = doc
        self._features_of[topic_id] = features
        for f, tf in features.items():
            self._postings.setdefault(f, {})[topic_id] = tf

    def remove(self, topic_id: str) -> None:
        """A merged or rejected topic leaves the index (unknown ids are ignored)."""
        if self._docs.pop(topic_id, None) is None:
            return
        self._sem.remove(topic_id)
        for f in self._features_of.pop(topic_id):
            posting = self._postings[f]
            del posting[topic_id]
            if not posting:
                del self._postings[f]
        self._root.pop(topic_id, None)
        for dup in [d for d, root in self._root.items() if root == topic_id]:
            del self._root[dup]


def _disjoint(new: _Doc, old: _Doc, lexicon: Lexicon) -> bool:
    """The lexicon tells the two apart: both name objects and share none, or both name specific problems
    and share none (加装电梯 is not 电梯故障). Of the labelled duplicate pairs 7 in 162 fall to it."""
    if new.objects and old.objects and not new.objects & old.objects:
        return True
    if not (
        _covered(new.title_objects, old.objects, lexicon)
        and _covered(old.title_objects, new.objects, lexicon)
    ):
        return True
    mine = {c for c in new.problems if _strong(lexicon, c)}
    theirs = {c for c in old.problems if _strong(lexicon, c)}
    return bool(mine and theirs and not mine & theirs)


def _covered(title_objects: frozenset[str], objects: frozenset[str], lexicon: Lexicon) -> bool:
    """Most of a title's objects (by category weight) are among the other topic's objects, or the other
    names none (停车场路灯坏了 is not 停车位不够: 路灯 is not there)."""
    if not objects:
        return True
    total = sum(_salience(lexicon, c) for c in title_objects)
    return sum(_salience(lexicon, c) for c in title_objects & objects) >= TITLE_COVER * total


def _salience(lexicon: Lexicon, concept: str) -> float:
    return max((weight for _, weight in lexicon.concepts[concept].votes), default=1.0)


def _strong(lexicon: Lexicon, concept: str) -> bool:
    """A problem that says which topic it is (加装电梯, 涨价), not one any topic has (坏了, 不够, 锈)."""
    return any(weight >= 1.0 for _, weight in lexicon.concepts[concept].votes)
