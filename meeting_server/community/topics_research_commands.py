"""Commands and events of 会前调研: an accepted topic's research task and its report, and 重新协商's
carry-over of a topic to the next meeting's agenda. They live in the community's stream, beside the
topics' events; the rules are ``topics_research_rules``.

A report is submitted by one assigned representative and confirmed by at least two others (not co-signed
at once: representatives open their links at different times, and a confirmation is one tap); until
then it is 待确认 and only the assigned representatives see it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import field

from meeting_server.core.payload import max_len
from meeting_server.core.registry import Command, Event

from .registry import command, event
from .topics_commands import ID, REASON_LEN

TEXT_LEN = 2000  # each of 现状, 居民诉求, 初步建议
FILE_NAME_LEN = 80
MAX_FILES = 8
MAX_MEMBERS = 9
MIN_MEMBERS = 3
MAX_COUNT = 100_000  # households visited, questionnaires
REPRESENTATIVE = "议事代表"  # the roster group research members come from
FILE_KINDS = ("pdf", "jpg", "png")


@dataclasses.dataclass(frozen=True, slots=True)
class ResearchFile:
    """An attachment: ``file_id`` the first 32 hex digits of its SHA-256 (the stored file), its kind
    and the name it was uploaded under."""

    file_id: str = field(metadata=max_len(ID))
    kind: str = field(metadata=max_len(4))
    name: str = field(default="", metadata=max_len(FILE_NAME_LEN * 2))


@dataclasses.dataclass(frozen=True, slots=True)
class ResearchReport:
    situation: str = field(default="", metadata=max_len(TEXT_LEN * 2))  # 现状
    demands: str = field(default="", metadata=max_len(TEXT_LEN * 2))  # 居民诉求
    proposal: str = field(default="", metadata=max_len(TEXT_LEN * 2))  # 初步建议
    households: int = 0  # 走访户数
    questionnaires: int = 0  # 问卷份数
    files: tuple[ResearchFile, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class ResearchMember:
    person_id: str
    name: str
    building: str


@command
@dataclasses.dataclass(frozen=True, slots=True)
class AssignResearch(Command):
    """A research task for an accepted topic, to ``person_ids`` (≥ 3 of the roster's 议事代表)."""

    topic_id: str = field(metadata=max_len(ID))
    person_ids: tuple[str, ...] = ()
    note: str = field(default="", metadata=max_len(REASON_LEN))


@command
@dataclasses.dataclass(frozen=True, slots=True)
class SaveResearchDraft(Command):
    """草稿: the task's one shared draft, replaced by each save of an assigned representative."""

    topic_id: str = field(metadata=max_len(ID))
    report: ResearchReport


@command
@dataclasses.dataclass(frozen=True, slots=True)
class SubmitResearch(Command):
    topic_id: str = field(metadata=max_len(ID))
    report: ResearchReport


@command
@dataclasses.dataclass(frozen=True, slots=True)
class ConfirmResearch(Command):
    """确认: another assigned representative signs the submitted report."""

    topic_id: str = field(metadata=max_len(ID))


@command
@dataclasses.dataclass(frozen=True, slots=True)
class CarryOverTopic(Command):
    """重新协商: put the topic on the next meeting's agenda (the staff meeting form pre-selects it)."""

    topic_id: str = field(metadata=max_len(ID))
    reason: str = field(default="", metadata=max_len(REASON_LEN))


AnyResearchCommand = AssignResearch | SaveResearchDraft | SubmitResearch | ConfirmResearch | CarryOverTopic


@event
@dataclasses.dataclass(frozen=True, slots=True)
class ResearchAssigned(Event):
    topic_id: str
    members: tuple[ResearchMember, ...]
    note: str
    by: str
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class ResearchDraftSaved(Event):
    topic_id: str
    report: ResearchReport
    by: str  # the representative's person id
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class ResearchSubmitted(Event):
    topic_id: str
    report: ResearchReport
    by: str
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class ResearchConfirmed(Event):
    """``complete``: this confirmation is the one that makes the report final (decided once)."""

    topic_id: str
    by: str
    complete: bool
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class TopicCarriedOver(Event):
    topic_id: str
    reason: str
    by: str
    at: float


AnyResearchEvent = (
    ResearchAssigned | ResearchDraftSaved | ResearchSubmitted | ResearchConfirmed | TopicCarriedOver
)
