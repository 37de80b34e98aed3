"""Handlers for motions, amendments and votes.

* A motion (or an amendment, which is a motion with a parent) needs a second from a participant other than
  its mover before a vote may open on it. Amendments of amendments are not supported (one level only).
* A main motion cannot be put to the vote while an amendment of it is pending (moved, seconded or being
  voted): amendments are decided first. A passed amendment replaces the parent's text (MotionAmended).
* Opening a vote checks the quorum (see ``tally``) and freezes the electorate: the online voters present
  may cast one ballot each; the recorder enters one show-of-hands count for the in-room voters present,
  at most their number, re-entering it as a correction. The two groups are disjoint (in-room people have
  no device), so nobody is counted twice.
* Closing a vote records the result; a passed main motion becomes a resolution. A vote with in-room voters
  is not closed until the recorder has entered their show of hands (zeros count as entered): otherwise
  the hall's votes would be lost for good.
* In-room residents have no device: the recorder moves and seconds for them (``on_behalf_of``); the motion
  is theirs (mover, seconder) and the event also keeps who entered it. Only residents present in the hall
  qualify: an online resident acts from their own device, and neither a 列席 guest nor an officer moves
  or seconds.
"""

from __future__ import annotations

from .commands import (
    AmendMotion,
    CastVote,
    CloseVote,
    MoveMotion,
    OpenVote,
    RecordShowOfHands,
    SecondMotion,
    WithdrawMotion,
)
from .errors import ErrorCode
from .guards import (
    clean_optional,
    clean_text,
    fail,
    require_item,
    require_motion,
    require_open,
    require_present,
)
from .motion_events import (
    BallotCast,
    MotionAmended,
    MotionMoved,
    MotionSeconded,
    MotionWithdrawn,
    ResolutionRecorded,
    ShowOfHandsRecorded,
    VoteCancelled,
    VoteClosed,
    VoteOpened,
)
from .registry import Event
from .roles import Actor, Role
from .state import MeetingState, Motion, Poll
from .tally import passes
from .values import ByChannel, Channel, Counts, MotionStatus

TITLE = 80
TEXT = 2000
UNDECIDED = (MotionStatus.MOVED, MotionStatus.SECONDED)


def _next_motion_id(state: MeetingState) -> str:
    return f"m{len(state.motions) + 1}"


def _acting(state: MeetingState, actor: Actor, on_behalf_of: str | None) -> tuple[str, str | None]:
    """Who moves or seconds, and who entered it for them: the sender themselves (None), or the in-room
    resident ``on_behalf_of`` and the recorder who sent it (the permission table let only a recorder send
    it)."""
    if on_behalf_of is None:
        if require_present(state, actor.participant_id).listener:
            fail(ErrorCode.NOT_A_VOTER, "旁听人员不能提出或附议动议")
        return actor.participant_id, None
    person = require_present(state, on_behalf_of)
    if not person.is_voter:
        who = "a 列席 guest" if person.role is Role.GUEST else f"the {person.role.value}"
        fail(ErrorCode.NOT_A_VOTER, f"{person.name} is {who}: only residents move and second motions")
    if person.channel is not Channel.ROOM:
        fail(
            ErrorCode.FORBIDDEN, f"{person.name} takes part online and moves or seconds from their own device"
        )
    return person.participant_id, actor.participant_id


def move_motion(state: MeetingState, actor: Actor, cmd: MoveMotion, now: float) -> list[Event]:
    item = require_item(state)
    mover, entered_by = _acting(state, actor, cmd.on_behalf_of)
    title = clean_text(cmd.title, "title", TITLE)
    text = clean_text(cmd.text, "text", TEXT)
    return [MotionMoved(_next_motion_id(state), item, mover, title, text, None, now, entered_by)]


def second_motion(state: MeetingState, actor: Actor, cmd: SecondMotion, now: float) -> list[Event]:
    require_open(state)
    motion = require_motion(state, cmd.motion_id)
    seconder, entered_by = _acting(state, actor, cmd.on_behalf_of)
    if motion.mover == seconder:
        fail(ErrorCode.FORBIDDEN, "the mover may not second their own motion")
    if motion.seconder is not None:
        fail(ErrorCode.DUPLICATE, "the motion has already been seconded")
    if motion.status is not MotionStatus.MOVED:
        fail(ErrorCode.WRONG_STATE, f"the motion is {motion.status.value}")
    return [MotionSeconded(motion.motion_id, seconder, now, entered_by)]


