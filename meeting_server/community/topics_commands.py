"""Commands of a community's 议题征集: residents submit and support (附议) topics; staff or the meeting's
moderator screen them. Who may issue each is in ``topics_rules.PERMISSIONS``.

The topic engine runs at the edge: its verdict (category, duplicate suggestion, flags) comes in
``SubmitTopic.triage`` and is recorded as it was, so the log says what the screener was shown.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import field

from meeting_server.core.payload import max_len
from meeting_server.core.registry import Command

from .registry import command

ID = 32
TITLE_LEN = 40
BODY_LEN = 1000
REASON_LEN = 200
CATEGORY_LEN = 8
FLAG_LEN = 16
MAX_PHOTOS = 4
MAX_FLAGS = 4


class TopicLevel(enum.StrEnum):
    """Who handles a topic: the 小区 itself, the 社区 (居委会), or the 街道."""

    ESTATE = "estate"
    COMMUNITY = "community"
    STREET = "street"


LEVEL_LABELS = {TopicLevel.ESTATE: "小区", TopicLevel.COMMUNITY: "社区", TopicLevel.STREET: "街道"}
LEVEL_ORDER = (TopicLevel.ESTATE, TopicLevel.COMMUNITY, TopicLevel.STREET)


@dataclasses.dataclass(frozen=True, slots=True)
class TopicTriage:
    """What the engine said of a new topic (``similarity`` to ``duplicate_of``, 0 when None)."""

    category: str = field(metadata=max_len(CATEGORY_LEN))
    duplicate_of: str | None = field(default=None, metadata=max_len(ID))
    flags: tuple[str, ...] = ()
    similarity: float = 0.0


@dataclasses.dataclass(frozen=True, slots=True)
class TopicAuthor:
    """Who submits or supports: ``key`` is one person (``p:<roster id>``, or ``n:<楼栋>/<姓名>`` from a
    community-wide link), the same key whichever of their links they use."""

    key: str = field(metadata=max_len(80))
    name: str = field(metadata=max_len(40))
    building: str = field(default="", metadata=max_len(20))


@command
@dataclasses.dataclass(frozen=True, slots=True)
class SubmitTopic(Command):
    topic_id: str = field(metadata=max_len(ID))
    title: str = field(metadata=max_len(TITLE_LEN * 2))  # cleaned, then held to TITLE_LEN by the rules
    body: str = field(metadata=max_len(BODY_LEN * 2))
    triage: TopicTriage
    photos: tuple[str, ...] = ()


@command
@dataclasses.dataclass(frozen=True, slots=True)
class SupportTopic(Command):
    """附议: one per person, never on one's own topic, never on a merged or rejected one."""

    topic_id: str = field(metadata=max_len(ID))


@command
@dataclasses.dataclass(frozen=True, slots=True)
class AcceptTopic(Command):
    topic_id: str = field(metadata=max_len(ID))
    note: str = field(default="", metadata=max_len(REASON_LEN))


@command
@dataclasses.dataclass(frozen=True, slots=True)
class MergeTopic(Command):
    """Merge ``topic_id`` into ``into``: its author and supporters support ``into`` (each person once)."""

    topic_id: str = field(metadata=max_len(ID))
    into: str = field(metadata=max_len(ID))
    note: str = field(default="", metadata=max_len(REASON_LEN))


@command
@dataclasses.dataclass(frozen=True, slots=True)
class RejectTopic(Command):
    topic_id: str = field(metadata=max_len(ID))
    reason: str = field(metadata=max_len(REASON_LEN))


@command
@dataclasses.dataclass(frozen=True, slots=True)
class SetTopicLevel(Command):
    topic_id: str = field(metadata=max_len(ID))
    level: TopicLevel


@command
@dataclasses.dataclass(frozen=True, slots=True)
class EscalateTopic(Command):
    """上报: the topic goes to the next level up (小区 → 社区 → 街道)."""

    topic_id: str = field(metadata=max_len(ID))
    reason: str = field(default="", metadata=max_len(REASON_LEN))


@command
@dataclasses.dataclass(frozen=True, slots=True)
class RotateTopicsLink(Command):
    """作废: the community's topics link of the current generation stops working; a new one is issued."""


AnyTopicCommand = (
    SubmitTopic
    | SupportTopic
    | AcceptTopic
    | MergeTopic
    | RejectTopic
    | SetTopicLevel
    | EscalateTopic
    | RotateTopicsLink
)
