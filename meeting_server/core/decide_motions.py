"""Handlers for motions and amendments (votes: ``decide_votes``).

* A motion (or an amendment, which is a motion with a parent) needs a second from a participant other than
  its mover before a vote may open on it. Amendments of amendments are not supported (one level only).
* A main motion cannot be put to the vote while an amendment of it is pending (moved, seconded or being
  voted): amendments are decided first. A passed amendment replaces the parent's text (MotionAmended).
* In-room residents have no device: the recorder moves and seconds for them (``on_behalf_of``); the motion
  is theirs (mover, seconder) and the event also keeps who entered it. Only residents present in the hall
  qualify: an online resident acts from their own device, and neither a 列席 guest nor an officer moves
  or seconds.
"""

from __future__ import annotations

from .commands import (
    AmendMotion,
    MoveMotion,
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
    MotionMoved,
    MotionSeconded,
    MotionWithdrawn,
)
from .registry import Event
from .roles import Actor, Role
from .state import MeetingState
from .values import Channel, MotionStatus

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
