"""Write meeting_server/topics/pair_model.json: the duplicate pair model learnt (with scikit-learn) from every
labelled set in meeting_server/topics/labelled. Run it after changing a set, the features or the engine's
candidates; tests/topics/test_semantic.py checks the shipped file is in step.

.venv/bin/python bench/topics_training.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pair_model_text() -> str:
    from meeting_server.topics.engine import TopicEngine
    from meeting_server.topics.pair_model import labelled_sets, learn, spec_of, training_pairs

    model = learn([training_pairs(TopicEngine(), rows) for rows in labelled_sets().values()])
    return json.dumps(spec_of(model), ensure_ascii=False, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    (ROOT / "meeting_server/topics/pair_model.json").write_text(pair_model_text(), encoding="utf-8")