def amend_motion(state: MeetingState, actor: Actor, cmd: AmendMotion, now: float) -> list[Event]:
    require_open(state)
    parent = require_motion(state, cmd.motion_id)
    if require_present(state, actor.participant_id).listener:
        fail(ErrorCode.NOT_A_VOTER, "旁听人员不能提出修正案")
    if parent.parent_id is not None:
        fail(ErrorCode.INVALID, "an amendment cannot itself be amended")
    if parent.status not in UNDECIDED:
        fail(ErrorCode.WRONG_STATE, f"the motion is {parent.status.value}")
    text = clean_text(cmd.text, "text", TEXT)
    title = clean_optional(cmd.title, "title", TITLE) or f"修正案：{parent.title}"[:TITLE]
    return [
        MotionMoved(
            _next_motion_id(state),
            parent.agenda_index,
            actor.participant_id,
            title,
            text,
            parent.motion_id,
            now,
        )
    ]


def withdraw_motion(state: MeetingState, actor: Actor, cmd: WithdrawMotion, now: float) -> list[Event]:
    """Withdraw before the vote; pending amendments of a withdrawn motion fall with it."""
    require_open(state)
    motion = require_motion(state, cmd.motion_id)
    if motion.mover != actor.participant_id:
        fail(ErrorCode.FORBIDDEN, "only the mover may withdraw a motion")
    if motion.status not in UNDECIDED:
        fail(ErrorCode.WRONG_STATE, f"the motion is {motion.status.value}")
    amendments = [a for a in state.amendments_of(motion.motion_id) if a.pending]
    if any(a.status is MotionStatus.VOTING for a in amendments):
        fail(ErrorCode.WRONG_STATE, "a vote on an amendment of this motion is open")
    return [MotionWithdrawn(m.motion_id, actor.participant_id, now) for m in (*amendments, motion)]


# ---------------------------------------------------------------- votes


def _open_poll(state: MeetingState, motion_id: str) -> tuple[Motion, Poll]:
    require_open(state)
    motion = require_motion(state, motion_id)
    poll = state.vote
    if poll is None or poll.motion_id != motion_id:
        fail(ErrorCode.WRONG_STATE, f"no vote is open on {motion_id}")
    return motion, poll


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
    voters = state.present_voters()
    if len(voters) < state.quorum_min:
        fail(ErrorCode.NO_QUORUM, f"{len(voters)} voters present, {state.quorum_min} needed")
    return [
        VoteOpened(
            motion_id=motion.motion_id,
            secret=cmd.secret,
            threshold=cmd.threshold,
            present=len(voters),
            quorum_min=state.quorum_min,
            eligible_online=tuple(p.participant_id for p in voters if p.channel is Channel.ONLINE),
            room_present=sum(1 for p in voters if p.channel is Channel.ROOM),
            by=actor.participant_id,
            at=now,
        )
    ]


def cast_vote(state: MeetingState, actor: Actor, cmd: CastVote, now: float) -> list[Event]:
    _, poll = _open_poll(state, cmd.motion_id)
    voter = require_present(state, actor.participant_id)
    if voter.listener:
        fail(ErrorCode.NOT_A_VOTER, "旁听人员不参加表决")
    if actor.participant_id not in poll.eligible_online:
        fail(ErrorCode.NOT_PRESENT, f"{voter.name} was not present when the vote opened")
    if actor.participant_id in poll.ballots:
        fail(ErrorCode.DUPLICATE, f"{voter.name} has already voted")
    return [BallotCast(cmd.motion_id, actor.participant_id, cmd.choice, now)]


def record_show_of_hands(
    state: MeetingState, actor: Actor, cmd: RecordShowOfHands, now: float
) -> list[Event]:
    _, poll = _open_poll(state, cmd.motion_id)
    if min(cmd.yes, cmd.no, cmd.abstain) < 0:
        fail(ErrorCode.INVALID, "counts must not be negative")
    if cmd.yes + cmd.no + cmd.abstain > poll.room_present:
        # Guests in the hall (列席) are not among them: their hands are not counted.
        fail(ErrorCode.LIMIT, f"only {poll.room_present} in-room voters were present when the vote opened")
    return [ShowOfHandsRecorded(cmd.motion_id, cmd.yes, cmd.no, cmd.abstain, actor.participant_id, now)]


def close_vote(state: MeetingState, actor: Actor, cmd: CloseVote, now: float) -> list[Event]:
    """Count, decide, and record: a passed amendment amends its parent, a passed motion is resolved."""
    motion, poll = _open_poll(state, cmd.motion_id)
    if poll.room_present and poll.room is None:
        fail(
            ErrorCode.HALL_COUNT_MISSING,
            f"the show of hands of the {poll.room_present} in-room voters has not been entered",
        )
    online = poll.online_counts()
    room = poll.room if poll.room is not None else Counts()
    totals = online.plus(room)
    quorum_met = poll.present >= poll.quorum_min
    passed = quorum_met and passes(poll.threshold, totals, poll.present)
    events: list[Event] = [
        VoteClosed(
            motion_id=motion.motion_id,
            counts=ByChannel(online=online, room=room),
            totals=totals,
            threshold=poll.threshold,
            secret=poll.secret,
            present=poll.present,
            quorum_min=poll.quorum_min,
            quorum_met=quorum_met,
            passed=passed,
            by=actor.participant_id,
            at=now,
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
