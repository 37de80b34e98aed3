"""The topic engine beside each community's topics, and how a topic reads on the pages.

The engine (``meeting_server.topics``) is in memory: one per community, fed from the fold of the
community's stream (so after a restart, or a topic written through another process, it catches up on
its next use). Merged and rejected topics leave its index, so "similar topics" only offers ones that
can still be supported. The engine runs at the edge; its verdict on a new topic goes into the command
and is recorded (``SubmitTopic.triage``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from meeting_server.community.topics_commands import LEVEL_LABELS, TopicTriage
from meeting_server.community.topics_state import CLOSED, STATUS_LABELS, Topic, TopicsState, TopicStatus
from meeting_server.topics.engine import TopicEngine
from meeting_server.topics.heat import ESCALATE_AT, heat

DAY_S = 86_400.0
HELD_FLAG = "abusive"
HELD_TITLES = {TopicStatus.PENDING: "（内容待社工审核）", TopicStatus.REJECTED: "（内容不予公开）"}
SIMILAR_K = 5


@dataclasses.dataclass
class _Indexed:
    engine: TopicEngine
    live: dict[str, bool]  # every topic the engine has seen: whether it is still in its index


class TopicIndex:
    """One engine per community, kept equal to that community's open topics."""

    def __init__(self) -> None:
        self._by_community: dict[str, _Indexed] = {}

    def _synced(self, state: TopicsState) -> _Indexed:
        ix = self._by_community.setdefault(state.community_id, _Indexed(TopicEngine(), {}))
        for topic in state.topics.values():  # in submission order, as the engine wants them
            closed = topic.status in CLOSED
            seen = ix.live.get(topic.topic_id)
            if seen is None:
                ix.engine.add(topic.topic_id, topic.title, topic.body)
                seen = True
            if seen and closed:
                ix.engine.remove(topic.topic_id)
            ix.live[topic.topic_id] = not closed
        return ix

    def triage(self, state: TopicsState, topic_id: str, title: str, body: str) -> TopicTriage:
        """The engine's verdict on a new topic; it is indexed at once (``forget`` it if refused)."""
        ix = self._synced(state)
        t = ix.engine.add(topic_id, title, body)
        ix.live[topic_id] = True
        duplicate = t.duplicate_of if t.duplicate_of in state.topics else None
        similarity = min(1.0, max(0.0, float(t.similarity))) if duplicate else 0.0
        return TopicTriage(t.category, duplicate, tuple(t.flags), round(similarity, 4))

    def forget(self, community_id: str, topic_id: str) -> None:
        ix = self._by_community.get(community_id)
        if ix is not None and ix.live.pop(topic_id, None) is not None:
            ix.engine.remove(topic_id)

    def similar(self, state: TopicsState, text: str, k: int = SIMILAR_K) -> list[tuple[Topic, float]]:
        """The open topics most like ``text`` (while a resident types), best first."""
        ix = self._synced(state)
        out: list[tuple[Topic, float]] = []
        for topic_id, score in ix.engine.similar(text, k):
            topic = state.topics.get(topic_id)
            if topic is not None and topic.status not in CLOSED:
                out.append((topic, score))
        return out


# ------------------------------------------------------------------ how a topic reads


def topic_heat(topic: Topic, now: float) -> dict[str, Any]:
    """Heat from the supporters (the author not counted), the last activity (submission or the latest
    support) and the category's 民生 weight; ``explanation`` is how the page words the sum."""
    active = max((topic.submitted_at, *topic.supported_at))
    score, parts = heat(
        supports=len(topic.supporters),
        age_days=max(0.0, (now - active) / DAY_S),
        category=topic.triage.category,
    )
    return {"score": score, "explanation": "，".join(parts), "escalate": score >= ESCALATE_AT}


def topic_view(state: TopicsState, topic: Topic, now: float, viewer: str | None) -> dict[str, Any]:
    """A topic as every resident sees it (no names: only whether it is the viewer's own or supported)."""
    into = state.topics.get(topic.merged_into) if topic.merged_into else None
    mine = viewer is not None and topic.author.key == viewer
    # Flagged as abusive, and not (yet) accepted by a screener: only its author reads what it says;
    # everyone sees that it is there and, once screened, why it was not taken up.
    held = topic.status in HELD_TITLES and HELD_FLAG in topic.triage.flags and not mine
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
    view = topic_view(state, topic, now, topic.author.key)  # as its author sees it: nothing held back
    del view["mine"], view["supported"]
    dup = state.topics.get(topic.triage.duplicate_of) if topic.triage.duplicate_of else None
    view.update(
        {
            "author": {"name": topic.author.name, "building": topic.author.building},
            "flags": list(topic.triage.flags),
            "duplicate_of": {"topic_id": dup.topic_id, "title": dup.title, "status": dup.status.value}
            if dup
            else None,
            "similarity": topic.triage.similarity,
            "screened_by": topic.screened_by,
        }
    )
    return view
