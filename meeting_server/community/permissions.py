"""Who may issue which community command: one table, checked by the rules before anything else.

Scope is checked in the handlers: staff only on their own community's roster and their own password; the
server (on the admin token) only for the first street admin.
"""

from __future__ import annotations

from meeting_server.core.registry import Command

from .commands import (
    AddPerson,
    CreateAccount,
    CreateCommunity,
    DisableAccount,
    EnableAccount,
    ImportPersons,
    RemovePerson,
    SetPassword,
    SetPlaces,
    UpdatePerson,
)
from .roles import StaffRole

ADMIN = frozenset({StaffRole.STREET_ADMIN})
ACCOUNTS = frozenset({StaffRole.STREET_ADMIN, StaffRole.STAFF})

PERMISSIONS: dict[type[Command], frozenset[StaffRole]] = {
    # the street directory
    CreateCommunity: ADMIN,
    CreateAccount: ADMIN | {StaffRole.SYSTEM},  # the server: the first street admin only
    DisableAccount: ADMIN,
    EnableAccount: ADMIN,
    SetPassword: ACCOUNTS,  # staff: their own only
    # a community's roster: its own staff, and the street admin
    AddPerson: ACCOUNTS,
    UpdatePerson: ACCOUNTS,
    RemovePerson: ACCOUNTS,
    ImportPersons: ACCOUNTS,
    # a community's place names (caption hot words): its own 社工 only
    SetPlaces: frozenset({StaffRole.STAFF}),
}


def may_issue(role: StaffRole, command_type: type[Command]) -> bool:
    return role in PERMISSIONS.get(command_type, frozenset())
