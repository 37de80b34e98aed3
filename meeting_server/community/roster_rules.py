"""A community's roster rules: add, change, remove and import people.

Two people are one if they have the same name in the same household (a second import of the same sheet is
refused row by row, not doubled). The floor area belongs to the household: people added to a household
must state its area or none, and changing one member's area changes it for the household (one
``PersonChanged`` per member), so every member always agrees.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import assert_never

from meeting_server.core.errors import ErrorCode
from meeting_server.core.guards import fail
from meeting_server.core.registry import Command, Event

from .commands import AddPerson, AnyRosterCommand, ImportPersons, RemovePerson, RosterEntry, UpdatePerson
from .events import PERSONS_PER_EVENT, AnyRosterEvent, PersonChanged, PersonRemoved, PersonsAdded
from .guards import check_id, check_permission
from .roles import StaffActor
from .state import RosterState
from .values import HouseholdKey, PersonFields, Problem, clean_person, household_label

MAX_IMPORT = 20_000


def decide_roster(state: RosterState, actor: StaffActor, command: Command, now: float) -> list[Event]:
    """The events ``command`` from ``actor`` causes on this community's roster; DomainError if refused."""
    check_permission(actor, command)
    if not actor.serves(state.community_id):
        fail(ErrorCode.FORBIDDEN, "您只能管理本社区的名册")
    if not isinstance(command, AnyRosterCommand):
        fail(ErrorCode.INVALID, f"{type(command).__name__} is not a roster command")
    match command:
        case AddPerson():
            return _import(state, (command.entry,), "", now)
        case ImportPersons():
            if not 1 <= len(command.entries) <= MAX_IMPORT:
                fail(ErrorCode.INVALID, f"一次导入 1 到 {MAX_IMPORT} 人")
            return _import(state, command.entries, command.source, now)
        case UpdatePerson():
            return _update(state, command.entry, now)
        case RemovePerson():
            if command.person_id not in state.persons:
                fail(ErrorCode.NOT_FOUND, "名册中没有这个人")
            return [PersonRemoved(command.person_id, now)]
        case _:
            assert_never(command)


def _nth(i: int) -> str:
    return f"第 {i + 1} 人"


def placement_problems(
    state: RosterState,
    persons: Sequence[PersonFields],
    *,
    moving: str | None = None,
    label: Callable[[int], str] = _nth,
) -> list[tuple[int, Problem]]:
    """Why some of ``persons`` cannot join the roster as it stands, by their index.

    Same name in the same household as someone on the roster (other than ``moving``, the person being
    edited) or earlier in ``persons``; a floor area that disagrees with the household's. ``label`` names
    an earlier entry in a message (an import says which row).
    """
    households: dict[HouseholdKey, list[tuple[str, PersonFields]]] = {}
    for pid, q in state.persons.items():  # indexed once: an import checks thousands of rows
        households.setdefault(q.household, []).append((pid, q))
    out: list[tuple[int, Problem]] = []
    seen: dict[tuple[str, HouseholdKey], int] = {}
    areas: dict[HouseholdKey, tuple[float, int]] = {}
    for i, p in enumerate(persons):
        key = (p.name, p.household)
        where = household_label(p.household)
        if key in seen:
            out.append((i, Problem("name", f"与{label(seen[key])}重复（同户同名：{where} {p.name}）")))
            continue
        seen[key] = i
        members = households.get(p.household, [])
        if any(pid != moving and q.name == p.name for pid, q in members):
            out.append((i, Problem("name", f"名册中已有同户同名的人（{where} {p.name}）")))
            continue
        if p.area_m2 is None:
            continue
        stated = areas.get(p.household)
        if stated is not None and stated[0] != p.area_m2:
            msg = f"面积 {p.area_m2:g} 与同户{label(stated[1])}的 {stated[0]:g} 不一致（面积按户登记）"
            out.append((i, Problem("area_m2", msg)))
            continue
        on_roster = next((q.area_m2 for _, q in members if q.area_m2 is not None), None)
        if moving is None and on_roster is not None and on_roster != p.area_m2:
            msg = f"面积 {p.area_m2:g} 与名册中该户（{where}）的 {on_roster:g} 不一致（面积按户登记）"
            out.append((i, Problem("area_m2", msg)))
            continue
        areas.setdefault(p.household, (p.area_m2, i))
    return out


def _import(state: RosterState, entries: Sequence[RosterEntry], source: str, now: float) -> list[Event]:
    ids: set[str] = set()
    cleaned: list[RosterEntry] = []
    for entry in entries:
        pid = check_id(entry.person_id, "人员编号")
        if pid in state.persons or pid in ids:
            fail(ErrorCode.DUPLICATE, "人员编号已存在")
        ids.add(pid)
        cleaned.append(RosterEntry(pid, clean_person(entry.person, now)))
    problems = placement_problems(state, [e.person for e in cleaned])
    if problems:
        shown = "；".join(
            f"{cleaned[i].person.name}：{p.message}" if len(cleaned) > 1 else p.message
            for i, p in problems[:5]
        )
        more = f"（共 {len(problems)} 处）" if len(problems) > 5 else ""
        fail(ErrorCode.DUPLICATE if problems[0][1].field == "name" else ErrorCode.INVALID, shown + more)
    return [
        PersonsAdded(tuple(cleaned[i : i + PERSONS_PER_EVENT]), source, now)
        for i in range(0, len(cleaned), PERSONS_PER_EVENT)
    ]


def _update(state: RosterState, entry: RosterEntry, now: float) -> list[Event]:
    old = state.persons.get(entry.person_id)
    if old is None:
        fail(ErrorCode.NOT_FOUND, "名册中没有这个人")
    person = clean_person(entry.person, now)
    problems = placement_problems(state, [person], moving=entry.person_id)
    if problems:
        fail(ErrorCode.DUPLICATE, problems[0][1].message)
    events: list[Event] = []
    if person != old:
        events.append(PersonChanged(entry.person_id, person, now))
    # The household's other members take the area this edit states (it is one value per household).
    for pid, member in state.household(person.household):
        if pid != entry.person_id and member.area_m2 != person.area_m2:
            events.append(PersonChanged(pid, dataclasses.replace(member, area_m2=person.area_m2), now))
    return events


def evolve_roster(state: RosterState, event: Event) -> RosterState:
    """``state`` after ``event``."""
    if not isinstance(event, AnyRosterEvent):
        raise ValueError(f"{type(event).__name__} is not a roster event")
    match event:
        case PersonsAdded():
            added = {e.person_id: e.person for e in event.entries}
            return dataclasses.replace(state, persons={**state.persons, **added})
        case PersonChanged():
            return dataclasses.replace(state, persons={**state.persons, event.person_id: event.person})
        case PersonRemoved():
            persons = dict(state.persons)
            del persons[event.person_id]
            return dataclasses.replace(state, persons=persons)
        case _:
            assert_never(event)
