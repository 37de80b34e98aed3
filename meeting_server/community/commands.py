"""Commands of the street directory and of a community's roster, named in the imperative.

New ids (community, account, person) come in the command: the edge draws them, the rules check them.
Passwords come only as argon2 hashes. Who may issue each command is in ``permissions.PERMISSIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from meeting_server.core.payload import max_len
from meeting_server.core.registry import Command

from .registry import command
from .roles import StaffRole
from .values import NAME_LEN, PersonFields

ID = 32
HASH = 256
USERNAME = 32
SOURCE = 120


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """A person with their stable id (the id later invitations, check-in and ballots refer to)."""

    person_id: str = field(metadata=max_len(ID))
    person: PersonFields


# ---------------------------------------------------------------- the street directory


@command
@dataclass(frozen=True, slots=True)
class CreateCommunity(Command):
    community_id: str = field(metadata=max_len(ID))
    title: str = field(metadata=max_len(NAME_LEN))  # 「阳光新城小区」


@command
@dataclass(frozen=True, slots=True)
class CreateAccount(Command):
    account_id: str = field(metadata=max_len(ID))
    username: str = field(metadata=max_len(USERNAME))
    display_name: str = field(metadata=max_len(NAME_LEN))
    role: StaffRole
    community_id: str | None = field(metadata=max_len(ID))  # staff: their one community; admins: None
    password_hash: str = field(metadata=max_len(HASH))


@command
@dataclass(frozen=True, slots=True)
class DisableAccount(Command):
    account_id: str = field(metadata=max_len(ID))


@command
@dataclass(frozen=True, slots=True)
class EnableAccount(Command):
    account_id: str = field(metadata=max_len(ID))


@command
@dataclass(frozen=True, slots=True)
class SetPassword(Command):
    """The street admin resets anyone's password; staff change their own (the edge checks the old one)."""

    account_id: str = field(metadata=max_len(ID))
    password_hash: str = field(metadata=max_len(HASH))


# ---------------------------------------------------------------- a community's roster


@command
@dataclass(frozen=True, slots=True)
class AddPerson(Command):
    entry: RosterEntry


@command
@dataclass(frozen=True, slots=True)
class UpdatePerson(Command):
    """Replace a person's fields; their household's area follows (it is one value per household)."""

    entry: RosterEntry


@command
@dataclass(frozen=True, slots=True)
class RemovePerson(Command):
    person_id: str = field(metadata=max_len(ID))


@command
@dataclass(frozen=True, slots=True)
class ImportPersons(Command):
    """Add many people at once (a checked spreadsheet): all of them, or none if any is refused."""

    entries: tuple[RosterEntry, ...]
    source: str = field(default="", metadata=max_len(SOURCE))  # the file's name, for the record


# ---------------------------------------------------------------- a community's place names (places_rules)


@command
@dataclass(frozen=True, slots=True)
class SetPlaces(Command):
    """The community's place names (地名), the whole list, in the order the staff want them."""

    places: tuple[str, ...]


AnyStreetCommand = CreateCommunity | CreateAccount | DisableAccount | EnableAccount | SetPassword
AnyRosterCommand = AddPerson | UpdatePerson | RemovePerson | ImportPersons
