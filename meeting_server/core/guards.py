"""Small checks shared by the decide handlers; each raises DomainError with the reason it names."""

from __future__ import annotations

import dataclasses
from typing import Any, NoReturn

from .errors import DomainError, ErrorCode
from .payload import MAX_STR
from .state import Floor, MeetingState, Motion, Participant
from .values import MeetingStatus


def fail(code: ErrorCode, message: str) -> NoReturn:
    raise DomainError(code, message)


def check_sizes(obj: Any) -> None:
    """Enforce the ``max_len`` of every string field, also for commands built in Python, not parsed."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        limit = f.metadata.get("max_len", MAX_STR)
        if isinstance(value, str) and len(value) > limit:
            fail(ErrorCode.INVALID, f"{f.name}: too long (max {limit} characters)")


def clean_text(value: str, what: str, limit: int) -> str:
    """``value`` stripped, refused if empty or longer than ``limit``."""
    text = value.strip()
    if not text:
        fail(ErrorCode.INVALID, f"{what} must not be empty")
    if len(text) > limit:
        fail(ErrorCode.INVALID, f"{what}: too long (max {limit} characters)")
    return text


def clean_optional(value: str | None, what: str, limit: int) -> str | None:
    if value is None or not value.strip():
        return None
    return clean_text(value, what, limit)


def require_not_closed(state: MeetingState) -> None:
    if state.status is MeetingStatus.CLOSED:
        fail(ErrorCode.WRONG_STATE, "the meeting is closed")


def require_open(state: MeetingState) -> None:
    if state.status is not MeetingStatus.OPEN:
        fail(ErrorCode.WRONG_STATE, f"the meeting is {state.status.value}, not open")


def require_item(state: MeetingState) -> int:
    """The index of the current agenda item of an open meeting."""
    require_open(state)
    if state.current_item is None:
        fail(ErrorCode.WRONG_STATE, "no agenda item has been started")
    return state.current_item


def require_known(state: MeetingState, participant_id: str) -> Participant:
    person = state.participants.get(participant_id)
    if person is None:
        fail(ErrorCode.NOT_FOUND, f"no participant {participant_id!r}")
    return person


def require_present(state: MeetingState, participant_id: str) -> Participant:
    person = require_known(state, participant_id)
    if not person.present:
        fail(ErrorCode.NOT_PRESENT, f"{person.name} is not present")
    return person


def require_floor(state: MeetingState) -> Floor:
    require_open(state)
    if state.floor is None:
        fail(ErrorCode.WRONG_STATE, "nobody holds the floor")
    return state.floor


def require_motion(state: MeetingState, motion_id: str) -> Motion:
    motion = state.motions.get(motion_id)
    if motion is None:
        fail(ErrorCode.NOT_FOUND, f"no motion {motion_id!r}")
    return motion
