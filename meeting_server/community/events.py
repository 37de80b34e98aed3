"""Events of the street directory and of a community's roster, named in the past tense."""

from __future__ import annotations

from dataclasses import dataclass

from meeting_server.core.registry import Event

from .commands import RosterEntry
from .registry import event
from .roles import StaffRole
from .values import PersonFields

# A person list in one event stays well under the log reader's list limit (core.payload.MAX_LIST).
PERSONS_PER_EVENT = 200


@event
@dataclass(frozen=True, slots=True)
class CommunityCreated(Event):
    community_id: str
    title: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class AccountCreated(Event):
    account_id: str
    username: str
    display_name: str
    role: StaffRole
    community_id: str | None
    password_hash: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class AccountDisabled(Event):
    account_id: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class AccountEnabled(Event):
    account_id: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class PasswordSet(Event):
    account_id: str
    password_hash: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class PersonsAdded(Event):
    """One or more people added: by hand (``source`` "") or from an imported file (its name)."""

    entries: tuple[RosterEntry, ...]
    source: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class PersonChanged(Event):
    person_id: str
    person: PersonFields
    at: float


@event
@dataclass(frozen=True, slots=True)
class PersonRemoved(Event):
    person_id: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class PlacesSet(Event):
    """The community's place names (地名) are now ``places`` (places_rules)."""

    places: tuple[str, ...]
    at: float


AnyStreetEvent = CommunityCreated | AccountCreated | AccountDisabled | AccountEnabled | PasswordSet
AnyRosterEvent = PersonsAdded | PersonChanged | PersonRemoved
AnyPlacesEvent = PlacesSet
