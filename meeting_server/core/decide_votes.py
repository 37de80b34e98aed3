"""Handlers for votes: opening under a voting rule, ballots, the hall's count, closing.

* Opening a vote checks the quorum and freezes the electorate (see ``vote_rules`` for scopes, quorum from
  the scope, thresholds, households and art. 278). Under a plain rule (scope all, one vote per person) the
  online voters present may cast one ballot each and the recorder enters one show-of-hands count for the
  in-room voters present, at most their number, re-entering it as a correction; the two groups are
  disjoint (in-room people have no device), so nobody is counted twice.
* Under a per-person rule (a roster scope, one vote per household, art. 278) the rule must know who voted:
  there is no show of hands, and the recorder enters each in-room person's ballot (``on_behalf_of``),
  the ballot keeping who entered it.
* Closing a vote records the result, the rule and its sums; a passed amendment amends its parent, a passed
  main motion becomes a resolution. A plain vote with in-room voters is not closed until the recorder has
  entered their show of hands (zeros count as entered): otherwise the hall's votes would be lost for good.
"""

from __future__ import annotations

import dataclasses

from .commands import CastVote, CloseVote, OpenVote, RecordShowOfHands
from .electorate import Elector, HouseholdKey
from .errors import ErrorCode
from .guards import fail, require_motion, require_open, require_present
from .motion_events import (
    BallotCast,
    MotionAmended,
    ResolutionRecorded,
    ShowOfHandsRecorded,
    VoteCancelled,
    VoteClosed,
    VoteOpened,
)
from .registry import Event
from .roles import Actor
from .state import MeetingState, Motion, Participant, Poll
from .values import BallotsByChannel, ByChannel, Channel, Counts, MotionStatus
from .vote_rules import (
    Art278,
    Scope,
    VoteRule,
    VoteSums,
    art278_quorum_possible,
    art278_result,
    ballot_sums,
    household_areas,
    in_scope,
    rule_problem,
    scope_label,
    scoped_quorum,
    threshold_passes,
)


def _open_poll(state: MeetingState, motion_id: str) -> tuple[Motion, Poll]:
    require_open(state)
    motion = require_motion(state, motion_id)
    poll = state.vote
    if poll is None or poll.motion_id != motion_id:
        fail(ErrorCode.WRONG_STATE, f"no vote is open on {motion_id}")
    return motion, poll


def _elector(state: MeetingState, p: Participant) -> Elector | None:
    return state.electors.get(p.person_id) if p.person_id is not None else None


def _household(state: MeetingState, pid: str) -> HouseholdKey | None:
    p = state.participants.get(pid)
    e = _elector(state, p) if p is not None else None
    return e.household if e is not None else None


def open_vote(state: MeetingState, actor: Actor, cmd: OpenVote, now: float) -> list[Event]:
    require_open(state)
    motion = require_motion(state, cmd.motion_id)
    if state.vote is not None:
        fail(ErrorCode.WRONG_STATE, f"a vote on {state.vote.motion_id} is already open")
    if motion.status is not MotionStatus.SECONDED:
        reason = (
            "has not been seconded" if motion.status is MotionStatus.MOVED else f"is {motion.status.value}"
        )
        fail(ErrorCode.WRONG_STATE, f"the motion {reason}")
    if any(a.pending for a in state.amendments_of(motion.motion_id)):
        fail(ErrorCode.WRONG_STATE, "its amendments must be decided first")
    rule = cmd.rule if cmd.rule is not None else VoteRule(threshold=cmd.threshold)
    problem = rule_problem(rule)
    if problem is not None:
        fail(ErrorCode.INVALID, problem)
    voters = state.present_voters()
    if rule.per_person:
        return [_open_per_person(state, actor, motion, rule, cmd.secret, voters, now)]
    if len(voters) < state.quorum_min:
        fail(ErrorCode.NO_QUORUM, f"{len(voters)} voters present, {state.quorum_min} needed")
    return [
        VoteOpened(
            motion_id=motion.motion_id,
            secret=cmd.secret,
            threshold=rule.threshold,
            present=len(voters),
            quorum_min=state.quorum_min,
            eligible_online=tuple(p.participant_id for p in voters if p.channel is Channel.ONLINE),
            room_present=sum(1 for p in voters if p.channel is Channel.ROOM),
            by=actor.participant_id,
            at=now,
            rule=rule,
        )
    ]


