"""Commands of a community's 执行监督: the 社工 opens an execution record for a passed resolution; its
supervision group (监督小组) files monthly progress reports, stops (叫停) and restarts the work, marks
milestones done; the 社工 accepts it as completed. Who may issue each is in ``execution_rules.PERMISSIONS``.

The resolution's title and text come in ``CreateExecution`` as the edge read them from the meeting's
record (a passed motion's ``ResolutionRecorded``), so the community's stream says what was being executed.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import field

from meeting_server.core.payload import max_len
from meeting_server.core.registry import Command

from .registry import command

ID = 32
NAME_LEN = 40
TITLE_LEN = 80
RESOLUTION_LEN = 2000
REPORT_LEN = 2000
REASON_LEN = 500
DATE_LEN = 10  # 2027-03-31
MAX_MEMBERS = 12
MAX_MILESTONES = 20
MAX_PHOTOS = 6


class MemberKind(enum.StrEnum):
    """Who sits on a supervision group: roster residents in one of two capacities, or an outsider."""

    REPRESENTATIVE = "representative"  # 居民代表 (on the roster)
    COUNCILLOR = "councillor"  # 议事员 (on the roster)
    PROFESSIONAL = "professional"  # 专业人士 (by name: an engineer, a lawyer; not on the roster)


MEMBER_KIND_LABELS = {
    MemberKind.REPRESENTATIVE: "居民代表",
    MemberKind.COUNCILLOR: "议事员",
    MemberKind.PROFESSIONAL: "专业人士",
}


@dataclasses.dataclass(frozen=True, slots=True)
class MemberSpec:
    """One member: roster kinds name their ``person_id`` (the edge fills ``name`` from the roster)."""

    member_id: str = field(metadata=max_len(ID))
    name: str = field(metadata=max_len(NAME_LEN * 2))
    kind: MemberKind
    person_id: str | None = field(default=None, metadata=max_len(ID))


@dataclasses.dataclass(frozen=True, slots=True)
class MilestoneSpec:
    milestone_id: str = field(metadata=max_len(ID))
    title: str = field(metadata=max_len(TITLE_LEN * 2))
    due: str = field(metadata=max_len(DATE_LEN))  # a date, China time: due by its end


@command
@dataclasses.dataclass(frozen=True, slots=True)
class CreateExecution(Command):
    record_id: str = field(metadata=max_len(ID))
    meeting_id: str = field(metadata=max_len(64))
    resolution_id: str = field(metadata=max_len(ID))
    resolution_title: str = field(metadata=max_len(TITLE_LEN * 4))
    resolution_text: str = field(metadata=max_len(RESOLUTION_LEN * 2))
    responsible: str = field(metadata=max_len(TITLE_LEN * 2))  # 责任方: 物业公司, a contractor, 居委会
    deadline: str = field(metadata=max_len(DATE_LEN))
    members: tuple[MemberSpec, ...]
    milestones: tuple[MilestoneSpec, ...] = ()


@command
@dataclasses.dataclass(frozen=True, slots=True)
class FileReport(Command):
    """A monthly progress report (the month is the one it is filed in); ``blocked``: the work is stuck."""

    record_id: str = field(metadata=max_len(ID))
    report_id: str = field(metadata=max_len(ID))
    text: str = field(metadata=max_len(REPORT_LEN * 2))
    photos: tuple[str, ...] = ()
    blocked: bool = False


@command
@dataclasses.dataclass(frozen=True, slots=True)
class StopExecution(Command):
    """叫停: the work stops until restarted (a contractor cutting corners)."""

    record_id: str = field(metadata=max_len(ID))
    reason: str = field(metadata=max_len(REASON_LEN * 2))


@command
@dataclasses.dataclass(frozen=True, slots=True)
class RestartExecution(Command):
    record_id: str = field(metadata=max_len(ID))
    reason: str = field(metadata=max_len(REASON_LEN * 2))


@command
@dataclasses.dataclass(frozen=True, slots=True)
class CompleteMilestone(Command):
    record_id: str = field(metadata=max_len(ID))
    milestone_id: str = field(metadata=max_len(ID))
    note: str = field(default="", metadata=max_len(REASON_LEN * 2))


@command
@dataclasses.dataclass(frozen=True, slots=True)
class CompleteExecution(Command):
    """验收: every milestone is done and the 社工 closes the record as 已完成."""

    record_id: str = field(metadata=max_len(ID))
    note: str = field(default="", metadata=max_len(REASON_LEN * 2))


@command
@dataclasses.dataclass(frozen=True, slots=True)
class RevokeMemberLink(Command):
    """The member's execution link of the current generation stops working (lost phone, leaked link)."""

    record_id: str = field(metadata=max_len(ID))
    member_id: str = field(metadata=max_len(ID))


AnyExecutionCommand = (
    CreateExecution
    | FileReport
    | StopExecution
    | RestartExecution
    | CompleteMilestone
    | CompleteExecution
    | RevokeMemberLink
)
