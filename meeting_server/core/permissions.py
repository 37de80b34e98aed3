"""Who may issue which command: one table, checked by ``decide`` before anything else.

Observers and guests appear nowhere (they change nothing; guests have no device). ``Role.SYSTEM`` is the
server itself: it creates meetings, ticks the clock and commits captions. A command sent *on behalf of* an
in-room resident (``on_behalf_of`` set) is checked against ``ON_BEHALF`` instead: the recorder enters it
for someone without a device. Rules that depend on *who* rather than *which role* (only the floor holder
yields, only the mover withdraws, the mover may not second) are checked in the handlers.
"""

from __future__ import annotations

from .captions import CorrectCaption
from .commands import (
    AddToQueue,
    AmendMotion,
    CastVote,
    CheckInGuest,
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
from .electorate import SetElectorate
from .invitations import RevokePersonalLink, RotateRoleLink
from .presence import AllowListenersToSpeak, MarkConnected, MarkDisconnected
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
    SetElectorate: SYSTEM,
    # links: the server, for the community's staff (meeting_server.web.invitations)
    RevokePersonalLink: SYSTEM,
    RotateRoleLink: SYSTEM,
    OpenMeeting: MODERATOR,
    StartAgendaItem: MODERATOR,
    CloseMeeting: MODERATOR,
    # attendance
    JoinMeeting: MEMBERS,
    LeaveMeeting: MEMBERS,
    CheckInInRoom: RECORDER,
    CheckInGuest: RECORDER,
    CheckOutInRoom: RECORDER,
    MarkDisconnected: SYSTEM,  # the server watches the connections (core.presence)
    MarkConnected: SYSTEM,
    AllowListenersToSpeak: MODERATOR,
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
    CorrectCaption: RECORDER,
    MarkKeyPoint: RECORDER,
    # minutes and publicity: the recorder also takes objections handed in on paper
    DraftMinutes: SYSTEM,
    EditMinutes: RECORDER,
    PublishMinutes: RECORDER,
    ObjectToResolution: frozenset({Role.PARTICIPANT, Role.RECORDER}),
}


# Who may move or second for an in-room resident (who must be present in the hall: checked in the handler).
ON_BEHALF: dict[type[Command], frozenset[Role]] = {
    MoveMotion: RECORDER,
    SecondMotion: RECORDER,
    CastVote: RECORDER,  # an in-room roster person's ballot, in a per-person vote
}


def allowed_roles(command: Command) -> frozenset[Role] | None:
    """The roles that may issue ``command``; None for a command type nobody knows."""
    if getattr(command, "on_behalf_of", None) is not None:
        return ON_BEHALF.get(type(command), frozenset())
    return PERMISSIONS.get(type(command))
