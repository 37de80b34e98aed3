"""A community's topics as the rules fold them, and who acts on them.

Frozen, replaced rather than mutated (as the roster's state). A topic's supporters are people
(``TopicAuthor.key``), each at most once; its author is not among them.

A name and building typed on the community's topics link (``n:<楼栋>/<姓名>``) are self-declared: they
never act as a roster person, but they count for nobody a second time. A typed support under a roster
person's name is shadowed by that person's own support (``counted_already``, ``shadowing``), so nobody
with the shared link can take a resident's one support, or give it twice.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping
from dataclasses import field

from .topics_commands import TopicAuthor, TopicLevel, TopicTriage


def typed(person: TopicAuthor) -> bool:
    """Whether ``person`` was typed on the community's topics link (self-declared, unverified)."""
    return person.key.startswith("n:")


def same_person(a: TopicAuthor, b: TopicAuthor) -> bool:
    """One key, or a typed name and building that are the other's."""
    if a.key == b.key:
        return True
    return (typed(a) or typed(b)) and (a.name, a.building) == (b.name, b.building)


def counted_already(people: Iterable[TopicAuthor], person: TopicAuthor) -> bool:
    """Whether ``person`` is already among ``people``: the same key, or a typed match that ``person``
    cannot shadow (only a roster person's own link shadows a typed name)."""
    matches = [p for p in people if same_person(p, person)]
    return bool(matches) and (typed(person) or any(not typed(p) for p in matches))


def shadowing(people: Iterable[TopicAuthor], person: TopicAuthor) -> set[str]:
    """The keys of typed entries among ``people`` that the roster person ``person`` replaces."""
    if typed(person):
        return set()
    return {p.key for p in people if typed(p) and same_person(p, person)}


class TopicStatus(enum.StrEnum):
    PENDING = "pending"  # 待筛选
    ACCEPTED = "accepted"  # 已采纳
    MERGED = "merged"  # 已合并
    REJECTED = "rejected"  # 未采纳
    ESCALATED = "escalated"  # 已上报


STATUS_LABELS = {
    TopicStatus.PENDING: "待筛选",
    TopicStatus.ACCEPTED: "已采纳",
    TopicStatus.MERGED: "已合并",
    TopicStatus.REJECTED: "未采纳",
    TopicStatus.ESCALATED: "已上报",
}
# Closed topics take no support and no more screening (a merged one lives on in the topic it joined).
CLOSED = frozenset({TopicStatus.MERGED, TopicStatus.REJECTED})


class TopicRole(enum.StrEnum):
    RESIDENT = "resident"  # through a personal roster link or the community's topics link
    STAFF = "staff"  # a 社工 of this community (or the street admin)
    MODERATOR = "moderator"  # the moderator of one of this community's meetings


@dataclasses.dataclass(frozen=True, slots=True)
class TopicActor:
    """Who acts, as the edge resolved them once: their role, the community they act in, and either the
    resident (``person``) or the screener's id (``screener``: an account id, or ``m:<meeting id>``)."""

    role: TopicRole
    community_id: str
    person: TopicAuthor | None = None
    screener: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Topic:
    topic_id: str
    title: str
    body: str
    photos: tuple[str, ...]
    author: TopicAuthor
    triage: TopicTriage
    submitted_at: float
    status: TopicStatus = TopicStatus.PENDING
    level: TopicLevel = TopicLevel.ESTATE
    supporters: tuple[TopicAuthor, ...] = ()
    supported_at: tuple[float, ...] = ()  # one per supporter, in the same order
    reason: str = ""  # why rejected, merged or escalated (or the note on acceptance)
    merged_into: str | None = None
    screened_by: str = ""
    screened_at: float | None = None

    def with_supporters(self, added: tuple[TopicAuthor, ...], at: float) -> Topic:
        """This topic with ``added`` supporting it at ``at``; typed supports they shadow are dropped."""
        gone: set[str] = set()
        for person in added:
            gone |= shadowing(self.supporters, person)
        kept = [(p, t) for p, t in zip(self.supporters, self.supported_at, strict=True) if p.key not in gone]
        return dataclasses.replace(
            self,
            supporters=(*(p for p, _ in kept), *added),
            supported_at=(*(t for _, t in kept), *(at for _ in added)),
        )

    def backs(self, key: str) -> bool:
        """Whether the person ``key`` wrote or supports this topic."""
        return self.author.key == key or any(s.key == key for s in self.supporters)


@dataclasses.dataclass(frozen=True, slots=True)
class TopicsState:
    """One community's topics by id, in submission order."""

    community_id: str
    topics: Mapping[str, Topic] = field(default_factory=dict)
    link_generation: int = 0  # the community topics link's (raised when staff revoke it)

    def final(self, topic_id: str) -> Topic | None:
        """The topic, or the one it was (transitively) merged into."""
        topic = self.topics.get(topic_id)
        seen = 0
        while topic is not None and topic.merged_into is not None and seen < len(self.topics):
            topic = self.topics.get(topic.merged_into)
            seen += 1
        return topic
