"""The topic engine beside a community's topics: built off the event loop on first use, then kept equal
to the community's open topics (merged and rejected ones leave it)."""

from __future__ import annotations

import asyncio
import time

from meeting_server.community.topics_commands import TopicAuthor, TopicTriage
from meeting_server.community.topics_events import TopicRejected, TopicSubmitted
from meeting_server.community.topics_rules import evolve_topics
from meeting_server.community.topics_state import TopicsState
from meeting_server.web.topics_index import TopicIndex

PLACES = [f"{n}号楼" for n in range(1, 31)] + ["东门", "南门", "地下车库", "中心花园", "小广场"]
PROBLEMS = [
    ("{p}停车位不够", "{p}晚上找不到车位"),
    ("{p}垃圾桶太臭", "{p}的垃圾桶没人清理，夏天很臭"),
    ("{p}路灯坏了", "{p}晚上一片黑，老人走路不安全"),
    ("{p}楼道堆放杂物", "{p}楼道里堆满了纸箱和自行车"),
]


def community(n: int) -> TopicsState:
    state = TopicsState("c1")
    for i in range(n):
        title, body = PROBLEMS[i % len(PROBLEMS)]
        place = PLACES[(i // len(PROBLEMS)) % len(PLACES)]
        event = TopicSubmitted(
            f"t{i:05d}",
            title.format(p=place),
            body.format(p=place),
            (),
            TopicAuthor(f"p:{i}", "x"),
            TopicTriage("其他"),
            1.0e9 + i,
        )
        state = evolve_topics(state, event)
    return state


async def test_built_off_the_loop_then_kept_current() -> None:
    state = community(400)
    index = TopicIndex()
    assert await index.similar(state, "东门停车位不够", wait_s=0) is None  # still building
    gaps: list[float] = []

    async def ticks() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(ticks())
    started = time.perf_counter()
    triage = await index.triage(
        state, "new00001", "东门没地方停车", "晚上东门停车位不够"
    )  # waits for the build
    took = time.perf_counter() - started
    ticker.cancel()
    assert triage.duplicate_of is not None and state.topics[triage.duplicate_of].title == "东门停车位不够"
    # The loop kept running while 400 topics were indexed (a blocked loop would show one long gap).
    assert gaps and max(gaps) < max(0.25, took / 4), (max(gaps), took)
    found = await index.similar(state, "东门停车位不够")
    assert found is not None and found[0][0].title == "东门停车位不够"
    # A rejected topic leaves the index on the next use.
    top = found[0][0].topic_id
    state = evolve_topics(state, TopicRejected(top, "重复", "staffa", 1.0e9 + 999))
    again = await index.similar(state, "东门停车位不够")
    assert again is not None and top not in [t.topic_id for t, _ in again]
