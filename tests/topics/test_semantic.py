"""The topic engine's word vectors and pair model: the table parser, the alignment, the shipped model.

The held-out test trains the pair model without one labelled set and scores that set: the honest measure
of duplicates on topics the model has not seen (README: 议题征集, the engine's numbers). It uses
scikit-learn, as bench/topics_training.py does.
"""

from __future__ import annotations

import json
import runpy
import struct
from pathlib import Path

import numpy as np
import pytest

from meeting_server.topics.engine import TopicEngine
from meeting_server.topics.evaluate import score
from meeting_server.topics.pair_model import (
    PAIR_SETS,
    PairModel,
    fit,
    labelled_sets,
    learn,
    pair_sets,
    spec_of,
    training_pairs,
)
from meeting_server.topics.semantic import align, content_words, default_vectors, embed, parse_word2vec

ROOT = Path(__file__).resolve().parents[2]


def table(rows: dict[str, list[float]]) -> bytes:
    dim = len(next(iter(rows.values())))
    out = f"{len(rows)} {dim}\n".encode()
    for word, vec in rows.items():
        out += word.encode() + b" " + struct.pack(f"<{dim}f", *vec) + b"\n"
    return out


def test_a_word2vec_table_is_parsed_and_normalised() -> None:
    wv = parse_word2vec(table({"停车": [3.0, 4.0], "泊车": [6.0, 8.0], "垃圾": [0.0, -2.0]}))
    assert set(wv.index) == {"停车", "泊车", "垃圾"} and wv.dim == 2
    assert np.allclose(wv.matrix[wv.index["停车"]], [0.6, 0.8])
    assert np.allclose(wv.matrix[wv.index["垃圾"]], [0.0, -1.0])


@pytest.mark.parametrize(
    "data", [b"", b"abc\n", b"2 0\n", b"2 3\n\xe5\x81\x9c " + b"\0" * 12, b"1 4\nword " + b"\0" * 3]
)
def test_a_broken_table_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="word2vec"):
        parse_word2vec(data)


def test_content_words_leave_out_stop_words_and_punctuation() -> None:
    words = content_words("希望小区里能多划一些停车位！")
    assert "停车位" in words
    assert not {"希望", "小区", "一些", "！"} & set(words)


def test_paraphrases_without_shared_characters_align_better_than_other_topics() -> None:
    wv = default_vectors()
    a, b, c = (embed(wv, t, "") for t in ("晚上没地方泊车", "夜里找不到停车位", "夜里垃圾桶很臭"))
    ones = [np.ones(len(x.words), np.float32) for x in (a, b, c)]
    assert not set("晚上没地方泊车") & set("夜里找不到停车位") - set("车")
    assert align(a, ones[0], b, ones[1]).soft > align(a, ones[0], c, ones[2]).soft


def test_the_numpy_model_gives_scikit_learns_probabilities() -> None:
    pairs = [training_pairs(TopicEngine(), labelled_sets()[name]) for name in ("dev", "blind4")]
    model = learn(pairs)
    x = np.concatenate([p[0] for p in pairs])
    ours = PairModel(json.loads(json.dumps(spec_of(model)))).probabilities(x)
    assert np.allclose(ours, model.predict_proba(x.astype(np.float64))[:, 1], atol=1e-12)
    assert PairModel(spec_of(model)).probabilities(x[:0]).shape == (0,)


def test_the_shipped_pair_model_is_learnt_from_the_labelled_sets() -> None:
    # Compared by what it decides, not byte for byte: float32 features summed by BLAS differ in their last
    # bits between machines and thread counts, and the learnt weights with them.
    script = runpy.run_path(str(ROOT / "bench" / "topics_training.py"))
    shipped = json.loads((ROOT / "meeting_server" / "topics" / "pair_model.json").read_text(encoding="utf-8"))
    fresh = json.loads(script["pair_model_text"]())
    assert shipped["features"] == fresh["features"], "run bench/topics_training.py"
    assert shipped["kind"] == fresh["kind"], "run bench/topics_training.py"
    x = np.concatenate([training_pairs(TopicEngine(), rows)[0] for rows in labelled_sets().values()])
    # (every labelled set's pairs, blind10–blind12 too: the model did not learn from those)
    ours, theirs = PairModel(shipped).probabilities(x), PairModel(fresh).probabilities(x)
    assert np.allclose(ours, theirs, atol=1e-3), "run bench/topics_training.py"
    assert ((ours >= 0.5) == (theirs >= 0.5)).all(), "run bench/topics_training.py"


# Floors a little under what each set scores held out (README); the mean is the number to watch.
HELD_OUT_F1 = {
    "dev": 0.9,
    "tune": 0.75,
    "blind": 0.7,
    "blind2": 0.65,
    "blind3": 0.85,
    "blind4": 0.65,
    "blind5": 0.75,
    "blind6": 0.45,
    "blind7": 0.45,
    "blind8": 0.5,
    "blind9": 0.4,
}
HARD = ("blind5", "blind6", "blind7", "blind8", "blind9")  # the honest sets (README)
UNSEEN_F1 = {"blind10": 0.3, "blind11": 0.15, "blind12": 0.4}  # never learnt from (pair_model.PAIR_SETS)


def test_duplicates_on_held_out_sets() -> None:
    sets = pair_sets()
    pairs = {name: training_pairs(TopicEngine(), rows) for name, rows in sets.items()}
    f1, precision = {}, {}
    for held in PAIR_SETS:
        engine = TopicEngine(pair_model=fit([pairs[n] for n in PAIR_SETS if n != held]))
        predicted = {}
        for row in sets[held]:
            t = engine.add(row["id"], row["title"], row["body"])
            predicted[row["id"]] = {"category": t.category, "duplicate_of": t.duplicate_of}
        s = score(sets[held], predicted)
        f1[held], precision[held] = s.f1, s.precision
        print(f"{held}: held-out pair precision {s.precision:.2f} recall {s.recall:.2f} F1 {s.f1:.2f}")
    assert all(f1[n] >= HELD_OUT_F1[n] for n in PAIR_SETS), f1
    assert sum(f1.values()) / len(f1) >= 0.68
    # Precision first: a false merge hides a resident's distinct request. 0.83 now (README).
    assert sum(precision[n] for n in HARD) / len(HARD) >= 0.75, precision


def test_duplicates_on_the_sets_the_pair_model_never_learnt_from() -> None:
    """blind10–blind12 teach the categories only: the shipped pair model scores them as unseen topics."""
    sets = labelled_sets()
    got = {}
    for name in UNSEEN_F1:
        engine = TopicEngine()
        predicted = {}
        for row in sets[name]:
            t = engine.add(row["id"], row["title"], row["body"])
            predicted[row["id"]] = {"category": t.category, "duplicate_of": t.duplicate_of}
        s = score(sets[name], predicted)
        got[name] = s.f1
        print(f"{name}: unseen pair precision {s.precision:.2f} recall {s.recall:.2f} F1 {s.f1:.2f}")
    assert all(got[n] >= floor for n, floor in UNSEEN_F1.items()), got
