"""Write the topic engine's shipped models, learnt (with scikit-learn) from every labelled set in
meeting_server/topics/labelled: pair_model.json (duplicates) and category_model.json (categories: the
mean word vector's logistic regression). Run it after changing a set, the lexicon, the features or the
engine's candidates; tests/topics/test_semantic.py and tests/topics/test_linear.py check the shipped
files are in step.

.venv/bin/python bench/topics_training.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _text(spec: object) -> str:
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":")) + "\n"


def pair_model_text() -> str:
    from meeting_server.topics.engine import TopicEngine
    from meeting_server.topics.pair_model import learn, pair_sets, spec_of, training_pairs

    model = learn([training_pairs(TopicEngine(), rows) for rows in pair_sets().values()])
    return _text(spec_of(model))


def category_model_text() -> str:
    from meeting_server.topics.engine import CATEGORIES, training_rows
    from meeting_server.topics.linear import learn
    from meeting_server.topics.semantic import default_vectors

    samples = [(cat, title, body) for _, cat, title, body in training_rows()]
    return _text(learn(samples, CATEGORIES, default_vectors()))


if __name__ == "__main__":
    (ROOT / "meeting_server/topics/pair_model.json").write_text(pair_model_text(), encoding="utf-8")
    (ROOT / "meeting_server/topics/category_model.json").write_text(category_model_text(), encoding="utf-8")
