"""The categories' Naive Bayes (meeting_server/topics/bayes.py) and how classify uses it.

blind5.jsonl was written before the classifier, in words outside the lexicon where natural, and scored
once (README: Topics): its floor sits below that first look. Leave-one-set-out retrains the Naive Bayes
without each labelled set; the lexicon, tuned on all of them, stays (so those figures flatter it).
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

from meeting_server.topics.bayes import NaiveBayes, ngrams, topic_grams, train
from meeting_server.topics.engine import CATEGORIES, TopicEngine, load_lexicon, training_rows

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "meeting_server" / "topics" / "labelled"
BLIND5_FIRST_LOOK = 0.5875  # 47 of 80, the one look before any change
BLIND5_FLOOR = BLIND5_FIRST_LOOK - 0.05


def labelled(name: str) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if not r.get("flags")]


def accuracy(engine: TopicEngine, rows: list[dict[str, object]]) -> float:
    right = sum(engine.classify(str(r["title"]), str(r["body"])) == r["category"] for r in rows)
    return right / len(rows)


def test_training_file_is_the_labelled_sets_and_not_blind5() -> None:
    script = runpy.run_path(str(ROOT / "bench" / "topics_training.py"))
    text = (ROOT / "meeting_server" / "topics" / "training.tsv").read_text(encoding="utf-8")
    assert text == script["training_text"](), "run bench/topics_training.py"
    names = {row[0] for row in training_rows()}
    assert names == {"dev", "tune", "blind", "blind2", "blind3", "blind4"}
    blind5 = {str(r["title"]) for r in labelled("blind5")}
    assert not blind5 & {row[2] for row in training_rows()}


def test_ngrams_are_one_to_three_characters_within_runs() -> None:
    grams = ngrams("游泳馆，ABC")
    assert set(grams) == {"游", "泳", "馆", "游泳", "泳馆", "游泳馆", "a", "b", "c", "ab", "bc", "abc"}
    assert topic_grams("鹦鹉", "鹦鹉")["鹦鹉"] == 3  # the title counts twice


def test_a_word_the_lexicon_lacks_is_classified_by_the_bayes() -> None:
    model = NaiveBayes(CATEGORIES)
    model.learn("噪音油烟", ngrams("鹦鹉尖叫"))
    model.learn("安全消防", ngrams("蛇出没"))
    engine = TopicEngine(bayes=model)
    assert engine.classify("阳台上的鹦鹉", "") == "噪音油烟"
    assert engine.classify("看到一条蛇", "") == "安全消防"
    # The lexicon still decides where it is sure, whatever the Bayes learnt.
    model.learn("安全消防", ngrams("垃圾桶太臭" * 20))
    assert engine.classify("垃圾桶太臭", "垃圾站异味很大，希望每天清运。") == "环境卫生"


def test_training_is_deterministic() -> None:
    a = train(load_lexicon(), CATEGORIES, training_rows())
    b = train(load_lexicon(), CATEGORIES, reversed(training_rows()))
    grams = topic_grams("小区游泳馆", "会所的游泳池空了好多年")
    assert a.scores(grams) == pytest.approx(b.scores(grams), abs=1e-9)
    assert a.best(grams) == b.best(grams)


def test_blind5_first_look_floor() -> None:
    got = accuracy(TopicEngine(), labelled("blind5"))
    print(f"blind5 categories {got:.3f}")
    assert got >= BLIND5_FLOOR


@pytest.mark.parametrize(
    ("name", "floor"),
    [("dev", 0.95), ("tune", 0.95), ("blind", 0.95), ("blind2", 0.85), ("blind3", 0.78), ("blind4", 0.5)],
)
def test_leave_one_set_out(name: str, floor: float) -> None:
    model = train(load_lexicon(), CATEGORIES, [r for r in training_rows() if r[0] != name])
    got = accuracy(TopicEngine(bayes=model), labelled(name))
    print(f"{name} without it: categories {got:.3f}")
    assert got >= floor
