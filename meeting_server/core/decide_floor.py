"""Handlers for the speaker queue, debate rounds, the floor and the speaking clock.

Queue ordering (per agenda item; starting an item empties it):
    * outside a debate round, newcomers join at the end;
    * while a round is open, a person who has not yet spoken in this round joins *before the first person
      in the queue who has* (so first-time speakers come first, each group in arrival order); a person who
      has spoken joins at the end;
    * the moderator's MoveInQueue puts anyone anywhere and overrides the above;
    * nobody may be queued or given the floor once they have had ``max_turns_per_round`` turns in the
      open round (LIMIT). Turns granted outside a round count against no round.
"""

from __future__ import annotations

from . import publicity
from .clock import Due, due
from .commands import (
    AddToQueue,
    CloseRound,
    ExtendClock,
    GrantFloor,
    LowerHand,
    MoveInQueue,
    OpenRound,
    PauseClock,
    RaiseHand,
    RemoveFromQueue,
    ResumeClock,
    RevokeFloor,
    StartClock,
    Tick,
    YieldFloor,
)
from .decide_presence import require_may_raise_hand
from .errors import ErrorCode
from .events import (
    ClockExtended,
    ClockPaused,
    ClockResumed,
    ClockStarted,
    ClockWarning,
    FloorExpired,
    FloorGranted,
    FloorRevoked,
    FloorYielded,
    HandLowered,
    HandRaised,
    QueueReordered,
    RoundClosed,
    RoundOpened,
)
from .guards import fail, require_floor, require_item, require_present
from .registry import Event
from .roles import Actor
from .state import MeetingState
from .values import MeetingStatus

MAX_EXTENSION_S = 600


def _spoken(state: MeetingState, now: float) -> float:
    assert state.floor is not None
    return round(state.floor.spent(now), 3)


def end_floor(state: MeetingState, now: float, *, by: str | None) -> list[Event]:
    """The event ending the current turn, if any: yielded when ``by`` is None, else revoked by ``by``."""
    floor = state.floor
    if floor is None:
        return []
    if by is None:
        return [FloorYielded(floor.turn_id, floor.participant_id, _spoken(state, now), now)]
    return [FloorRevoked(floor.turn_id, floor.participant_id, _spoken(state, now), by, now)]


# ---------------------------------------------------------------- queue


def _check_turn_limit(state: MeetingState, participant_id: str, name: str) -> None:
    limit = state.settings.max_turns_per_round
    if state.round_open and state.turns_taken(participant_id) >= limit:
        fail(ErrorCode.LIMIT, f"{name} has had {limit} turn(s) in this round")


def arrival_position(state: MeetingState, participant_id: str) -> int:
    """Where (1 = head) someone entering the queue goes; see the module docstring."""
    if state.round_open and state.turns_taken(participant_id) == 0:
        for i, other in enumerate(state.queue):
            if state.turns_taken(other) > 0:
                return i + 1
    return len(state.queue) + 1


def _enqueue(state: MeetingState, participant_id: str, by: str, now: float) -> list[Event]:
    item = require_item(state)
    person = require_present(state, participant_id)
    if participant_id in state.queue:
        fail(ErrorCode.DUPLICATE, f"{person.name} is already in the queue")
    if state.floor is not None and state.floor.participant_id == participant_id:
        fail(ErrorCode.WRONG_STATE, f"{person.name} holds the floor")
    _check_turn_limit(state, participant_id, person.name)
    return [HandRaised(participant_id, item, arrival_position(state, participant_id), by, now)]


def raise_hand(state: MeetingState, actor: Actor, cmd: RaiseHand, now: float) -> list[Event]:
    person = state.participants.get(actor.participant_id)
    if person is not None:
        require_may_raise_hand(state, person)
    return _enqueue(state, actor.participant_id, actor.participant_id, now)


def add_to_queue(state: MeetingState, actor: Actor, cmd: AddToQueue, now: float) -> list[Event]:
    return _enqueue(state, cmd.participant_id, actor.participant_id, now)


def _dequeue(state: MeetingState, participant_id: str, by: str, now: float) -> list[Event]:
    item = require_item(state)
    if participant_id not in state.queue:
        fail(ErrorCode.NOT_FOUND, f"{participant_id!r} is not in the queue")
    return [HandLowered(participant_id, item, by, now)]


def lower_hand(state: MeetingState, actor: Actor, cmd: LowerHand, now: float) -> list[Event]:
    return _dequeue(state, actor.participant_id, actor.participant_id, now)


def remove_from_queue(state: MeetingState, actor: Actor, cmd: RemoveFromQueue, now: float) -> list[Event]:
    return _dequeue(state, cmd.participant_id, actor.participant_id, now)


