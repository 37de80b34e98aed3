"""Who may issue which command: one table, checked by ``decide`` before anything else.

Observers appear nowhere (they change nothing). ``Role.SYSTEM`` is the server itself: it creates meetings,
ticks the clock and commits captions. Rules that depend on *who* rather than *which role* (only the floor
holder yields, only the mover withdraws, the mover may not second) are checked in the handlers.
"""

from __future__ import annotations

from .commands import (
    AddToQueue,
    AmendMotion,
    CastVote,
    CheckInInRoom,
    CheckOutInRoom,
    CloseMeeting,
    CloseRound,
    CloseVote,
    CommitCaption,
    CreateMeeting,
    DraftMinutes,
    EditMinutes,
    ExtendClock,
    GrantFloor,
    JoinMeeting,
    LeaveMeeting,
    LowerHand,
    MarkKeyPoint,
    MoveInQueue,
    MoveMotion,
    ObjectToResolution,
    OpenMeeting,
    OpenRound,
    OpenVote,
    PauseClock,
    PublishMinutes,
    RaiseHand,
    RecordShowOfHands,
    RemoveFromQueue,
    ResumeClock,
    RevokeFloor,
    SecondMotion,
    StartAgendaItem,
    StartClock,
    Tick,
    WithdrawMotion,
    YieldFloor,
)
from .registry import Command
from .roles import Role

SYSTEM = frozenset({Role.SYSTEM})
MODERATOR = frozenset({Role.MODERATOR})
RECORDER = frozenset({Role.RECORDER})
PARTICIPANT = frozenset({Role.PARTICIPANT})
# Everyone who takes part (has a participant record): the officers and the residents.
MEMBERS = frozenset({Role.MODERATOR, Role.TIMER, Role.RECORDER, Role.PARTICIPANT})
CLOCK_KEEPERS = frozenset({Role.TIMER, Role.MODERATOR})
# The moderator may put a motion on behalf of the chair (e.g. one collected before the meeting).
MOVERS = frozenset({Role.PARTICIPANT, Role.MODERATOR})

PERMISSIONS: dict[type[Command], frozenset[Role]] = {
    # lifecycle
    CreateMeeting: SYSTEM,
    OpenMeeting: MODERATOR,
    StartAgendaItem: MODERATOR,
    CloseMeeting: MODERATOR,
    # attendance
    JoinMeeting: MEMBERS,
    LeaveMeeting: MEMBERS,
    CheckInInRoom: RECORDER,
    CheckOutInRoom: RECORDER,
    # queue and rounds
    RaiseHand: PARTICIPANT,
    LowerHand: PARTICIPANT,
    AddToQueue: MODERATOR,
    RemoveFromQueue: MODERATOR,
    MoveInQueue: MODERATOR,
    OpenRound: MODERATOR,
    CloseRound: MODERATOR,
    # floor and clock
    GrantFloor: MODERATOR,
    YieldFloor: MEMBERS,  # and only by the holder (checked in the handler)
    RevokeFloor: MODERATOR,
    StartClock: CLOCK_KEEPERS,
    PauseClock: CLOCK_KEEPERS,
    ResumeClock: CLOCK_KEEPERS,
    ExtendClock: CLOCK_KEEPERS,
    Tick: SYSTEM,
    # motions and votes
    MoveMotion: MOVERS,
    SecondMotion: PARTICIPANT,
    AmendMotion: MOVERS,
    WithdrawMotion: MOVERS,  # and only by the mover
    OpenVote: MODERATOR,
    CastVote: PARTICIPANT,
    RecordShowOfHands: RECORDER,
    CloseVote: MODERATOR,
    # record
    CommitCaption: SYSTEM,
    MarkKeyPoint: RECORDER,
    # minutes and publicity: the recorder also takes objections handed in on paper
    DraftMinutes: SYSTEM,
    EditMinutes: RECORDER,
    PublishMinutes: RECORDER,
    ObjectToResolution: frozenset({Role.PARTICIPANT, Role.RECORDER}),
}


def may_issue(role: Role, command_type: type[Command]) -> bool:
    """Whether ``role`` may issue commands of ``command_type`` (False for unknown commands)."""
    return role in PERMISSIONS.get(command_type, frozenset())
