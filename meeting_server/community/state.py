"""The states the community rules fold: the street directory, and one community's roster.

Frozen dataclasses and Mappings that ``evolve`` replaces rather than mutates, as in the meeting core, so a
state handed to the edge can never change under it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import field

from .roles import StaffRole
from .values import HouseholdKey, PersonFields


@dataclasses.dataclass(frozen=True, slots=True)
class Community:
    community_id: str
    title: str  # 「阳光新城小区」
    created_at: float


@dataclasses.dataclass(frozen=True, slots=True)
class Account:
    """A staff account. ``epoch`` grows whenever the sessions signed before must stop working."""

    account_id: str
    username: str
    display_name: str
    role: StaffRole
    community_id: str | None
    password_hash: str  # argon2, made at the edge; never leaves the server
    created_at: float
    enabled: bool = True
    epoch: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class StreetState:
    """The street directory: its communities and its staff accounts, in creation order."""

    communities: Mapping[str, Community] = field(default_factory=dict)
    accounts: Mapping[str, Account] = field(default_factory=dict)

    def account_named(self, username: str) -> Account | None:
        for account in self.accounts.values():
            if account.username == username:
                return account
        return None

    @property
    def has_admin(self) -> bool:
        return any(a.role is StaffRole.STREET_ADMIN for a in self.accounts.values())


@dataclasses.dataclass(frozen=True, slots=True)
class RosterState:
    """One community's roster: every person by their stable id, in the order they were added."""

    community_id: str
    persons: Mapping[str, PersonFields] = field(default_factory=dict)

    def household(self, key: HouseholdKey) -> Iterator[tuple[str, PersonFields]]:
        """The members of a household, by id."""
        return ((pid, p) for pid, p in self.persons.items() if p.household == key)

    def household_area(self, key: HouseholdKey) -> float | None:
        """The floor area its members state (the rules keep those that do in agreement)."""
        for _, p in self.household(key):
            if p.area_m2 is not None:
                return p.area_m2
        return None
