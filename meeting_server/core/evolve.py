"""``evolve``: apply one event to a state, giving a new state; ``fold``: replay a whole log.

Evolve trusts its events (decide has checked them) and never refuses one except when the log is broken
(an event before MeetingCreated, a second MeetingCreated): replaying must rebuild exactly what was decided.
Collections are copied, never mutated, so earlier states stay valid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import assert_never, cast

from .captions import CaptionCorrected
from .decide_presence import evolve_presence
from .electorate import ElectorateSet, electors_by_id
from .events import (
    AgendaItemStarted,
    AnyEvent,
    CaptionCommitted,
    ClockExtended,
    ClockPaused,
    ClockResumed,
    ClockStarted,
    ClockWarning,
    FloorExpired,
    FloorGranted,
    FloorRevoked,
    FloorYielded,
    GuestCheckedIn,
    HandLowered,
    HandRaised,
    InRoomCheckedIn,
    InRoomCheckedOut,
    KeyPointMarked,
    MeetingClosed,
    MeetingCreated,
    MeetingOpened,
    ParticipantJoined,
    ParticipantLeft,
    QueueReordered,
    RoundClosed,
    RoundOpened,
)
from .evolve_motions import evolve_motions, evolve_votes
from .invitations import PersonalLinkRevoked, RoleLinkRotated, evolve_links
from .minutes_events import (
    MinutesDrafted,
    MinutesEdited,
    MinutesPublished,
    ObjectionRaised,
    PublicityDecided,
    ResolutionFlaggedForRedeliberation,
)
from .minutes_rules import evolve_minutes
from .motion_events import (
    BallotCast,
    MotionAmended,
    MotionMoved,
    MotionSeconded,
    MotionWithdrawn,
    ResolutionRecorded,
    SealedHallCount,
    SecretBallotCast,
    ShowOfHandsRecorded,
    VoteCancelled,
    VoteClosed,
    VoteOpened,
)
from .presence import ListenersSpeakingAllowed, ParticipantDisconnected, ParticipantReconnected
from .registry import Event
from .roles import Role
from .state import Floor, KeyPoint, MeetingState, Participant, Turn, with_entry
from .values import Channel, MeetingStatus

replace = dataclasses.replace


def _without(queue: tuple[str, ...], participant_id: str) -> tuple[str, ...]:
    return tuple(p for p in queue if p != participant_id)


def _insert(queue: tuple[str, ...], participant_id: str, position: int) -> tuple[str, ...]:
    rest = _without(queue, participant_id)
    i = max(0, min(position - 1, len(rest)))
    return (*rest[:i], participant_id, *rest[i:])


def fold(events: Iterable[Event]) -> MeetingState | None:
    """The state after ``events`` (None for an empty log)."""
    state: MeetingState | None = None
    for ev in events:
        state = evolve(state, ev)
    return state


def evolve(state: MeetingState | None, event: Event) -> MeetingState:
    """The state after ``event``. Raises ValueError only for a log that does not start with MeetingCreated."""
    ev = cast(AnyEvent, event)
    if isinstance(ev, MeetingCreated):
        if state is not None:
            raise ValueError("MeetingCreated in a log that already has a meeting")
        return MeetingState(
            meeting_id=ev.meeting_id,
            title=ev.title,
            level=ev.level,
            place=ev.place,
            scheduled_at=ev.scheduled_at,
            agenda=ev.agenda,
            settings=ev.settings,
            created_at=ev.at,
            community_id=ev.community_id,
        )
    if state is None:
        raise ValueError(f"{type(ev).__name__} before MeetingCreated")
    match ev:
        case MeetingOpened() | AgendaItemStarted() | MeetingClosed():
            return _lifecycle(state, ev)
        case ElectorateSet():
            return replace(state, electors=electors_by_id(ev.electors))
        case PersonalLinkRevoked() | RoleLinkRotated():
            return replace(state, links=evolve_links(state.links, ev))
        case (
            ParticipantJoined()
            | ParticipantLeft()
            | InRoomCheckedIn()
            | GuestCheckedIn()
            | InRoomCheckedOut()
        ):
            return _attendance(state, ev)
        case HandRaised() | HandLowered() | QueueReordered() | RoundOpened() | RoundClosed():
            return _queue(state, ev)
        case FloorGranted() | FloorYielded() | FloorRevoked() | FloorExpired():
            return _floor(state, ev)
        case ClockStarted() | ClockPaused() | ClockResumed() | ClockExtended() | ClockWarning():
            return _clock(state, ev)
        case MotionMoved() | MotionSeconded() | MotionWithdrawn() | MotionAmended() | ResolutionRecorded():
            return evolve_motions(state, ev)
        case (
            VoteOpened()
            | BallotCast()
            | SecretBallotCast()
            | ShowOfHandsRecorded()
            | SealedHallCount()
            | VoteClosed()
            | VoteCancelled()
        ):
            return evolve_votes(state, ev)
        case ParticipantDisconnected() | ParticipantReconnected() | ListenersSpeakingAllowed():
            return evolve_presence(state, ev)
        case CaptionCommitted():
            return replace(state, captions=state.captions + 1)
        case CaptionCorrected():
            return replace(state, corrections=state.corrections + 1)
        case KeyPointMarked():
            point = KeyPoint(ev.key_point_id, ev.agenda_index, ev.text, ev.caption_seq, ev.by, ev.at)
            return replace(state, key_points=(*state.key_points, point))
        case (
            MinutesDrafted()
            | MinutesEdited()
            | MinutesPublished()
            | ObjectionRaised()
            | ResolutionFlaggedForRedeliberation()
            | PublicityDecided()
        ):
            return evolve_minutes(state, ev)
        case _:
            assert_never(ev)


def _lifecycle(state: MeetingState, ev: MeetingOpened | AgendaItemStarted | MeetingClosed) -> MeetingState:
    match ev:
        case MeetingOpened():
            return replace(state, status=MeetingStatus.OPEN, opened_at=ev.at)
        case AgendaItemStarted():
            # A new item starts with an empty queue and no round: debate is per item.
            return replace(
                state,
                current_item=ev.index,
                item_started_at=ev.at,
                queue=(),
                round=0,
                round_open=False,
                turns_in_round={},
            )
        case MeetingClosed():
            return replace(state, status=MeetingStatus.CLOSED, closed_at=ev.at, queue=(), round_open=False)
        case _:
            assert_never(ev)


def _attendance(
    state: MeetingState,
    ev: ParticipantJoined | ParticipantLeft | InRoomCheckedIn | GuestCheckedIn | InRoomCheckedOut,
) -> MeetingState:
    match ev:
        case ParticipantJoined():
            earlier = state.participants.get(ev.participant_id)  # re-joining after leaving
            person = Participant(
                ev.participant_id,
                ev.display_name,
                ev.role,
                ev.channel,
                person_id=ev.person_id,
                listener=ev.listener,
                connection=earlier.connection + 1 if earlier is not None else 1,
            )
            return replace(state, participants=with_entry(state.participants, ev.participant_id, person))
        case InRoomCheckedIn():
            person = Participant(
                ev.participant_id,
                ev.display_name,
                Role.PARTICIPANT,
                Channel.ROOM,
                True,
                ev.building,
                ev.unit,
                person_id=ev.person_id,
                listener=ev.listener,
            )
            return replace(
                state,
                participants=with_entry(state.participants, ev.participant_id, person),
                room_checkins=state.room_checkins + 1,
            )
        case GuestCheckedIn():
            guest = Participant(
                ev.participant_id, ev.display_name, Role.GUEST, Channel.ROOM, organisation=ev.organisation
            )
            return replace(state, participants=with_entry(state.participants, ev.participant_id, guest))
        case ParticipantLeft() | InRoomCheckedOut():
            gone = replace(state.participants[ev.participant_id], present=False)
            return replace(
                state,
                participants=with_entry(state.participants, ev.participant_id, gone),
                queue=_without(state.queue, ev.participant_id),
            )
        case _:
            assert_never(ev)


def _queue(
    state: MeetingState, ev: HandRaised | HandLowered | QueueReordered | RoundOpened | RoundClosed
) -> MeetingState:
    match ev:
        case HandRaised() | QueueReordered():
            return replace(state, queue=_insert(state.queue, ev.participant_id, ev.position))
        case HandLowered():
            return replace(state, queue=_without(state.queue, ev.participant_id))
        case RoundOpened():
            return replace(state, round=ev.round, round_open=True, turns_in_round={})
        case RoundClosed():
            return replace(state, round_open=False, turns_in_round={})
        case _:
            assert_never(ev)


def _floor(
    state: MeetingState, ev: FloorGranted | FloorYielded | FloorRevoked | FloorExpired
) -> MeetingState:
    match ev:
        case FloorGranted():
            floor = Floor(
                turn_id=ev.turn_id,
                participant_id=ev.participant_id,
                agenda_index=ev.agenda_index,
                round=ev.round,
                channel=ev.channel,
                granted_at=ev.at,
                limit_s=ev.limit_s,
            )
            turn = Turn(ev.turn_id, ev.participant_id, ev.agenda_index, ev.round, ev.at)
            turns_in_round = state.turns_in_round
            if ev.round > 0:
                turns_in_round = with_entry(
                    turns_in_round, ev.participant_id, turns_in_round.get(ev.participant_id, 0) + 1
                )
            return replace(
                state,
                floor=floor,
                turns=with_entry(state.turns, ev.turn_id, turn),
                turns_in_round=turns_in_round,
                queue=_without(state.queue, ev.participant_id),
            )
        case FloorYielded() | FloorRevoked() | FloorExpired():
            turn = replace(state.turns[ev.turn_id], spoken_s=ev.spoken_s)
            return replace(state, floor=None, turns=with_entry(state.turns, ev.turn_id, turn))
        case _:
            assert_never(ev)


def _clock(
    state: MeetingState, ev: ClockStarted | ClockPaused | ClockResumed | ClockExtended | ClockWarning
) -> MeetingState:
    floor = state.floor
    if floor is None or floor.turn_id != ev.turn_id:
        raise ValueError(f"{type(ev).__name__} for {ev.turn_id}, which does not hold the floor")
    match ev:
        case ClockStarted():
            floor = replace(floor, started=True, running_since=ev.at)
        case ClockResumed():
            floor = replace(floor, running_since=ev.at)
        case ClockPaused():
            floor = replace(floor, used_s=floor.spent(ev.at), running_since=None)
        case ClockExtended():
            floor = replace(floor, limit_s=floor.limit_s + ev.seconds)
            # Re-arm the warning when the extension lifts the remaining time back above it.
            if floor.warned and floor.limit_s - floor.spent(ev.at) > state.settings.warning_s:
                floor = replace(floor, warned=False)
        case ClockWarning():
            floor = replace(floor, warned=True)
        case _:
            assert_never(ev)
    return replace(state, floor=floor)
