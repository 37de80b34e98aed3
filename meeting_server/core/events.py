"""Events: what happened in the meeting, named in the past tense; the log stores them and state is their fold.

Every event carries all ``evolve`` needs (``at`` in epoch seconds, ``by`` who caused it, where the record
wants them); evolve never sees the log envelope. Ids ("t3", "room-5") come from state: replays match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .minutes_events import MinutesEvent
from .payload import max_len
from .registry import Event, event
from .roles import Role
from .values import AgendaItemSpec, ByChannel, Channel, Choice, Counts, Level, MeetingSettings, Threshold

# ---------------------------------------------------------------- lifecycle


@event
@dataclass(frozen=True, slots=True)
class MeetingCreated(Event):
    meeting_id: str
    title: str
    level: Level
    place: str
    scheduled_at: str
    agenda: tuple[AgendaItemSpec, ...]
    settings: MeetingSettings
    at: float


@event
@dataclass(frozen=True, slots=True)
class MeetingOpened(Event):
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class AgendaItemStarted(Event):
    index: int
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class MeetingClosed(Event):
    by: str
    at: float


# ---------------------------------------------------------------- attendance


@event
@dataclass(frozen=True, slots=True)
class ParticipantJoined(Event):
    participant_id: str
    display_name: str
    role: Role
    channel: Channel
    at: float


@event
@dataclass(frozen=True, slots=True)
class ParticipantLeft(Event):
    participant_id: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class InRoomCheckedIn(Event):
    participant_id: str
    display_name: str
    building: str | None
    unit: str | None
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class InRoomCheckedOut(Event):
    participant_id: str
    by: str
    at: float


# ---------------------------------------------------------------- queue and rounds


@event
@dataclass(frozen=True, slots=True)
class HandRaised(Event):
    """Someone entered the queue at ``position`` (1 = head): by raising a hand, or put there by the chair."""

    participant_id: str
    agenda_index: int
    position: int
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class HandLowered(Event):
    participant_id: str
    agenda_index: int
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class QueueReordered(Event):
    participant_id: str
    position: int
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class RoundOpened(Event):
    agenda_index: int
    round: int
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class RoundClosed(Event):
    agenda_index: int
    round: int
    by: str
    at: float


# ---------------------------------------------------------------- floor and clock


@event
@dataclass(frozen=True, slots=True)
class FloorGranted(Event):
    """``round`` is 0 when no debate round was open (the turn then counts against no round limit)."""

    turn_id: str
    participant_id: str
    agenda_index: int
    round: int
    limit_s: float
    channel: Channel
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class FloorYielded(Event):
    turn_id: str
    participant_id: str
    spoken_s: float
    at: float


@event
@dataclass(frozen=True, slots=True)
class FloorRevoked(Event):
    turn_id: str
    participant_id: str
    spoken_s: float
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class FloorExpired(Event):
    """The speaking time ran out: the audio path cuts this speaker's microphone."""

    turn_id: str
    participant_id: str
    spoken_s: float
    at: float


@event
@dataclass(frozen=True, slots=True)
class ClockStarted(Event):
    turn_id: str
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class ClockPaused(Event):
    turn_id: str
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class ClockResumed(Event):
    turn_id: str
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class ClockExtended(Event):
    turn_id: str
    seconds: int
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class ClockWarning(Event):
    turn_id: str
    remaining_s: float
    at: float


# ---------------------------------------------------------------- motions and votes


@event
@dataclass(frozen=True, slots=True)
class MotionMoved(Event):
    """A motion, or (with ``parent_id``) an amendment to one; both need a second."""

    motion_id: str
    agenda_index: int
    mover: str
    title: str
    text: str
    parent_id: str | None
    at: float


@event
@dataclass(frozen=True, slots=True)
class MotionSeconded(Event):
    motion_id: str
    seconder: str
    at: float


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


# ---------------------------------------------------------------- record


@event
@dataclass(frozen=True, slots=True)
class CaptionCommitted(Event):
    turn_id: str
    participant_id: str
    agenda_index: int
    text: str = field(metadata=max_len(1000))
    start: float
    end: float
    at: float


@event
@dataclass(frozen=True, slots=True)
class KeyPointMarked(Event):
    key_point_id: str
    agenda_index: int | None
    text: str
    caption_seq: int | None
    by: str
    at: float


AnyEvent = (
    MeetingCreated
    | MeetingOpened
    | AgendaItemStarted
    | MeetingClosed
    | ParticipantJoined
    | ParticipantLeft
    | InRoomCheckedIn
    | InRoomCheckedOut
    | HandRaised
    | HandLowered
    | QueueReordered
    | RoundOpened
    | RoundClosed
    | FloorGranted
    | FloorYielded
    | FloorRevoked
    | FloorExpired
    | ClockStarted
    | ClockPaused
    | ClockResumed
    | ClockExtended
    | ClockWarning
    | MotionMoved
    | MotionSeconded
    | MotionWithdrawn
    | VoteOpened
    | BallotCast
    | ShowOfHandsRecorded
    | VoteClosed
    | VoteCancelled
    | MotionAmended
    | ResolutionRecorded
    | CaptionCommitted
    | KeyPointMarked
    | MinutesEvent
)
"""Every event class; ``evolve`` matches over it exhaustively (a test checks it equals the registry)."""

FLOOR_ENDED = (FloorYielded, FloorRevoked, FloorExpired)
