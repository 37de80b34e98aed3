"""Events: what happened in the meeting, named in the past tense; the log stores them and state is their fold.

Every event carries all ``evolve`` needs (``at`` in epoch seconds, ``by`` who caused it, where the record
wants them); evolve never sees the log envelope. Ids ("t3", "room-5") come from state: replays match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .captions import CaptionCorrected
from .electorate import ElectorateSet
from .invitations import PersonalLinkRevoked, RoleLinkRotated
from .minutes_events import MinutesEvent
from .motion_events import MotionEvent
from .payload import max_len
from .presence import PresenceEvent
from .registry import Event, event
from .roles import Role
from .values import AgendaItemSpec, Channel, Level, MeetingSettings

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
    community_id: str | None = None  # logs from before communities have none


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
    person_id: str | None = None  # the roster person a personal link named (core.electorate)
    listener: bool = False  # 旁听: joined a meeting with a roster without a roster person (core.presence)


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
    person_id: str | None = None  # the roster person the recorder found (core.electorate)
    listener: bool = False  # 旁听: checked in without a roster person in a meeting with a roster


@event
@dataclass(frozen=True, slots=True)
class GuestCheckedIn(Event):
    """A 列席 guest in the hall: a participant with the guest role, who may speak but never votes."""

    participant_id: str
    display_name: str
    organisation: str
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
    caption_id: str | None = None  # "c<n>" (core.captions); logs from before ids have none


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
    ElectorateSet
    | PersonalLinkRevoked
    | RoleLinkRotated
    | MeetingCreated
    | MeetingOpened
    | AgendaItemStarted
    | MeetingClosed
    | ParticipantJoined
    | ParticipantLeft
    | InRoomCheckedIn
    | GuestCheckedIn
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
    | CaptionCommitted
    | CaptionCorrected
    | KeyPointMarked
    | MotionEvent
    | MinutesEvent
    | PresenceEvent
)
"""Every event class; ``evolve`` matches over it exhaustively (a test checks it equals the registry)."""

FLOOR_ENDED = (FloorYielded, FloorRevoked, FloorExpired)