def _open_per_person(
    state: MeetingState,
    actor: Actor,
    motion: Motion,
    rule: VoteRule,
    secret: bool,
    voters: list[Participant],
    now: float,
) -> VoteOpened:
    if not state.has_roster:
        fail(ErrorCode.WRONG_STATE, "本会议没有名册，不能按范围、按户或按《民法典》第278条表决")
    scope = [e for e in state.electors.values() if in_scope(rule, e)]
    if not scope:
        fail(ErrorCode.NOT_FOUND, f"名册上没有{scope_label(rule)}")
    ids = {e.person_id for e in scope}
    present = [p for p in voters if p.person_id in ids]
    if rule.per_household:
        heads = len({e.household for e in scope})
        present_heads = len({e.household for p in present if (e := _elector(state, p)) is not None})
    else:
        heads, present_heads = len(scope), len(present)
    area = 0
    basis = "meeting" if rule.scope is Scope.ALL else "scope"
    if rule.art278 is not Art278.NONE:
        areas = household_areas(scope)
        unknown = [" ".join(part for part in h if part) for h, a in areas.items() if a is None]
        if unknown:
            fail(ErrorCode.AREA_UNKNOWN, f"以下住户未登记专有部分面积：{'、'.join(unknown[:20])}")
        area = sum(a or 0 for a in areas.values())
        present_hh = {e.household for p in present if (e := _elector(state, p)) is not None}
        present_area = sum(areas[h] or 0 for h in present_hh)
        quorum = (2 * heads + 2) // 3
        basis = "scope"
        if not art278_quorum_possible(heads, area, len(present_hh), present_area):
            fail(
                ErrorCode.NO_QUORUM,
                f"到会 {len(present_hh)}/{heads} 户、面积 {present_area / 100:.2f}/{area / 100:.2f} m²，"
                "达不到《民法典》第278条双三分之二参与表决的要求",
            )
    elif basis == "scope":
        quorum = scoped_quorum(state.settings.quorum_ratio, heads)
        if present_heads < quorum:
            fail(ErrorCode.NO_QUORUM, f"{scope_label(rule)}到会 {present_heads}/{heads}，需要 {quorum}")
    else:
        quorum = state.quorum_min
        if len(voters) < quorum:
            fail(ErrorCode.NO_QUORUM, f"{len(voters)} voters present, {quorum} needed")
    return VoteOpened(
        motion_id=motion.motion_id,
        secret=secret,
        threshold=rule.threshold,
        present=present_heads,
        quorum_min=quorum,
        eligible_online=tuple(p.participant_id for p in present if p.channel is Channel.ONLINE),
        room_present=0,
        by=actor.participant_id,
        at=now,
        rule=rule,
        eligible_room=tuple(p.participant_id for p in present if p.channel is Channel.ROOM),
        heads_in_scope=heads if basis == "scope" else 0,
        area_in_scope=area,
        quorum_basis=basis,
    )


def cast_vote(state: MeetingState, actor: Actor, cmd: CastVote, now: float) -> list[Event]:
    _, poll = _open_poll(state, cmd.motion_id)
    entered_by: str | None = None
    if cmd.on_behalf_of is None:
        voter = require_present(state, actor.participant_id)
    else:
        if not poll.rule.per_person:
            fail(ErrorCode.FORBIDDEN, "本次表决的会场票以举手计数录入")
        voter = require_present(state, cmd.on_behalf_of)
        if voter.channel is not Channel.ROOM:
            fail(ErrorCode.FORBIDDEN, f"{voter.name} 在线参会，请本人在手机上投票")
        entered_by = actor.participant_id
    pid = voter.participant_id
    if voter.listener or not voter.is_voter:
        fail(ErrorCode.NOT_A_VOTER, "旁听人员不参加表决")
    if pid not in poll.eligible:
        elector = _elector(state, voter)
        if poll.rule.per_person and (elector is None or not in_scope(poll.rule, elector)):
            fail(ErrorCode.NOT_IN_SCOPE, f"本次表决仅限{scope_label(poll.rule)}参加")
        fail(ErrorCode.NOT_PRESENT, f"{voter.name} was not present when the vote opened")
    if pid in poll.ballots:
        fail(ErrorCode.DUPLICATE, f"{voter.name} has already voted")
    if poll.rule.per_household:
        household = _household(state, pid)
        if any(_household(state, other) == household for other in poll.ballots):
            fail(ErrorCode.HOUSEHOLD_VOTED, "本户已有人投票（每户一票）")
    return [BallotCast(cmd.motion_id, pid, cmd.choice, now, entered_by)]


