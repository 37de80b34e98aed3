"""How the rules refuse a command: a machine code the clients switch on, and a human message."""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    FORBIDDEN = "forbidden"  # the sender's role may not issue this command
    WRONG_STATE = "wrong_state"  # the meeting/item/floor/vote is not in a state that allows it
    NOT_PRESENT = "not_present"  # the person is not (or no longer) in the meeting
    NOT_FOUND = "not_found"  # unknown agenda item, motion, participant …
    DUPLICATE = "duplicate"  # already done (already voted, already in queue …)
    LIMIT = "limit"  # a limit of the rules (max turns per round …)
    INVALID = "invalid"  # payload malformed: wrong type, too long, unknown field
    NO_QUORUM = "no_quorum"
    NOT_A_VOTER = "not_a_voter"  # a 列席 guest or an officer: they do not move, second or vote
    HALL_COUNT_MISSING = "hall_count_missing"  # a vote with in-room voters closed before their show of hands
    NOT_ON_ROSTER = "not_on_roster"  # a personal link or check-in names nobody on the meeting's roster
    NAME_TAKEN = "name_taken"  # (no roster) a resident with this name is already in the meeting
    NOT_IN_SCOPE = "not_in_scope"  # the voter is outside the vote's scope (core.vote_rules)
    HOUSEHOLD_VOTED = "household_voted"  # one vote per household, and the household has voted
    AREA_UNKNOWN = "area_unknown"  # an area-based rule, and a household in scope has no floor area
    BAD_NAME = "bad_name"  # a name with control, bidi or zero-width characters (core.names)
    RESERVED_NAME = "reserved_name"  # a resident's name that is an official title (core.names)
    LISTENERS_MAY_NOT_SPEAK = "listeners_may_not_speak"  # a 旁听 hand while the moderator does not allow it


class DomainError(Exception):
    """A command refused by the rules, with a machine code and a human message."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
