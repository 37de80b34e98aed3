"""Small builders for the community rules' tests: a street with accounts, a roster with people."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from meeting_server.community.commands import (
    AddPerson,
    CreateAccount,
    CreateCommunity,
    RosterEntry,
)
from meeting_server.community.registry import load_event
from meeting_server.community.roles import StaffActor, StaffRole
from meeting_server.community.roster_rules import decide_roster, evolve_roster
from meeting_server.community.state import RosterState, StreetState
from meeting_server.community.street_rules import decide_street, evolve_street
from meeting_server.community.values import PersonFields
from meeting_server.core.payload import to_payload
from meeting_server.core.registry import Command, Event

NOW = 1_790_000_000.0  # 2026-09
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
SYSTEM = StaffActor.system()
ADMIN = StaffActor("admin1", StaffRole.STREET_ADMIN)
STAFF_A = StaffActor("staffa", StaffRole.STAFF, "comma")
STAFF_B = StaffActor("staffb", StaffRole.STAFF, "commb")


def replayed(events: Iterable[Event]) -> list[Event]:
    """Events as the log gives them back (through JSON), so every test also checks the round trip."""
    return [load_event(e.name, json.loads(json.dumps(to_payload(e)))) for e in events]


def street_do(state: StreetState, actor: StaffActor, cmd: Command) -> StreetState:
    for ev in replayed(decide_street(state, actor, cmd, NOW)):
        state = evolve_street(state, ev)
    return state


def roster_do(state: RosterState, actor: StaffActor, cmd: Command) -> RosterState:
    for ev in replayed(decide_roster(state, actor, cmd, NOW)):
        state = evolve_roster(state, ev)
    return state


def street() -> StreetState:
    """Two communities, their staff and one street admin (ids as the actors above)."""
    s = street_do(
        StreetState(), SYSTEM, CreateAccount("admin1", "wang", "王主任", StaffRole.STREET_ADMIN, None, HASH)
    )
    s = street_do(s, ADMIN, CreateCommunity("comma", "阳光新城"))
    s = street_do(s, ADMIN, CreateCommunity("commb", "幸福里"))
    s = street_do(s, ADMIN, CreateAccount("staffa", "li", "李社工", StaffRole.STAFF, "comma", HASH))
    return street_do(s, ADMIN, CreateAccount("staffb", "zhao", "赵社工", StaffRole.STAFF, "commb", HASH))


def person(name: str = "张三", building: str = "3号楼", room: str = "301", **kw: Any) -> PersonFields:
    return PersonFields(name=name, building=building, room=room, **kw)


def roster(*people: tuple[str, PersonFields]) -> RosterState:
    state = RosterState("comma")
    for pid, p in people:
        state = roster_do(state, STAFF_A, AddPerson(RosterEntry(pid, p)))
    return state
