"""Commands: what someone asks the meeting to do, named in the imperative.

Each is a frozen dataclass registered with @command, so the wire can name it (``{"type": "RaiseHand"}``).
String fields carry a ``max_len`` so oversized payloads are refused when parsed. Who may issue each
command is in ``permissions.PERMISSIONS``; what it does is in ``decide``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .captions import CorrectCaption
from .electorate import SetElectorate
from .invitations import RevokePersonalLink, RotateRoleLink
from .minutes_values import ENTRY_ID, FIELD_NAME, FIELD_TEXT, SECTION_ID, MinutesSection
from .payload import max_len
from .presence import AllowListenersToSpeak, MarkConnected, MarkDisconnected
from .registry import Command, command
from .values import AgendaItemSpec, Choice, Level, MeetingSettings, Threshold
from .vote_rules import VoteRule

ID = 64  # participant, motion and turn ids
# A person's name is the field ``name`` on the wire. ``Command.name`` is also the registry's class-level
# wire name, so the two commands with a ``name`` field are not slotted (a slot would be overwritten by the
# registry) and shadow it per instance: use ``type(cmd).name`` for the command type. Events say
# ``display_name`` instead, because the log reads ``event.name`` as the event type.
NAME = 40
ORGANISATION = 60


# ---------------------------------------------------------------- lifecycle (SYSTEM / moderator)


@command
@dataclass(frozen=True, slots=True)
class CreateMeeting(Command):
    meeting_id: str = field(metadata=max_len(ID))
    title: str = field(metadata=max_len(80))
    level: Level
    place: str = field(metadata=max_len(120))
    scheduled_at: str = field(metadata=max_len(40))  # ISO text as entered; the rules never compute with it
    agenda: tuple[AgendaItemSpec, ...] = ()
    settings: MeetingSettings = field(default_factory=MeetingSettings)
    # The community (meeting_server.community) whose staff created it; None for one made with the admin token.
    community_id: str | None = field(default=None, metadata=max_len(32))


@command
@dataclass(frozen=True, slots=True)
class OpenMeeting(Command):
    pass


@command
@dataclass(frozen=True, slots=True)
class StartAgendaItem(Command):
    index: int


@command
@dataclass(frozen=True, slots=True)
class CloseMeeting(Command):
    pass


# ---------------------------------------------------------------- attendance


@command
@dataclass(frozen=True)
class JoinMeeting(Command):
    """Join from a device; the hub puts the new participant id in the Actor."""

    name: str = field(metadata=max_len(NAME))  # type: ignore[misc]  # see the note on ``name`` above


@command
@dataclass(frozen=True, slots=True)
class LeaveMeeting(Command):
    pass


@command
@dataclass(frozen=True)
class CheckInInRoom(Command):
    """The recorder checks in a resident sitting in the hall without a device."""

    name: str = field(metadata=max_len(NAME))  # type: ignore[misc]  # see the note on ``name`` above
    building: str | None = field(default=None, metadata=max_len(20))
    unit: str | None = field(default=None, metadata=max_len(20))
    # A roster person found at the door (by search or short code): name and household come from the
    # meeting's roster, and the person stays the one participant they are online (core.invitations).
    person_id: str | None = field(default=None, metadata=max_len(40))


@command
@dataclass(frozen=True)
class CheckInGuest(Command):
    """The recorder checks in a 列席 guest (an official, a lawyer, an expert): given the floor like anyone in
    the hall, but never a voter."""

    name: str = field(metadata=max_len(NAME))  # type: ignore[misc]  # see the note on ``name`` above
    organisation: str = field(metadata=max_len(ORGANISATION))


@command
@dataclass(frozen=True, slots=True)
class CheckOutInRoom(Command):
    """Check out someone in the hall: an in-room resident or a guest."""

    participant_id: str = field(metadata=max_len(ID))


# ---------------------------------------------------------------- speaker queue and rounds


@command
@dataclass(frozen=True, slots=True)
class RaiseHand(Command):
    pass


@command
@dataclass(frozen=True, slots=True)
class LowerHand(Command):
    pass


@command
@dataclass(frozen=True, slots=True)
class AddToQueue(Command):
    participant_id: str = field(metadata=max_len(ID))


@command
@dataclass(frozen=True, slots=True)
class RemoveFromQueue(Command):
    participant_id: str = field(metadata=max_len(ID))


@command
@dataclass(frozen=True, slots=True)
class MoveInQueue(Command):
    """Move someone to ``position`` in the queue, 1 = head (as shown to people)."""

    participant_id: str = field(metadata=max_len(ID))
    position: int


@command
@dataclass(frozen=True, slots=True)
class OpenRound(Command):
    pass


@command
@dataclass(frozen=True, slots=True)
class CloseRound(Command):
    pass


# ---------------------------------------------------------------- floor and clock


@command
@dataclass(frozen=True, slots=True)
class GrantFloor(Command):
    """Give the floor to ``participant_id``, or to the head of the queue when None."""

    participant_id: str | None = field(default=None, metadata=max_len(ID))


@command
@dataclass(frozen=True, slots=True)
class YieldFloor(Command):
    pass


@command
@dataclass(frozen=True, slots=True)
class RevokeFloor(Command):
    pass


@command
@dataclass(frozen=True, slots=True)
class StartClock(Command):
    pass


@command
@dataclass(frozen=True, slots=True)
class PauseClock(Command):
    pass


@command
@dataclass(frozen=True, slots=True)
class ResumeClock(Command):
    pass


@command
@dataclass(frozen=True, slots=True)
class ExtendClock(Command):
    seconds: int  # 1..600


@command
@dataclass(frozen=True, slots=True)
class Tick(Command):
    """Sent by the server at ``clock.next_deadline``; yields the warning or the expiry, or nothing."""


# ---------------------------------------------------------------- motions and votes


# ``on_behalf_of``: the recorder moves or seconds for an in-room resident (who has no device), naming them
# by participant id; the motion is theirs, and the log also keeps who entered it.


@command
@dataclass(frozen=True, slots=True)
class MoveMotion(Command):
    title: str = field(metadata=max_len(80))
    text: str = field(metadata=max_len(2000))
    on_behalf_of: str | None = field(default=None, metadata=max_len(ID))


@command
@dataclass(frozen=True, slots=True)
class SecondMotion(Command):
    motion_id: str = field(metadata=max_len(ID))
    on_behalf_of: str | None = field(default=None, metadata=max_len(ID))


@command
@dataclass(frozen=True, slots=True)
class AmendMotion(Command):
    """Propose replacing a motion's text; an empty title becomes "修正案：<parent title>"."""

    motion_id: str = field(metadata=max_len(ID))
    text: str = field(metadata=max_len(2000))
    title: str = field(default="", metadata=max_len(80))


