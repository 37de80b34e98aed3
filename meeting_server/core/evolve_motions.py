"""``evolve`` for motions and votes: moving, seconding, amending, resolutions, and the open vote's poll."""

from __future__ import annotations

import dataclasses
from typing import assert_never

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
from .state import MeetingState, Motion, Poll, Resolution, with_entry
from .values import Counts, MotionStatus
from .vote_rules import VoteRule

replace = dataclasses.replace


def evolve_motions(
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
            return replace(state, motions=with_entry(state.motions, ev.motion_id, motion))
        case MotionSeconded():
            motion = replace(
                state.motions[ev.motion_id],
                status=MotionStatus.SECONDED,
                seconder=ev.seconder,
                second_entered_by=ev.entered_by,
            )
            return replace(state, motions=with_entry(state.motions, ev.motion_id, motion))
        case MotionWithdrawn():
            motion = replace(state.motions[ev.motion_id], status=MotionStatus.WITHDRAWN)
            return replace(state, motions=with_entry(state.motions, ev.motion_id, motion))
        case MotionAmended():
            motion = replace(state.motions[ev.motion_id], text=ev.text)
            return replace(state, motions=with_entry(state.motions, ev.motion_id, motion))
        case ResolutionRecorded():
            resolution = Resolution(ev.resolution_id, ev.motion_id, ev.agenda_index, ev.title, ev.text, ev.at)
            return replace(state, resolutions=(*state.resolutions, resolution))
        case _:
            assert_never(ev)


def evolve_votes(
    state: MeetingState,
    ev: VoteOpened
    | BallotCast
    | SecretBallotCast
    | ShowOfHandsRecorded
    | SealedHallCount
    | VoteClosed
    | VoteCancelled,
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
                rule=ev.rule if ev.rule is not None else VoteRule(threshold=ev.threshold),
                eligible_room=frozenset(ev.eligible_room),
                heads_in_scope=ev.heads_in_scope,
                area_in_scope=ev.area_in_scope,
                quorum_basis=ev.quorum_basis,
            )
            secret = state.secret_motions | {ev.motion_id} if ev.secret else state.secret_motions
            state = replace(state, vote=poll, secret_motions=secret)
            return _set_status(state, ev.motion_id, MotionStatus.VOTING)
        case BallotCast():
            poll = _poll(state, ev.motion_id)
            return replace(
                state, vote=replace(poll, ballots=with_entry(poll.ballots, ev.participant_id, ev.choice))
            )
        case SecretBallotCast():
            # Folded without the ballot key (the writer unseals before folding): one more ballot, no choice.
            poll = _poll(state, ev.motion_id)
            return replace(state, vote=replace(poll, sealed=poll.sealed | {ev.voter}))
        case ShowOfHandsRecorded():
            # A later count corrects an earlier one: the last entered wins.
            poll = _poll(state, ev.motion_id)
            return replace(state, vote=replace(poll, room=Counts(ev.yes, ev.no, ev.abstain)))
        case SealedHallCount():
            # Folded without the ballot key (the writer unseals before folding): a count, no choices.
            poll = _poll(state, ev.motion_id)
            return replace(state, vote=replace(poll, room=None, room_sealed=True))
        case VoteClosed():
            status = MotionStatus.PASSED if ev.passed else MotionStatus.FAILED
            return _set_status(replace(state, vote=None, results=(*state.results, ev)), ev.motion_id, status)
        case VoteCancelled():
            return _set_status(replace(state, vote=None), ev.motion_id, MotionStatus.SECONDED)
        case _:
            assert_never(ev)


def _set_status(state: MeetingState, motion_id: str, status: MotionStatus) -> MeetingState:
    motion = replace(state.motions[motion_id], status=status)
    return replace(state, motions=with_entry(state.motions, motion_id, motion))


def _poll(state: MeetingState, motion_id: str) -> Poll:
    if state.vote is None or state.vote.motion_id != motion_id:
        raise ValueError(f"ballot for {motion_id}, which is not being voted on")
    return state.vote
