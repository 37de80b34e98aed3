"""The topics pages' edge at scale: a community with 10,000 topics (bench/topics.py's synthetic ones).

Measures what a restart costs and what a resident waits for: the fold of the submissions, rebuilding the
community's engine (in its worker thread) and the longest the event loop went unserved meanwhile, similar
topics while typing through the edge (``TopicIndex.similar``: catch-up check + engine), and one list
answer (heat for every topic, the 200 hottest as views).

    .venv/bin/python bench/topics_edge.py [--topics 10000] [--seed 14]

Prints one JSON line: {"bench": "topics_edge", "topics", "fold_s", "rebuild_s", "loop_gap_max_ms",
"similar_ms_p50", "similar_ms_p95", "list_ms_median"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from topics import topics as synthetic  # bench/topics.py

from meeting_server.community.topics_commands import TopicAuthor, TopicTriage
from meeting_server.community.topics_events import TopicSubmitted
from meeting_server.community.topics_rules import evolve_topics
from meeting_server.community.topics_state import TopicsState
from meeting_server.web.topics_api import LIST_LIMIT, _ordered
from meeting_server.web.topics_index import TopicIndex, topic_view

TYPED = ["地下车库晚上车位不够", "楼下烧烤油烟太大", "电梯经常坏", "垃圾分类点太臭", "广场舞噪音太吵"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def run(n: int, seed: int) -> dict[str, object]:
    rows = synthetic(n, random.Random(seed))
    started = time.perf_counter()
    state = TopicsState("bench")
    for i, (_, title, body, _) in enumerate(rows):
        author = TopicAuthor(f"p:{i % 3000}", "居民")
        event = TopicSubmitted(
            f"t{i:05d}", title[:40], body[:1000], (), author, TopicTriage("其他"), 1.0e9 + i
        )
        state = evolve_topics(state, event)
    fold_s = time.perf_counter() - started

    index = TopicIndex()
    gaps: list[float] = []

    async def ticks() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(ticks())
    started = time.perf_counter()
    await index.triage(state, "probe0001", "东门停车位不够", "")  # waits for the build
    rebuild_s = time.perf_counter() - started
    ticker.cancel()
    index.forget("bench", "probe0001")

    similar_ms = []
    for text in TYPED * 4:
        for end in range(2, len(text) + 1):  # as the page asks while a resident types
            t0 = time.perf_counter()
            await index.similar(state, text[:end])
            similar_ms.append((time.perf_counter() - t0) * 1000)

    list_ms = []
    for _ in range(9):
        t0 = time.perf_counter()
        order = _ordered(state, 1.0e9 + n + 3600)
        [topic_view(state, state.topics[i], 1.0e9 + n, None) for i in order[:LIST_LIMIT]]
        list_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "bench": "topics_edge",
        "topics": n,
        "fold_s": round(fold_s, 2),
        "rebuild_s": round(rebuild_s, 2),
        "loop_gap_max_ms": round(max(gaps) * 1000, 1) if gaps else None,
        "similar_ms_p50": round(pct(similar_ms, 0.5), 2),
        "similar_ms_p95": round(pct(similar_ms, 0.95), 2),
        "list_ms_median": round(statistics.median(list_ms), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--topics", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    print(json.dumps(asyncio.run(run(args.topics, args.seed)), ensure_ascii=False))


if __name__ == "__main__":
    main()
