"""Write what the topic engine learns from the labelled sets in meeting_server/topics/labelled:

- ``training.tsv``: the Naive Bayes' categories (every set but blind5);
- ``pair_model.json``: the duplicate pair model (every set), learnt with scikit-learn.

.venv/bin/python bench/topics_training.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TRAINING_SETS = ("dev", "tune", "blind", "blind2", "blind3", "blind4")


def training_text() -> str:
    lines = []
    for name in TRAINING_SETS:
        path = ROOT / "meeting_server/topics/labelled" / f"{name}.jsonl"
        for raw in path.read_text(encoding="utf-8").splitlines():
            if not raw.strip():
                continue
            row = json.loads(raw)
            if row.get("flags"):
                continue
            cells = [name, row["category"], row["title"], row["body"]]
            lines.append("\t".join(" ".join(str(c).split()) for c in cells))
    return "\n".join(lines) + "\n"


def pair_model_text() -> str:
    from meeting_server.topics.engine import TopicEngine
    from meeting_server.topics.pair_model import labelled_sets, learn, spec_of, training_pairs

    model = learn([training_pairs(TopicEngine(), rows) for rows in labelled_sets().values()])
    return json.dumps(spec_of(model), ensure_ascii=False, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    (ROOT / "meeting_server/topics/training.tsv").write_text(training_text(), encoding="utf-8")
    (ROOT / "meeting_server/topics/pair_model.json").write_text(pair_model_text(), encoding="utf-8")
