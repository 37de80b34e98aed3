"""The topic engine beside each community's topics, and how a topic reads on the pages.

The engine (``meeting_server.topics``) is in memory: one per community, fed from the fold of the
community's stream (so after a restart, or a topic written through another process, it catches up on
its next use). Merged and rejected topics leave its index, so "similar topics" only offers ones that
can still be supported. The engine runs at the edge; its verdict on a new topic goes into the command
and is recorded (``SubmitTopic.triage``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from typing import Any

from meeting_server.community.topics_commands import LEVEL_LABELS, TopicTriage
from meeting_server.community.topics_state import (
    CLOSED,
    STATUS_LABELS,
    Topic,
    TopicsState,
    TopicStatus,
    typed,
)
from meeting_server.topics.engine import TopicEngine
from meeting_server.topics.heat import ESCALATE_AT, heat

DAY_S = 86_400.0
HELD_FLAG = "abusive"
HELD_TITLES = {TopicStatus.PENDING: "（内容待社工审核）", TopicStatus.REJECTED: "（内容不予公开）"}
SIMILAR_K = 5
SIMILAR_WAIT_S = 0.5  # how long a keystroke waits for a community's engine to be built


@dataclasses.dataclass
class _Indexed:
    engine: TopicEngine
    live: dict[str, bool]  # every topic the engine has seen: whether it is still in its index


def _build(state: TopicsState, closing: threading.Event) -> _Indexed:
    """A fresh engine holding ``state``'s open topics (in a worker thread: it touches nothing shared)."""
    ix = _Indexed(TopicEngine(), {})
    for topic in state.topics.values():  # in submission order, as the engine wants them
        if closing.is_set():
            break
        if topic.status not in CLOSED:
            # Its verdict is in the record: index only (about 0.1 ms a topic against 2 ms for ``add``).
            triage = topic.triage
            ix.engine.restore(
                topic.topic_id, topic.title, topic.body, triage.duplicate_of, flagged=bool(triage.flags)
            )
        ix.live[topic.topic_id] = topic.status not in CLOSED
    return ix


class TopicIndex:
    """One engine per community, kept equal to that community's open topics.

    The first use of a community (after a start) builds its engine from the whole fold in a worker thread,
    so the event loop keeps serving meetings meanwhile (the recorded verdicts are restored, not triaged
    again: 2.3 s for 10,000 topics against 73 s re-triaging them, ``bench/topics_edge.py`` on a busy
    2-core box); ``similar`` waits for it ``SIMILAR_WAIT_S`` and then
    answers None (the page asks again), ``triage`` waits. Afterwards only the loop touches the engine,
    catching up with new topics inline.
    """

    def __init__(self) -> None:
        self._by_community: dict[str, _Indexed] = {}
        self._building: dict[str, asyncio.Task[_Indexed]] = {}
        self._closing = threading.Event()

    def close(self) -> None:
        """Stop any build between two topics (on shutdown)."""
        self._closing.set()

    async def _ready(self, state: TopicsState, wait_s: float | None) -> _Indexed | None:
        """The community's engine caught up with ``state``; None if its build takes over ``wait_s``."""
        community_id = state.community_id
        ix = self._by_community.get(community_id)
        if ix is None:
            task = self._building.get(community_id)
            if task is None:
                task = asyncio.create_task(asyncio.to_thread(_build, state, self._closing))
                self._building[community_id] = task
            try:
                built = await asyncio.wait_for(asyncio.shield(task), wait_s)
            except TimeoutError:
                return None
            finally:
                if task.done():
                    self._building.pop(community_id, None)
            ix = self._by_community.setdefault(community_id, built)
        return self._catch_up(ix, state)

    @staticmethod
    def _catch_up(ix: _Indexed, state: TopicsState) -> _Indexed:
        for topic in state.topics.values():
            closed = topic.status in CLOSED
            seen = ix.live.get(topic.topic_id)
            if seen is None and not closed:
                ix.engine.add(topic.topic_id, topic.title, topic.body)
            elif seen and closed:
                ix.engine.remove(topic.topic_id)
            ix.live[topic.topic_id] = not closed
        return ix

    async def triage(self, state: TopicsState, topic_id: str, title: str, body: str) -> TopicTriage:
        """The engine's verdict on a new topic; it is indexed at once (``forget`` it if refused)."""
        ix = await self._ready(state, wait_s=None)
        assert ix is not None
        t = ix.engine.add(topic_id, title, body)
        ix.live[topic_id] = True
        duplicate = t.duplicate_of if t.duplicate_of in state.topics else None
        similarity = min(1.0, max(0.0, float(t.similarity))) if duplicate else 0.0
        return TopicTriage(t.category, duplicate, tuple(t.flags), round(similarity, 4))

    def forget(self, community_id: str, topic_id: str) -> None:
        ix = self._by_community.get(community_id)
        if ix is not None and ix.live.pop(topic_id, None) is not None:
            ix.engine.remove(topic_id)

    async def similar(
        self, state: TopicsState, text: str, k: int = SIMILAR_K, wait_s: float = SIMILAR_WAIT_S
    ) -> list[tuple[Topic, float]] | None:
        """The open topics most like ``text`` (while a resident types), best first; None while the
        community's engine is still being built (after ``wait_s``)."""
        ix = await self._ready(state, wait_s=wait_s)
        if ix is None:
            return None
        out: list[tuple[Topic, float]] = []
        for topic_id, score in ix.engine.similar(text, k):
            topic = state.topics.get(topic_id)
            if topic is not None and topic.status not in CLOSED:
                out.append((topic, score))
        return out


