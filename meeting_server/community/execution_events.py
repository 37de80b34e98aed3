"""Events of a community's 执行监督, in the community's stream next to its roster's and topics'."""

from __future__ import annotations

import dataclasses

from meeting_server.core.registry import Event

from .execution_commands import MemberKind
from .registry import event


@dataclasses.dataclass(frozen=True, slots=True)
class Member:
    member_id: str
    name: str
    kind: MemberKind
    person_id: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class Milestone:
    milestone_id: str
    title: str
    due: str  # the date as written
    due_at: float  # the end of that day, China time


@event
@dataclasses.dataclass(frozen=True, slots=True)
class ExecutionCreated(Event):
    record_id: str
    meeting_id: str
    resolution_id: str
    resolution_title: str
    resolution_text: str
    responsible: str
    deadline: str
    deadline_at: float
    members: tuple[Member, ...]
    milestones: tuple[Milestone, ...]
    by: str  # the 社工's account id
    at: float
    by_name: str = ""


@event
@dataclasses.dataclass(frozen=True, slots=True)
class ProgressReported(Event):
    record_id: str
    report_id: str
    member_id: str
    month: str  # "2026-12", China time
    text: str
    photos: tuple[str, ...]
    blocked: bool
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class ExecutionStopped(Event):
    record_id: str
    reason: str
    by: str  # a member id, or a 社工's account id (``a:<id>``)
    by_name: str
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class ExecutionRestarted(Event):
    record_id: str
    reason: str
    by: str
    by_name: str
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class MilestoneCompleted(Event):
    record_id: str
    milestone_id: str
    note: str
    by: str
    by_name: str
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class ExecutionCompleted(Event):
    record_id: str
    note: str
    by: str
    by_name: str
    at: float


@event
@dataclasses.dataclass(frozen=True, slots=True)
class MemberLinkRevoked(Event):
    record_id: str
    member_id: str
    generation: int  # the generation the member's link must now carry
    by: str
    at: float


AnyExecutionEvent = (
    ExecutionCreated
    | ProgressReported
    | ExecutionStopped
    | ExecutionRestarted
    | MilestoneCompleted
    | ExecutionCompleted
    | MemberLinkRevoked
)
