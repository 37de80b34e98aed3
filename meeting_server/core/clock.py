"""The speaking clock: how much time the floor holder has left, and when the server must next look.

The clock of a turn is ``used_s`` (time spent in earlier runs) plus, while running, ``now - running_since``.
Two things fall due on it: the warning when ``warning_s`` or less are left (once per turn, re-armed when an
extension lifts the remaining time back above ``warning_s``) and the expiry at 0, which ends the floor.
A paused or not yet started clock has nothing due.
"""

from __future__ import annotations

import enum

from . import publicity
from .state import MeetingState
from .values import MeetingStatus

# Float slack: a Tick scheduled exactly at ``next_deadline`` must see the deadline as reached, or the
# hub would re-arm a timer for the same instant forever.
EPSILON = 1e-6


class Due(enum.Enum):
    WARNING = "warning"
    EXPIRY = "expiry"


def remaining(state: MeetingState | None, now: float) -> float | None:
    """Seconds left on the floor holder's clock at ``now`` (never negative), or None with no floor."""
    floor = state.floor if state is not None else None
    if floor is None:
        return None
    return max(0.0, floor.limit_s - floor.spent(now))


def due(state: MeetingState, now: float) -> Due | None:
    """What a Tick at ``now`` must report: the expiry wins over a warning that was never sent."""
    floor = state.floor
    if floor is None or floor.running_since is None:
        return None
    left = floor.limit_s - floor.spent(now)
    if left <= EPSILON:
        return Due.EXPIRY
    if not floor.warned and left <= state.settings.warning_s + EPSILON:
        return Due.WARNING
    return None


def next_deadline(state: MeetingState | None) -> float | None:
    """The earliest time at which ``decide(state, Actor.system(), Tick(), t)`` yields an event, or None.

    For a closed meeting that is the end of its publicity period while an outcome is undecided.

    It may lie in the past (e.g. a clock started with less than the warning time left): the caller should
    then tick at once. Re-compute it after every event; pausing, resuming or extending moves it.
    """
    if state is not None and state.status is MeetingStatus.CLOSED:
        return publicity.deadline(state)  # the end of the publicity period (公示) of its resolutions
    floor = state.floor if state is not None else None
    if state is None or floor is None or floor.running_since is None:
        return None
    # When running, time left at t is limit - used - (t - since); solve for the two thresholds.
    expiry_at = floor.running_since + floor.limit_s - floor.used_s
    if floor.warned or state.settings.warning_s <= 0:
        return expiry_at
    warning_at = expiry_at - state.settings.warning_s
    return max(floor.running_since, min(warning_at, expiry_at))
