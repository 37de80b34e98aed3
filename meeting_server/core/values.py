"""Value types shared by commands, events and state: levels, channels, choices, settings, counts."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import field

from .payload import max_len


class Level(enum.StrEnum):
    """The level of the council: a residential compound, a community, or a street office."""

    XIAOQU = "xiaoqu"
    SHEQU = "shequ"
    JIEDAO = "jiedao"

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]


_LEVEL_LABELS = {Level.XIAOQU: "小区", Level.SHEQU: "社区", Level.JIEDAO: "街道"}


class Channel(enum.StrEnum):
    """How a person takes part: from their own device, or sitting in the hall (checked in by the recorder)."""

    ONLINE = "online"
    ROOM = "room"


class Choice(enum.StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Threshold(enum.StrEnum):
    """Which majority a motion needs; see ``meeting_server.core.tally`` for the exact arithmetic."""

    MAJORITY_CAST = "majority_cast"
    MAJORITY_PRESENT = "majority_present"
    TWO_THIRDS = "two_thirds"
    THREE_QUARTERS = "three_quarters"
    FRACTION = "fraction"  # n/d set by the moderator (``vote_rules.VoteRule``)


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class MotionStatus(enum.StrEnum):
    MOVED = "moved"  # waiting for a second
    SECONDED = "seconded"
    VOTING = "voting"
    PASSED = "passed"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


PENDING_MOTION = frozenset({MotionStatus.MOVED, MotionStatus.SECONDED, MotionStatus.VOTING})


@dataclasses.dataclass(frozen=True, slots=True)
class AgendaItemSpec:
    """One agenda item as planned: a title and the minutes set aside for it; ``topic_id`` the community
    topic (议题征集) it deliberates, "" for none."""

    title: str = field(metadata=max_len(200))
    planned_minutes: int = 10
    topic_id: str = field(default="", metadata=max_len(32))


@dataclasses.dataclass(frozen=True, slots=True)
class MeetingSettings:
    """The rules a meeting runs under, fixed when it is created.

    Quorum: with ``expected_members`` (应到人数) set, the quorum is met when the present voters are
    *strictly more than* ``quorum_ratio × expected_members`` (so 0.5 means "more than half"), capped at
    ``expected_members``; without it, one present voter is enough.
    """

    speaking_limit_s: int = 180
    warning_s: int = 30
    max_turns_per_round: int = 2
    expected_members: int | None = None
    quorum_ratio: float = 0.5
    clock_autostart: bool = False
    # Publicity (公示) of the published resolutions: objections are taken for ``publicity_days``; more than
    # ``objection_percent`` % of the eligible residents objecting flags a resolution for re-deliberation.
    publicity_days: int = 7
    objection_percent: int = 20
    # A named vote's running counts (yes/no/abstain while open) are shown only when this is on; by default
    # clients see how many ballots were cast and the totals at close. A secret vote never shows them.
    show_running_counts: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Counts:
    """Yes / no / abstain counts of one channel, or of all."""

    yes: int = 0
    no: int = 0
    abstain: int = 0

    @property
    def total(self) -> int:
        return self.yes + self.no + self.abstain

    def plus(self, other: Counts) -> Counts:
        return Counts(self.yes + other.yes, self.no + other.no, self.abstain + other.abstain)

    def add(self, choice: Choice) -> Counts:
        return Counts(
            self.yes + (choice is Choice.YES),
            self.no + (choice is Choice.NO),
            self.abstain + (choice is Choice.ABSTAIN),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class ByChannel:
    """Vote counts split by channel, so a reader can see that no one was counted twice."""

    online: Counts
    room: Counts


@dataclasses.dataclass(frozen=True, slots=True)
class BallotsByChannel:
    """How many ballots each channel cast, without their choices: all a secret vote makes public by channel
    (a reader still sees that no one was counted twice, and nobody's choice shows in a channel of one)."""

    online: int
    room: int
