"""A community's execution records as the rules fold them, who acts on them, and what is overdue.

Frozen, replaced rather than mutated (as the roster's and topics' states). A record's status is
未开始 until its first report or milestone, then 进行中; a report that says the work is stuck makes it
受阻 (the next one that does not, 进行中 again); 叫停 holds until a restart; 已完成 is final.

Overdue (逾期) is a function of the record and the clock, never stored: a progress report is due for every
calendar month (China time) from the record's month up to the month before now, until it is completed;
a milestone is overdue once its day has passed undone; the record, once its deadline has.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import field
from datetime import datetime, timedelta, timezone

from .execution_events import Member, Milestone

CHINA = timezone(timedelta(hours=8))


class ExecutionStatus(enum.StrEnum):
    NOT_STARTED = "not_started"  # 未开始
    IN_PROGRESS = "in_progress"  # 进行中
    DONE = "done"  # 已完成
    BLOCKED = "blocked"  # 受阻
    STOPPED = "stopped"  # 已叫停


STATUS_LABELS = {
    ExecutionStatus.NOT_STARTED: "未开始",
    ExecutionStatus.IN_PROGRESS: "进行中",
    ExecutionStatus.DONE: "已完成",
    ExecutionStatus.BLOCKED: "受阻",
    ExecutionStatus.STOPPED: "已叫停",
}


class ExecutionRole(enum.StrEnum):
    STAFF = "staff"  # a 社工 of this community (or the street admin), by their session
    MEMBER = "member"  # a supervision group member, by their execution link


@dataclasses.dataclass(frozen=True, slots=True)
class ExecutionActor:
    """Who acts, as the edge resolved them once: a 社工 (``account_id``) or one record's member."""

    role: ExecutionRole
    community_id: str
    account_id: str = ""
    record_id: str = ""  # a member acts on this record only
    member_id: str = ""
    name: str = ""

    @property
    def by(self) -> str:
        return self.member_id if self.role is ExecutionRole.MEMBER else f"a:{self.account_id}"


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    """One line of a record's timeline (what the public page lists)."""

    kind: str  # created / report / stopped / restarted / milestone / completed
    at: float
    by_name: str
    text: str
    photos: tuple[str, ...] = ()
    month: str = ""
    blocked: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class ExecutionRecord:
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
    created_at: float
    status: ExecutionStatus = ExecutionStatus.NOT_STARTED
    done_milestones: Mapping[str, float] = field(default_factory=dict)  # id -> when
    report_months: frozenset[str] = frozenset()
    report_ids: frozenset[str] = frozenset()
    timeline: tuple[Entry, ...] = ()
    link_generations: Mapping[str, int] = field(default_factory=dict)  # member id -> generation
    completed_at: float | None = None

    def member(self, member_id: str) -> Member | None:
        return next((m for m in self.members if m.member_id == member_id), None)

    def generation(self, member_id: str) -> int:
        return self.link_generations.get(member_id, 0)

    def overdue_months(self, now: float) -> tuple[str, ...]:
        """The months whose report is missing and past (逾期), oldest first."""
        end = self.completed_at if self.completed_at is not None else now
        months = months_between(self.created_at, end)
        return tuple(m for m in months[:-1] if m not in self.report_months)

    def overdue_milestones(self, now: float) -> tuple[str, ...]:
        if self.status is ExecutionStatus.DONE:
            return ()
        return tuple(
            m.milestone_id
            for m in self.milestones
            if m.milestone_id not in self.done_milestones and m.due_at < now
        )

    def past_deadline(self, now: float) -> bool:
        return self.status is not ExecutionStatus.DONE and self.deadline_at < now


@dataclasses.dataclass(frozen=True, slots=True)
class ExecutionState:
    """One community's execution records by id, in creation order."""

    community_id: str
    records: Mapping[str, ExecutionRecord] = field(default_factory=dict)

    def for_resolution(self, meeting_id: str, resolution_id: str) -> ExecutionRecord | None:
        return next(
            (
                r
                for r in self.records.values()
                if (r.meeting_id, r.resolution_id) == (meeting_id, resolution_id)
            ),
            None,
        )


def month_of(at: float) -> str:
    """The calendar month (China time) of a moment: "2026-12"."""
    return datetime.fromtimestamp(at, CHINA).strftime("%Y-%m")


def months_between(start: float, end: float) -> list[str]:
    """Every month from ``start``'s to ``end``'s, both included (one when they share it)."""
    a = datetime.fromtimestamp(start, CHINA)
    b = datetime.fromtimestamp(max(start, end), CHINA)
    out = []
    y, m = a.year, a.month
    while (y, m) <= (b.year, b.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def end_of_day(day: str) -> float | None:
    """The last moment of ``day`` ("2027-03-31", China time), or None if it is not a date."""
    try:
        d = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=CHINA)
    except ValueError:
        return None
    if d.strftime("%Y-%m-%d") != day:
        return None
    return (d + timedelta(days=1)).timestamp() - 0.001