@command
@dataclass(frozen=True, slots=True)
class WithdrawMotion(Command):
    motion_id: str = field(metadata=max_len(ID))


@command
@dataclass(frozen=True, slots=True)
class OpenVote(Command):
    motion_id: str = field(metadata=max_len(ID))
    secret: bool = False
    threshold: Threshold = Threshold.MAJORITY_CAST  # old clients; ``rule`` wins when given
    rule: VoteRule | None = None  # who may vote and what carries it (core.vote_rules)


@command
@dataclass(frozen=True, slots=True)
class CastVote(Command):
    """``on_behalf_of``: the recorder enters the ballot of an in-room roster person (a per-person vote)."""

    motion_id: str = field(metadata=max_len(ID))
    choice: Choice
    on_behalf_of: str | None = field(default=None, metadata=max_len(ID))


@command
@dataclass(frozen=True, slots=True)
class RecordShowOfHands(Command):
    """The recorder's count of the hall; re-entering it corrects the previous count. In a secret vote it is
    the count of the hall's paper ballots (a show of hands is seen by everyone in the hall), sealed in the
    log like the online ballots (``ledger.sealing``)."""

    motion_id: str = field(metadata=max_len(ID))
    yes: int
    no: int
    abstain: int


@command
@dataclass(frozen=True, slots=True)
class CloseVote(Command):
    motion_id: str = field(metadata=max_len(ID))


# ---------------------------------------------------------------- record


@command
@dataclass(frozen=True, slots=True)
class CommitCaption(Command):
    turn_id: str = field(metadata=max_len(ID))
    participant_id: str = field(metadata=max_len(ID))
    text: str = field(metadata=max_len(1000))
    start: float
    end: float


@command
@dataclass(frozen=True, slots=True)
class MarkKeyPoint(Command):
    text: str = field(metadata=max_len(500))
    caption_seq: int | None = None


# ---------------------------------------------------------------- minutes and publicity (minutes_rules.py)


@command
@dataclass(frozen=True, slots=True)
class DraftMinutes(Command):
    """The server's draft of the minutes, built from the log up to event ``basis_seq`` (``basis_hash``)."""

    sections: tuple[MinutesSection, ...]
    basis_seq: int
    basis_hash: str = field(metadata=max_len(64))


@command
@dataclass(frozen=True, slots=True)
class EditMinutes(Command):
    """The recorder rewrites one field of one entry of the draft, as plain text (``text``): e.g. entry
    ``speech-2`` of section ``item-0``, field ``text`` (the summary of what that speaker said)."""

    section_id: str = field(metadata=max_len(SECTION_ID))
    entry_id: str = field(metadata=max_len(ENTRY_ID))
    field_name: str = field(metadata=max_len(FIELD_NAME))
    text: str = field(metadata=max_len(FIELD_TEXT))


@command
@dataclass(frozen=True, slots=True)
class PublishMinutes(Command):
    """Freeze the minutes (their hash goes into the log) and open the publicity period."""


@command
@dataclass(frozen=True, slots=True)
class ObjectToResolution(Command):
    """Object to a published resolution during its publicity period: a resident for themselves, or the
    recorder for a resident who objected in person or on paper (``objector``: participant id or name)."""

    resolution_id: str = field(metadata=max_len(ID))
    objector: str | None = field(default=None, metadata=max_len(ID))
    reason: str = field(default="", metadata=max_len(500))


AnyCommand = (
    SetElectorate
    | MarkDisconnected
    | MarkConnected
    | AllowListenersToSpeak
    | RevokePersonalLink
    | RotateRoleLink
    | CreateMeeting
    | OpenMeeting
    | StartAgendaItem
    | CloseMeeting
    | JoinMeeting
    | LeaveMeeting
    | CheckInInRoom
    | CheckInGuest
    | CheckOutInRoom
    | RaiseHand
    | LowerHand
    | AddToQueue
    | RemoveFromQueue
    | MoveInQueue
    | OpenRound
    | CloseRound
    | GrantFloor
    | YieldFloor
    | RevokeFloor
    | StartClock
    | PauseClock
    | ResumeClock
    | ExtendClock
    | Tick
    | MoveMotion
    | SecondMotion
    | AmendMotion
    | WithdrawMotion
    | OpenVote
    | CastVote
    | RecordShowOfHands
    | CloseVote
    | CommitCaption
    | CorrectCaption
    | MarkKeyPoint
    | DraftMinutes
    | EditMinutes
    | PublishMinutes
    | ObjectToResolution
)
"""Every command class; ``decide`` matches over it exhaustively (a test checks it equals the registry)."""
