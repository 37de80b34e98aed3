"""Who takes part in a meeting: the roles a join link carries, and the actor a command comes from."""

from __future__ import annotations

import dataclasses
import enum


class Role(enum.StrEnum):
    MODERATOR = "moderator"
    TIMER = "timer"
    RECORDER = "recorder"
    PARTICIPANT = "participant"
    OBSERVER = "observer"
    # The hall's projector (会场大屏): a read-only device, on a link of its own so that the public observer
    # link (and whoever floods it) never shares its connections or message buckets.
    HALL = "hall"
    # A 列席 guest (an official, a lawyer, an expert) checked in by the recorder: may be given the floor,
    # never votes. Held by no link: guests have no device of their own in the meeting.
    GUEST = "guest"
    # The server itself (clock ticks, captions): never held by a client.
    SYSTEM = "system"


# The roles a join link may carry.
CLIENT_ROLES: tuple[Role, ...] = (
    Role.MODERATOR,
    Role.TIMER,
    Role.RECORDER,
    Role.PARTICIPANT,
    Role.OBSERVER,
    Role.HALL,
)

# Roles that only watch: anonymous, never joined, never given a session.
WATCHERS = frozenset({Role.OBSERVER, Role.HALL})


@dataclasses.dataclass(frozen=True, slots=True)
class Actor:
    """Who issues a command: a participant id (as recorded in the log), the role of their link and, for a
    personal link, the roster person it names (resolved at the edge; see ``core.electorate``)."""

    participant_id: str
    role: Role
    person_id: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls("system", Role.SYSTEM)