# ------------------------------------------------------------------ how a topic reads


def topic_heat(topic: Topic, now: float) -> dict[str, Any]:
    """Heat from the supporters (the author not counted; self-declared ones capped), the last activity
    (submission or the latest support) and the category's 民生 weight; ``explanation`` is how the page
    words the sum."""
    active = max((topic.submitted_at, *topic.supported_at))
    # Names typed on the community's link count at most topics.heat.TYPED_COUNTED: the link cannot tell
    # who typed them, and one person could type many.
    score, parts = heat(
        supports=len(topic.supporters),
        age_days=max(0.0, (now - active) / DAY_S),
        category=topic.triage.category,
        typed=sum(1 for p in topic.supporters if typed(p)),
    )
    return {"score": score, "explanation": "，".join(parts), "escalate": score >= ESCALATE_AT}


def topic_view(state: TopicsState, topic: Topic, now: float, viewer: str | None) -> dict[str, Any]:
    """A topic as every resident sees it (no names: only whether it is the viewer's own or supported)."""
    into = state.topics.get(topic.merged_into) if topic.merged_into else None
    mine = viewer is not None and topic.author.key == viewer
    # Flagged as abusive, and not (yet) accepted by a screener: only its author reads what it says — an
    # author by their own link; a name typed on the community's link is anyone's to type again;
    # everyone sees that it is there and, once screened, why it was not taken up.
    held = (
        topic.status in HELD_TITLES
        and HELD_FLAG in topic.triage.flags
        and not (mine and not typed(topic.author))
    )
    return {
        "topic_id": topic.topic_id,
        "title": HELD_TITLES[topic.status] if held else topic.title,
        "body": "" if held else topic.body,
        "category": topic.triage.category,
        "status": topic.status.value,
        "status_label": STATUS_LABELS[topic.status],
        "level": topic.level.value,
        "level_label": LEVEL_LABELS[topic.level],
        "supporters": len(topic.supporters),
        "heat": topic_heat(topic, now),
        "reason": topic.reason,
        "merged_into": {"topic_id": into.topic_id, "title": into.title} if into else None,
        "photos": [] if held else list(topic.photos),
        "submitted_at": topic.submitted_at,
        "mine": mine,
        "supported": viewer is not None and any(s.key == viewer for s in topic.supporters),
    }


def screening_view(state: TopicsState, topic: Topic, now: float) -> dict[str, Any]:
    """A topic as screeners see it: the engine's verdict, and who wrote it."""
    view = topic_view(state, topic, now, topic.author.key)
    del view["mine"], view["supported"]
    view.update(title=topic.title, body=topic.body, photos=list(topic.photos))  # nothing held back
    dup = state.topics.get(topic.triage.duplicate_of) if topic.triage.duplicate_of else None
    view.update(
        {
            "author": {
                "name": topic.author.name,
                "building": topic.author.building,
                "self_declared": typed(topic.author),  # typed on the community's link, not a roster link
            },
            "flags": list(topic.triage.flags),
            "duplicate_of": {"topic_id": dup.topic_id, "title": dup.title, "status": dup.status.value}
            if dup
            else None,
            "similarity": topic.triage.similarity,
            "screened_by": topic.screened_by,
        }
    )
    return view
