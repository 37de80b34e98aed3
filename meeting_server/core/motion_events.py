"""Events of motions, amendments and votes (rules in ``decide_motions``).

Registered like every event; ``events.AnyEvent`` includes them, so ``evolve`` must handle them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .registry import Event, event
from .values import ByChannel, Choice, Counts, Threshold


@event
@dataclass(frozen=True, slots=True)
class MotionMoved(Event):
    """A motion, or (with ``parent_id``) an amendment to one; both need a second. ``entered_by`` is the
    recorder who entered it for ``mover``, an in-room resident (None: the mover sent it themselves)."""

    motion_id: str
    agenda_index: int
    mover: str
    title: str
    text: str
    parent_id: str | None
    at: float
    entered_by: str | None = None  # last, with a default: logs written before it existed still load


@event
@dataclass(frozen=True, slots=True)
class MotionSeconded(Event):
    """``entered_by`` as for MotionMoved: the recorder who entered the in-room ``seconder``'s second."""

    motion_id: str
    seconder: str
    at: float
    entered_by: str | None = None


@event
@dataclass(frozen=True, slots=True)
class MotionWithdrawn(Event):
    motion_id: str
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class VoteOpened(Event):
    """The electorate is frozen here: ``present`` voters (quorum, majority of those present), the online
    voters who may cast a ballot, and how many in-room voters the show of hands may count."""

    motion_id: str
    secret: bool
    threshold: Threshold
    present: int
    quorum_min: int
    eligible_online: tuple[str, ...]
    room_present: int
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class BallotCast(Event):
    """One online ballot. Even for a secret vote the log keeps who voted and the choice: the log is the
    secret holder (it must prevent double voting and allow a recount); ``public_view`` never shows them."""

    motion_id: str
    participant_id: str
    choice: Choice
    at: float


@event
@dataclass(frozen=True, slots=True)
class ShowOfHandsRecorded(Event):
    motion_id: str
    yes: int
    no: int
    abstain: int
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class VoteClosed(Event):
    motion_id: str
    counts: ByChannel
    totals: Counts
    threshold: Threshold
    secret: bool
    present: int
    quorum_min: int
    quorum_met: bool
    passed: bool
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class VoteCancelled(Event):
    """A vote abandoned without a result (the meeting closed while it was open)."""

    motion_id: str
    reason: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class MotionAmended(Event):
    """A passed amendment replaced its parent motion's text."""

    motion_id: str
    amendment_id: str
    text: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class ResolutionRecorded(Event):
    resolution_id: str
    motion_id: str
    agenda_index: int
    title: str
    text: str
    at: float


MotionEvent = (
    MotionMoved
    | MotionSeconded
    | MotionWithdrawn
    | VoteOpened
    | BallotCast
    | ShowOfHandsRecorded
    | VoteClosed
    | VoteCancelled
    | MotionAmended
    | ResolutionRecorded
)
