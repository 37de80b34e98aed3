"""A meeting's links as the record knows them: which generation of each role link and of each roster
person's personal link is current, and the participant a roster person always is.

Links themselves are signed at the edge (``hub.tokens``); what the rules keep is the *generation* a link
must carry to open the meeting. Revoking one person's personal link (``RevokePersonalLink``) or rotating a
role link (``RotateRoleLink``) moves its generation on: every server process reads it from the meeting's own
log, so an older link is refused at connect everywhere, and the hub drops the sockets that hold one. Both are
the server's commands (system role), issued for the community's staff.

A roster person is one participant, whatever channel they come by: ``person_participant_id`` derives the id
from the person, so a second phone, a new browser and a check-in at the door all name the same participant.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import DomainError, ErrorCode
from .payload import max_len
from .registry import Command, Event, command, event
from .roles import CLIENT_ROLES, Role

PERSON_PREFIX = "per-"


def person_participant_id(person_id: str) -> str:
    """The participant id of a roster person in any meeting (stable: replays and devices agree)."""
    return PERSON_PREFIX + person_id


@dataclasses.dataclass(frozen=True, slots=True)
class LinkGenerations:
    """The current generation of each role link (by role value) and each person's personal link."""

    roles: Mapping[str, int] = field(default_factory=dict)
    persons: Mapping[str, int] = field(default_factory=dict)

    def role(self, role: Role) -> int:
        return self.roles.get(role.value, 0)

    def person(self, person_id: str) -> int:
        return self.persons.get(person_id, 0)


@command
@dataclass(frozen=True, slots=True)
class RevokePersonalLink(Command):
    """Stop one roster person's personal link (and its short code); a new one is issued in its place."""

    person_id: str = field(metadata=max_len(40))
    by: str = field(default="", metadata=max_len(64))  # the staff account that asked


@command
@dataclass(frozen=True, slots=True)
class RotateRoleLink(Command):
    """Replace one role's shared link (e.g. a leaked moderator link): the old one stops working."""

    role: Role
    by: str = field(default="", metadata=max_len(64))


@event
@dataclass(frozen=True, slots=True)
class PersonalLinkRevoked(Event):
    person_id: str
    generation: int  # the generation now current; links of an older one are refused
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class RoleLinkRotated(Event):
    role: Role
    generation: int
    by: str
    at: float


def revoke_personal_link(
    links: LinkGenerations, electors: Mapping[str, object], cmd: RevokePersonalLink, now: float
) -> list[Event]:
    """Allowed in any status: a slip may be lost during the publicity period too."""
    if cmd.person_id not in electors:
        raise DomainError(ErrorCode.NOT_ON_ROSTER, "此居民不在本次会议的名册中")
    return [PersonalLinkRevoked(cmd.person_id, links.person(cmd.person_id) + 1, cmd.by, now)]


def rotate_role_link(links: LinkGenerations, cmd: RotateRoleLink, now: float) -> list[Event]:
    if cmd.role not in CLIENT_ROLES:
        raise DomainError(ErrorCode.INVALID, f"no link for the role {cmd.role.value!r}")
    return [RoleLinkRotated(cmd.role, links.role(cmd.role) + 1, cmd.by, now)]


def evolve_links(links: LinkGenerations, ev: PersonalLinkRevoked | RoleLinkRotated) -> LinkGenerations:
    if isinstance(ev, PersonalLinkRevoked):
        return dataclasses.replace(links, persons={**links.persons, ev.person_id: ev.generation})
    return dataclasses.replace(links, roles={**links.roles, ev.role.value: ev.generation})


__all__ = [
    "LinkGenerations",
    "PersonalLinkRevoked",
    "RevokePersonalLink",
    "RoleLinkRotated",
    "RotateRoleLink",
    "evolve_links",
    "person_participant_id",
    "revoke_personal_link",
    "rotate_role_link",
]
