"""``decide``: turn one command into the events it causes, or refuse it with a named reason.

Order of checks: the permission table, or for a command entered on behalf of an in-room resident the
``ON_BEHALF`` table (FORBIDDEN), string sizes (INVALID), then the command's own handler
(one per command, grouped by area in ``decide_meeting``, ``decide_floor`` and ``decide_motions``). Decide
never changes state: the caller appends the events to the log and folds them with ``evolve``.
"""

from __future__ import annotations

from typing import assert_never, cast

from .captions import CorrectCaption, correct_caption
from .commands import (
    AddToQueue,
    AmendMotion,
    AnyCommand,
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
from .decide_floor import (
    add_to_queue,
    close_round,
    extend_clock,
    grant_floor,
    lower_hand,
    move_in_queue,
    open_round,
    pause_clock,
    raise_hand,
    remove_from_queue,
    resume_clock,
    revoke_floor,
    start_clock,
    tick,
    yield_floor,
)
from .decide_meeting import (
    check_in_guest,
    check_in_in_room,
    check_out_in_room,
    close_meeting,
    commit_caption,
    create_meeting,
    join_meeting,
    leave_meeting,
    mark_key_point,
    open_meeting,
    set_electorate,
    start_agenda_item,
)
from .decide_motions import amend_motion, move_motion, second_motion, withdraw_motion
from .decide_presence import allow_listeners_to_speak, mark_connected, mark_disconnected
from .decide_votes import cast_vote, close_vote, open_vote, record_show_of_hands
from .electorate import SetElectorate
from .errors import DomainError, ErrorCode
from .guards import check_sizes
from .invitations import RevokePersonalLink, RotateRoleLink, revoke_personal_link, rotate_role_link
from .minutes_rules import draft_minutes, edit_minutes, object_to_resolution, publish_minutes
from .permissions import allowed_roles
from .presence import AllowListenersToSpeak, MarkConnected, MarkDisconnected
from .registry import Command, Event
from .roles import Actor
from .state import MeetingState


def decide(state: MeetingState | None, actor: Actor, command: Command, now: float) -> list[Event]:
    """The events ``command`` from ``actor`` causes at time ``now``; raises DomainError if refused.

    ``state`` is None only before the meeting exists (then only CreateMeeting is accepted).
    An empty list is a valid answer (a Tick with nothing due).
    """
    allowed = allowed_roles(command)
    if allowed is None:
        raise DomainError(ErrorCode.INVALID, f"unknown command {type(command).__name__}")
    if actor.role not in allowed:
        raise DomainError(ErrorCode.FORBIDDEN, f"a {actor.role.value} may not {type(command).__name__}")
    check_sizes(command)
    # Every class in PERMISSIONS is in AnyCommand (a test checks both against the registry).
    cmd = cast(AnyCommand, command)
    if state is None:
        if isinstance(cmd, CreateMeeting):
            return create_meeting(state, actor, cmd, now)
        raise DomainError(ErrorCode.NOT_FOUND, "no such meeting")
    return _dispatch(state, actor, cmd, now)


def _dispatch(state: MeetingState, actor: Actor, cmd: AnyCommand, now: float) -> list[Event]:
    match cmd:
        case CreateMeeting():  # on an existing meeting: refused as a duplicate
            return create_meeting(state, actor, cmd, now)
        case OpenMeeting():
            return open_meeting(state, actor, cmd, now)
        case StartAgendaItem():
            return start_agenda_item(state, actor, cmd, now)
        case CloseMeeting():
            return close_meeting(state, actor, cmd, now)
        case SetElectorate():
            return set_electorate(state, actor, cmd, now)
        case RevokePersonalLink():
            return revoke_personal_link(state.links, state.electors, cmd, now)
        case RotateRoleLink():
            return rotate_role_link(state.links, cmd, now)
        case JoinMeeting():
            return join_meeting(state, actor, cmd, now)
        case LeaveMeeting():
            return leave_meeting(state, actor, cmd, now)
        case MarkDisconnected():
            return mark_disconnected(state, actor, cmd, now)
        case MarkConnected():
            return mark_connected(state, actor, cmd, now)
        case AllowListenersToSpeak():
            return allow_listeners_to_speak(state, actor, cmd, now)
        case CheckInInRoom():
            return check_in_in_room(state, actor, cmd, now)
        case CheckInGuest():
            return check_in_guest(state, actor, cmd, now)
        case CheckOutInRoom():
            return check_out_in_room(state, actor, cmd, now)
        case RaiseHand():
            return raise_hand(state, actor, cmd, now)
        case LowerHand():
            return lower_hand(state, actor, cmd, now)
        case AddToQueue():
            return add_to_queue(state, actor, cmd, now)
        case RemoveFromQueue():
            return remove_from_queue(state, actor, cmd, now)
        case MoveInQueue():
            return move_in_queue(state, actor, cmd, now)
        case OpenRound():
            return open_round(state, actor, cmd, now)
        case CloseRound():
            return close_round(state, actor, cmd, now)
        case GrantFloor():
            return grant_floor(state, actor, cmd, now)
        case YieldFloor():
            return yield_floor(state, actor, cmd, now)
        case RevokeFloor():
            return revoke_floor(state, actor, cmd, now)
        case StartClock():
            return start_clock(state, actor, cmd, now)
        case PauseClock():
            return pause_clock(state, actor, cmd, now)
        case ResumeClock():
            return resume_clock(state, actor, cmd, now)
        case ExtendClock():
            return extend_clock(state, actor, cmd, now)
        case Tick():
            return tick(state, actor, cmd, now)
        case MoveMotion():
            return move_motion(state, actor, cmd, now)
        case SecondMotion():
            return second_motion(state, actor, cmd, now)
        case AmendMotion():
            return amend_motion(state, actor, cmd, now)
        case WithdrawMotion():
            return withdraw_motion(state, actor, cmd, now)
        case OpenVote():
            return open_vote(state, actor, cmd, now)
        case CastVote():
            return cast_vote(state, actor, cmd, now)
        case RecordShowOfHands():
            return record_show_of_hands(state, actor, cmd, now)
        case CloseVote():
            return close_vote(state, actor, cmd, now)
        case CommitCaption():
            return commit_caption(state, actor, cmd, now)
        case CorrectCaption():
            return correct_caption(state, actor, cmd, now)
        case MarkKeyPoint():
            return mark_key_point(state, actor, cmd, now)
        case DraftMinutes():
            return draft_minutes(state, actor, cmd, now)
        case EditMinutes():
            return edit_minutes(state, actor, cmd, now)
        case PublishMinutes():
            return publish_minutes(state, actor, cmd, now)
        case ObjectToResolution():
            return object_to_resolution(state, actor, cmd, now)
        case _:
            assert_never(cmd)