def record_show_of_hands(
    state: MeetingState, actor: Actor, cmd: RecordShowOfHands, now: float
) -> list[Event]:
    _, poll = _open_poll(state, cmd.motion_id)
    if poll.rule.per_person:
        fail(ErrorCode.WRONG_STATE, "本次表决须逐人录入会场选票，不能以举手计数")
    if min(cmd.yes, cmd.no, cmd.abstain) < 0:
        fail(ErrorCode.INVALID, "counts must not be negative")
    if cmd.yes + cmd.no + cmd.abstain > poll.room_present:
        # Guests in the hall (列席) are not among them: their hands are not counted.
        fail(ErrorCode.LIMIT, f"only {poll.room_present} in-room voters were present when the vote opened")
    return [ShowOfHandsRecorded(cmd.motion_id, cmd.yes, cmd.no, cmd.abstain, actor.participant_id, now)]


def _sums(state: MeetingState, poll: Poll, totals: Counts) -> VoteSums:
    if not poll.rule.per_person:
        return VoteSums(poll.quorum_basis, 0, poll.present, totals.total, totals.yes)
    households: dict[str, HouseholdKey] = {}
    for pid in poll.ballots:
        h = _household(state, pid)
        if h is not None:
            households[pid] = h
    scope = [e for e in state.electors.values() if in_scope(poll.rule, e)]
    areas = household_areas(scope) if poll.rule.art278 is not Art278.NONE else {}
    voted, yes, area_voted, area_yes = ballot_sums(poll.ballots, households, areas)
    return VoteSums(
        poll.quorum_basis,
        poll.heads_in_scope,
        poll.present,
        voted,
        yes,
        poll.area_in_scope,
        area_voted,
        area_yes,
    )


def close_vote(state: MeetingState, actor: Actor, cmd: CloseVote, now: float) -> list[Event]:
    """Count, decide, and record: a passed amendment amends its parent, a passed motion is resolved."""
    motion, poll = _open_poll(state, cmd.motion_id)
    if poll.room_present and poll.room is None:
        fail(
            ErrorCode.HALL_COUNT_MISSING,
            f"the show of hands of the {poll.room_present} in-room voters has not been entered",
        )
    online = poll.online_counts()
    room = poll.room if poll.room is not None else poll.room_ballot_counts()
    totals = online.plus(room)
    sums = _sums(state, poll, totals)
    if poll.rule.art278 is not Art278.NONE:
        quorum_met, passed = art278_result(poll.rule, sums)
        sums = dataclasses.replace(sums, participation_met=quorum_met)
    else:
        quorum_met = poll.present >= poll.quorum_min
        passed = quorum_met and threshold_passes(poll.rule, totals, poll.present)
    events: list[Event] = [
        VoteClosed(
            motion_id=motion.motion_id,
            # A secret vote keeps only totals (and ballots per channel): by channel, the hall's count
            # would give a lone online voter's choice away.
            counts=None if poll.secret else ByChannel(online=online, room=room),
            totals=totals,
            threshold=poll.threshold,
            secret=poll.secret,
            present=poll.present,
            quorum_min=poll.quorum_min,
            quorum_met=quorum_met,
            passed=passed,
            by=actor.participant_id,
            at=now,
            rule=poll.rule,
            sums=sums,
            ballots=BallotsByChannel(online=online.total, room=room.total),
        )
    ]
    if passed and motion.parent_id is not None:
        events.append(MotionAmended(motion.parent_id, motion.motion_id, motion.text, now))
    elif passed:
        resolution_id = f"r{len(state.resolutions) + 1}"
        events.append(
            ResolutionRecorded(
                resolution_id, motion.motion_id, motion.agenda_index, motion.title, motion.text, now
            )
        )
    return events


def cancel_vote(state: MeetingState, reason: str, now: float) -> list[Event]:
    """The event abandoning the open vote without a result, if one is open."""
    if state.vote is None:
        return []
    return [VoteCancelled(state.vote.motion_id, reason, now)]
