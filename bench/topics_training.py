"""Write meeting_server/topics/training.tsv from the labelled sets in tests/data/topics (not blind5).

.venv/bin/python bench/topics_training.py
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAINING_SETS = ("dev", "tune", "blind", "blind2", "blind3", "blind4")


def training_text() -> str:
    lines = []
    for name in TRAINING_SETS:
        for raw in (ROOT / "tests/data/topics" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if not raw.strip():
                continue
            row = json.loads(raw)
            if row.get("flags"):
                continue
            cells = [name, row["category"], row["title"], row["body"]]
            lines.append("\t".join(" ".join(str(c).split()) for c in cells))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    (ROOT / "meeting_server/topics/training.tsv").write_text(training_text(), encoding="utf-8")
