"""The meeting's electorate: the roster people it was called for, as a snapshot in the meeting's own log.

A meeting called for a community carries a copy of the roster entries it concerns (``ElectorateSet``),
written by the server (``SetElectorate``, system role) when invitations are made or the roster changes
before the meeting opens. The meeting's rules then never read another stream: who may join as whom
(personal links), who may vote under a motion's rule, households and floor areas (art. 278 votes) and the
base of the 20 % objection rule are all answered from this snapshot. A meeting without one (made by the
command line or the admin page without a community) has no roster: anyone with the shared resident link
takes part as before.

Identity is resolved at the edge once: a personal link names a ``person_id``, the hub puts it in the
``Actor`` and ``decide`` binds the participant to that elector (its name comes from the roster, not from
what was typed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .payload import max_len
from .registry import Command, Event, command, event

HouseholdKey = tuple[str, str, str]  # (building, unit, room), as the roster keeps it


@dataclass(frozen=True, slots=True)
class Elector:
    """One roster person as the meeting knows them."""

    person_id: str = field(metadata=max_len(40))
    name: str = field(metadata=max_len(40))
    building: str = field(default="", metadata=max_len(20))
    unit: str = field(default="", metadata=max_len(20))
    room: str = field(default="", metadata=max_len(20))
    area_m2: float | None = None  # the household's floor area
    groups: tuple[str, ...] = ()
    voting: bool = True  # holds voting rights
    birth_year: int | None = None

    @property
    def household(self) -> HouseholdKey:
        return (self.building, self.unit, self.room)


@command
@dataclass(frozen=True, slots=True)
class SetElectorate(Command):
    """Replace the meeting's roster snapshot (the server does this from the community's roster)."""

    community_id: str = field(metadata=max_len(64))
    electors: tuple[Elector, ...] = ()


@event
@dataclass(frozen=True, slots=True)
class ElectorateSet(Event):
    community_id: str
    electors: tuple[Elector, ...]
    at: float


def electors_by_id(electors: tuple[Elector, ...]) -> Mapping[str, Elector]:
    return {e.person_id: e for e in electors}


__all__ = ["Elector", "ElectorateSet", "HouseholdKey", "SetElectorate", "electors_by_id"]
