"""The publicity period (公示) of a published resolution: who is affected, who may object, and its outcome.

The record lives in the meeting's own stream, beside the minutes it follows from: the meeting's writer
already holds the roster snapshot (``core.electorate``) and the vote's rule (``VoteClosed.rule``), so
every question here is answered from one state and the meeting keeps one writer. Nothing of another
stream is read or written; carrying a re-deliberated topic to the community's next agenda is the
server's job once ``PublicityDecided`` is durable (see ``hub.publicity``).

* The base (residents affected) of a resolution of a meeting with a roster is the roster persons of its
  vote's scope (``vote_rules.in_scope``: e.g. one 单元), not the attendees. Without a roster it stays
  应到人数 or the meeting's voters (``MeetingState.eligible_residents``), as before.
* With a roster, an objector is a roster person in that scope: themselves through a personal link (they
  need not have attended), or named by the recorder at the counter; once each, with a reason.
* When ``publicity_until`` has passed, a ``Tick`` records one ``PublicityDecided`` per resolution:
  生效 (``effective``), or 重新协商 (``redeliberate``) when strictly more than ``objection_percent`` % of
  the base objected (20 % exactly is not more than 20 %).
"""

from __future__ import annotations

import enum

from .electorate import Elector
from .errors import ErrorCode
from .guards import fail
from .minutes_events import PublicityDecided
from .minutes_values import over_threshold
from .registry import Event
from .state import MeetingState, Resolution
from .values import MeetingStatus
from .vote_rules import VoteRule, in_scope

REASON_MAX = 500
PERSON_KEY = "p:"  # objections by roster persons are keyed "p:<person id>" (one per person, any channel)


class Outcome(enum.StrEnum):
    EFFECTIVE = "effective"  # 生效
    REDELIBERATE = "redeliberate"  # 重新协商


OUTCOME_LABELS = {Outcome.EFFECTIVE: "生效", Outcome.REDELIBERATE: "重新协商"}


def resolution_rule(state: MeetingState, resolution: Resolution) -> VoteRule | None:
    """The rule of the vote that carried ``resolution`` (the last close of its motion), if any."""
    rule: VoteRule | None = None
    for result in state.results:
        if result.motion_id == resolution.motion_id:
            rule = result.rule
    return rule


def affected(state: MeetingState, resolution: Resolution) -> list[Elector]:
    """The roster persons of the resolution's vote scope (empty without a roster)."""
    rule = resolution_rule(state, resolution) or VoteRule()
    return [e for e in state.electors.values() if in_scope(rule, e)]


def base(state: MeetingState, resolution: Resolution) -> int:
    """The base of the objection rule for ``resolution``."""
    if state.has_roster:
        return len(affected(state, resolution))
    return state.eligible_residents()


def find_resolution(state: MeetingState, resolution_id: str) -> Resolution:
    for r in state.resolutions:
        if r.resolution_id == resolution_id:
            return r
    fail(ErrorCode.NOT_FOUND, f"no resolution {resolution_id!r}")


def roster_objector(state: MeetingState, resolution: Resolution, person_id: str) -> Elector:
    """The roster person who objects, if they are among the residents affected."""
    elector = state.electors.get(person_id)
    if elector is None:
        fail(ErrorCode.NOT_ON_ROSTER, "this person is not on the meeting's roster")
    rule = resolution_rule(state, resolution) or VoteRule()
    if not in_scope(rule, elector):
        fail(ErrorCode.NOT_IN_SCOPE, f"{elector.name} is not among the residents this resolution concerns")
    return elector


def clean_reason(text: str) -> str:
    reason = text.strip()
    if not reason or len(reason) > REASON_MAX:
        fail(ErrorCode.INVALID, f"reason: 1 to {REASON_MAX} characters are required")
    return reason


def deadline(state: MeetingState) -> float | None:
    """When a ``Tick`` must decide the publicity outcomes, or None (not published, or all decided)."""
    minutes = state.minutes
    if state.status is not MeetingStatus.CLOSED or minutes is None or minutes.publicity_until is None:
        return None
    if all(r.resolution_id in minutes.decided for r in state.resolutions):
        return None
    return minutes.publicity_until


def decide_outcomes(state: MeetingState, now: float) -> list[Event]:
    """The outcomes due at ``now`` (a Tick after the end of the publicity period; [] before)."""
    due = deadline(state)
    minutes = state.minutes
    if due is None or minutes is None or now < due:
        return []
    percent = state.settings.objection_percent
    events: list[Event] = []
    for r in state.resolutions:
        if r.resolution_id in minutes.decided:
            continue
        count = len(minutes.objections.get(r.resolution_id, ()))
        n = base(state, r)
        outcome = Outcome.REDELIBERATE if over_threshold(count, n, percent) else Outcome.EFFECTIVE
        events.append(PublicityDecided(r.resolution_id, outcome.value, count, n, percent, r.title, now))
    return events


__all__ = [
    "OUTCOME_LABELS",
    "PERSON_KEY",
    "Outcome",
    "affected",
    "base",
    "clean_reason",
    "deadline",
    "decide_outcomes",
    "find_resolution",
    "resolution_rule",
    "roster_objector",
]