def move_in_queue(state: MeetingState, actor: Actor, cmd: MoveInQueue, now: float) -> list[Event]:
    require_item(state)
    if cmd.participant_id not in state.queue:
        fail(ErrorCode.NOT_FOUND, f"{cmd.participant_id!r} is not in the queue")
    if not 1 <= cmd.position <= len(state.queue):
        fail(ErrorCode.INVALID, f"position must be between 1 and {len(state.queue)}")
    return [QueueReordered(cmd.participant_id, cmd.position, actor.participant_id, now)]


# ---------------------------------------------------------------- rounds


def open_round(state: MeetingState, actor: Actor, cmd: OpenRound, now: float) -> list[Event]:
    item = require_item(state)
    if state.round_open:
        fail(ErrorCode.WRONG_STATE, f"round {state.round} is already open")
    return [RoundOpened(item, state.round + 1, actor.participant_id, now)]


def close_round(state: MeetingState, actor: Actor, cmd: CloseRound, now: float) -> list[Event]:
    item = require_item(state)
    if not state.round_open:
        fail(ErrorCode.WRONG_STATE, "no round is open")
    return [RoundClosed(item, state.round, actor.participant_id, now)]


# ---------------------------------------------------------------- floor


def grant_floor(state: MeetingState, actor: Actor, cmd: GrantFloor, now: float) -> list[Event]:
    item = require_item(state)
    if state.floor is not None:
        fail(ErrorCode.WRONG_STATE, "someone already holds the floor")
    target = cmd.participant_id
    if target is None:
        if not state.queue:
            fail(ErrorCode.WRONG_STATE, "the queue is empty")
        target = state.queue[0]
    person = require_present(state, target)
    _check_turn_limit(state, target, person.name)
    # Turn ids count every turn of the meeting, so they stay unique across agenda items.
    turn_id = f"t{len(state.turns) + 1}"
    events: list[Event] = [
        FloorGranted(
            turn_id=turn_id,
            participant_id=target,
            agenda_index=item,
            round=state.round if state.round_open else 0,
            limit_s=float(state.settings.speaking_limit_s),
            channel=person.channel,
            by=actor.participant_id,
            at=now,
        )
    ]
    if state.settings.clock_autostart:
        events.append(ClockStarted(turn_id, actor.participant_id, now))
    return events


def yield_floor(state: MeetingState, actor: Actor, cmd: YieldFloor, now: float) -> list[Event]:
    floor = require_floor(state)
    if floor.participant_id != actor.participant_id:
        fail(ErrorCode.WRONG_STATE, "only the person holding the floor may yield it")
    return end_floor(state, now, by=None)


def revoke_floor(state: MeetingState, actor: Actor, cmd: RevokeFloor, now: float) -> list[Event]:
    require_floor(state)
    return end_floor(state, now, by=actor.participant_id)


# ---------------------------------------------------------------- clock


def start_clock(state: MeetingState, actor: Actor, cmd: StartClock, now: float) -> list[Event]:
    floor = require_floor(state)
    if floor.started:
        fail(ErrorCode.WRONG_STATE, "the clock has already been started (resume it instead)")
    return [ClockStarted(floor.turn_id, actor.participant_id, now)]


def pause_clock(state: MeetingState, actor: Actor, cmd: PauseClock, now: float) -> list[Event]:
    floor = require_floor(state)
    if floor.running_since is None:
        fail(ErrorCode.WRONG_STATE, "the clock is not running")
    return [ClockPaused(floor.turn_id, actor.participant_id, now)]


def resume_clock(state: MeetingState, actor: Actor, cmd: ResumeClock, now: float) -> list[Event]:
    floor = require_floor(state)
    if not floor.started:
        fail(ErrorCode.WRONG_STATE, "the clock has not been started")
    if floor.running_since is not None:
        fail(ErrorCode.WRONG_STATE, "the clock is already running")
    return [ClockResumed(floor.turn_id, actor.participant_id, now)]


def extend_clock(state: MeetingState, actor: Actor, cmd: ExtendClock, now: float) -> list[Event]:
    floor = require_floor(state)
    if not 1 <= cmd.seconds <= MAX_EXTENSION_S:
        fail(ErrorCode.INVALID, f"an extension is 1 to {MAX_EXTENSION_S} seconds")
    return [ClockExtended(floor.turn_id, cmd.seconds, actor.participant_id, now)]


def tick(state: MeetingState, actor: Actor, cmd: Tick, now: float) -> list[Event]:
    """The server's timer fired: report what is due on the clock at ``now``; nothing due is not an error."""
    if state.status is MeetingStatus.CLOSED:
        return publicity.decide_outcomes(state, now)  # the end of the publicity period, once due
    floor = state.floor
    if state.status is not MeetingStatus.OPEN or floor is None:
        return []
    match due(state, now):
        case Due.EXPIRY:
            # The time actually spoken is the limit; the tick may arrive a little late.
            return [FloorExpired(floor.turn_id, floor.participant_id, floor.limit_s, now)]
        case Due.WARNING:
            left = round(max(0.0, floor.limit_s - floor.spent(now)), 3)
            return [ClockWarning(floor.turn_id, left, now)]
        case None:
            return []
