"""``evolve``: apply one event to a state, giving a new state; ``fold``: replay a whole log.

Evolve trusts its events (decide has checked them) and never refuses one except when the log is broken
(an event before MeetingCreated, a second MeetingCreated): replaying must rebuild exactly what was decided.
Collections are copied, never mutated, so earlier states stay valid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TypeVar, assert_never, cast

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
from .invitations import PersonalLinkRevoked, RoleLinkRotated, evolve_links
from .minutes_events import (
    MinutesDrafted,
    MinutesEdited,
    MinutesPublished,
    ObjectionRaised,
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
    SecretBallotCast,
    ShowOfHandsRecorded,
    VoteCancelled,
    VoteClosed,
    VoteOpened,
)
from .presence import ListenersSpeakingAllowed, ParticipantDisconnected, ParticipantReconnected
from .registry import Event
from .roles import Role
from .state import Floor, KeyPoint, MeetingState, Motion, Participant, Poll, Resolution, Turn
from .values import Channel, Counts, MeetingStatus, MotionStatus

K = TypeVar("K")
V = TypeVar("V")

replace = dataclasses.replace


def _with(mapping: Mapping[K, V], key: K, value: V) -> dict[K, V]:
    out = dict(mapping)
    out[key] = value
    return out


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
            return _motions(state, ev)
        case (
            VoteOpened()
            | BallotCast()
            | SecretBallotCast()
            | ShowOfHandsRecorded()
            | VoteClosed()
            | VoteCancelled()
        ):
            return _votes(state, ev)
        case ParticipantDisconnected() | ParticipantReconnected() | ListenersSpeakingAllowed():
            return evolve_presence(state, ev)
        case CaptionCommitted():
            return replace(state, captions=state.captions + 1)
        case KeyPointMarked():
            point = KeyPoint(ev.key_point_id, ev.agenda_index, ev.text, ev.caption_seq, ev.by, ev.at)
            return replace(state, key_points=(*state.key_points, point))
        case (
            MinutesDrafted()
            | MinutesEdited()
            | MinutesPublished()
            | ObjectionRaised()
            | ResolutionFlaggedForRedeliberation()
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
            return replace(state, participants=_with(state.participants, ev.participant_id, person))
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
                participants=_with(state.participants, ev.participant_id, person),
                room_checkins=state.room_checkins + 1,
            )
        case GuestCheckedIn():
            guest = Participant(
                ev.participant_id, ev.display_name, Role.GUEST, Channel.ROOM, organisation=ev.organisation
            )
            return replace(state, participants=_with(state.participants, ev.participant_id, guest))
        case ParticipantLeft() | InRoomCheckedOut():
            gone = replace(state.participants[ev.participant_id], present=False)
            return replace(
                state,
                participants=_with(state.participants, ev.participant_id, gone),
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
                turns_in_round = _with(
                    turns_in_round, ev.participant_id, turns_in_round.get(ev.participant_id, 0) + 1
                )
            return replace(
                state,
                floor=floor,
                turns=_with(state.turns, ev.turn_id, turn),
                turns_in_round=turns_in_round,
                queue=_without(state.queue, ev.participant_id),
            )
        case FloorYielded() | FloorRevoked() | FloorExpired():
            turn = replace(state.turns[ev.turn_id], spoken_s=ev.spoken_s)
            return replace(state, floor=None, turns=_with(state.turns, ev.turn_id, turn))
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


def _motions(
    state: MeetingState,
    ev: MotionMoved | MotionSeconded | MotionWithdrawn | MotionAmended | ResolutionRecorded,
) -> MeetingState:
    match ev:
        case MotionMoved():
            motion = Motion(
                ev.motion_id,
                ev.agenda_index,
                ev.mover,
                ev.title,
                ev.text,
                ev.parent_id,
                ev.at,
                entered_by=ev.entered_by,
            )
            return replace(state, motions=_with(state.motions, ev.motion_id, motion))
        case MotionSeconded():
            motion = replace(
                state.motions[ev.motion_id],
                status=MotionStatus.SECONDED,
                seconder=ev.seconder,
                second_entered_by=ev.entered_by,
            )
            return replace(state, motions=_with(state.motions, ev.motion_id, motion))
        case MotionWithdrawn():
            motion = replace(state.motions[ev.motion_id], status=MotionStatus.WITHDRAWN)
            return replace(state, motions=_with(state.motions, ev.motion_id, motion))
        case MotionAmended():
            motion = replace(state.motions[ev.motion_id], text=ev.text)
            return replace(state, motions=_with(state.motions, ev.motion_id, motion))
        case ResolutionRecorded():
            resolution = Resolution(ev.resolution_id, ev.motion_id, ev.agenda_index, ev.title, ev.text, ev.at)
            return replace(state, resolutions=(*state.resolutions, resolution))
        case _:
            assert_never(ev)


def _votes(
    state: MeetingState,
    ev: VoteOpened | BallotCast | SecretBallotCast | ShowOfHandsRecorded | VoteClosed | VoteCancelled,
) -> MeetingState:
    match ev:
        case VoteOpened():
            poll = Poll(
                motion_id=ev.motion_id,
                secret=ev.secret,
                threshold=ev.threshold,
                present=ev.present,
                quorum_min=ev.quorum_min,
                eligible_online=frozenset(ev.eligible_online),
                room_present=ev.room_present,
                opened_at=ev.at,
            )
            secret = state.secret_motions | {ev.motion_id} if ev.secret else state.secret_motions
            state = replace(state, vote=poll, secret_motions=secret)
            return _set_status(state, ev.motion_id, MotionStatus.VOTING)
        case BallotCast():
            poll = _poll(state, ev.motion_id)
            return replace(
                state, vote=replace(poll, ballots=_with(poll.ballots, ev.participant_id, ev.choice))
            )
        case SecretBallotCast():
            # Folded without the ballot key (the writer unseals before folding): one more ballot, no choice.
            poll = _poll(state, ev.motion_id)
            return replace(state, vote=replace(poll, sealed=poll.sealed | {ev.voter}))
        case ShowOfHandsRecorded():
            # A later count corrects an earlier one: the last entered wins.
            poll = _poll(state, ev.motion_id)
            return replace(state, vote=replace(poll, room=Counts(ev.yes, ev.no, ev.abstain)))
        case VoteClosed():
            status = MotionStatus.PASSED if ev.passed else MotionStatus.FAILED
            return _set_status(replace(state, vote=None, results=(*state.results, ev)), ev.motion_id, status)
        case VoteCancelled():
            return _set_status(replace(state, vote=None), ev.motion_id, MotionStatus.SECONDED)
        case _:
            assert_never(ev)


def _set_status(state: MeetingState, motion_id: str, status: MotionStatus) -> MeetingState:
    motion = replace(state.motions[motion_id], status=status)
    return replace(state, motions=_with(state.motions, motion_id, motion))


def _poll(state: MeetingState, motion_id: str) -> Poll:
    if state.vote is None or state.vote.motion_id != motion_id:
        raise ValueError(f"ballot for {motion_id}, which is not being voted on")
    return state.vote
