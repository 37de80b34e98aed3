"""Events of a community's 议题征集, in the community's stream next to its roster's."""

from __future__ import annotations

import dataclasses

from meeting_server.core.registry import Event

from .registry import event
from .topics_commands import TopicAuthor, TopicLevel, TopicTriage


@event
@dataclasses.dataclass(frozen=True, slots=True)
class TopicSubmitted(Event):
    topic_id: str
    title: str
    body: str
    photos: tuple[str, ...]
    author: TopicAuthor
    triage: TopicTriage  # the engine's verdict as the edge passed it
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class TopicSupported(Event):
    topic_id: str
    supporter: TopicAuthor
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class TopicAccepted(Event):
    topic_id: str
    note: str
    by: str  # the screener (an account id, or m:<meeting> for its moderator)
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class TopicMerged(Event):
    """``carried``: the supporters ``into`` gains (the merged topic's author and supporters that did not
    already support it, and not its own author), decided once so the fold only adds them."""

    topic_id: str
    into: str
    carried: tuple[TopicAuthor, ...]
    note: str
    by: str
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class TopicRejected(Event):
    topic_id: str
    reason: str
    by: str
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class TopicLevelSet(Event):
    topic_id: str
    level: TopicLevel
    by: str
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class TopicEscalated(Event):
    topic_id: str
    level: TopicLevel  # the level it went to
    reason: str
    by: str
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class TopicsLinkRotated(Event):
    generation: int  # the generation links must now carry
    by: str
    at: float


AnyTopicEvent = (
    TopicSubmitted
    | TopicSupported
    | TopicAccepted
    | TopicMerged
    | TopicRejected
    | TopicLevelSet
    | TopicEscalated
    | TopicsLinkRotated
)
