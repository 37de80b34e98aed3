"""A community's roster rules: scope, stable ids, one person once, one floor area per household."""

from __future__ import annotations

import dataclasses

import pytest

from meeting_server.community.commands import (
    AddPerson,
    ImportPersons,
    RemovePerson,
    RosterEntry,
    UpdatePerson,
)
from meeting_server.community.events import PERSONS_PER_EVENT, PersonChanged, PersonsAdded
from meeting_server.community.roles import StaffActor, StaffRole
from meeting_server.community.roster_rules import decide_roster
from meeting_server.community.state import RosterState
from meeting_server.community.values import PersonFields, clean_person
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.registry import Command

from .fixtures import ADMIN, NOW, STAFF_A, STAFF_B, SYSTEM, person, replayed, roster, roster_do


def refused(state: RosterState, actor: StaffActor, cmd: Command) -> DomainError:
    with pytest.raises(DomainError) as e:
        decide_roster(state, actor, cmd, NOW)
    return e.value


def test_only_the_communitys_staff_and_the_street_admin() -> None:
    state = RosterState("comma")
    add = AddPerson(RosterEntry("p00001", person()))
    assert refused(state, STAFF_B, add).code is ErrorCode.FORBIDDEN  # staff of another community
    assert refused(state, SYSTEM, add).code is ErrorCode.FORBIDDEN
    assert refused(state, StaffActor("x", StaffRole.STAFF, None), add).code is ErrorCode.FORBIDDEN
    assert roster_do(state, STAFF_A, add).persons["p00001"].name == "张三"
    assert roster_do(state, ADMIN, add).persons["p00001"].name == "张三"


def test_add_cleans_and_keeps_the_id() -> None:
    raw = PersonFields(
        name=" 张 三 ",
        building="３ 号楼",
        room="301",
        unit="2单元",
        phone_tail="0123",
        age_band="60～69岁",
        area_m2=89.456,
        groups=("议事代表", "议事代表", " 楼栋长 "),
    )
    state = roster(("p00001", raw))
    kept = state.persons["p00001"]
    assert kept == PersonFields(
        name="张 三",
        building="3号楼",
        room="301",
        unit="2单元",
        phone_tail="0123",
        age_band="60-69",
        area_m2=89.46,
        groups=("议事代表", "楼栋长"),
    )
    assert kept.household == ("3号楼", "2单元", "301")


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"name": ""}, "姓名不能为空"),
        ({"name": "张\u200b三"}, "不可见字符"),
        ({"building": ""}, "楼栋不能为空"),
        ({"phone_tail": "13800138000"}, "后4位"),
        ({"phone_tail": "12a4"}, "只能是数字"),
        ({"birth_year": 1850}, "1900"),
        ({"birth_year": 2999}, "1900"),
        ({"age_band": "老年"}, "60-69"),
        ({"area_m2": -3.0}, "大于 0"),
        ({"groups": tuple(f"组{i}" for i in range(13))}, "最多12项"),
        ({"groups": ("这是一个非常非常非常非常非常长的分组名称呀",)}, "太长"),
    ],
)
def test_bad_fields_are_refused_naming_the_field(fields: dict[str, object], needle: str) -> None:
    bad = dataclasses.replace(person(), **fields)  # type: ignore[arg-type]
    error = refused(RosterState("comma"), STAFF_A, AddPerson(RosterEntry("p00001", bad)))
    assert error.code is ErrorCode.INVALID and needle in error.message, error.message
    with pytest.raises(DomainError):
        clean_person(bad, NOW)


def test_one_person_once_per_household_and_ids_are_stable_and_unique() -> None:
    state = roster(("p00001", person()))
    assert refused(state, STAFF_A, AddPerson(RosterEntry("p00002", person()))).code is ErrorCode.DUPLICATE
    assert (
        refused(state, STAFF_A, AddPerson(RosterEntry("p00001", person("李四")))).code is ErrorCode.DUPLICATE
    )
    assert refused(state, STAFF_A, AddPerson(RosterEntry("P-1", person("李四")))).code is ErrorCode.INVALID
    # The same name in another household is another person.
    state = roster_do(state, STAFF_A, AddPerson(RosterEntry("p00002", person(room="302"))))
    assert list(state.persons) == ["p00001", "p00002"]


def test_household_area_is_one_value() -> None:
    state = roster(("p00001", person(area_m2=89.5)))
    other = person("李四", area_m2=90.0)
    error = refused(state, STAFF_A, AddPerson(RosterEntry("p00002", other)))
    assert error.code is ErrorCode.INVALID and "89.5" in error.message
    # Stating no area joins the household's; the household's area is shown for every member.
    state = roster_do(state, STAFF_A, AddPerson(RosterEntry("p00002", person("李四"))))
    assert state.household_area(("3号楼", "", "301")) == 89.5
    # Editing one member's area changes it for the household: one PersonChanged per member.
    events = decide_roster(
        state, STAFF_A, UpdatePerson(RosterEntry("p00002", person("李四", area_m2=92.0))), NOW
    )
    assert [type(e) for e in events] == [PersonChanged, PersonChanged]
    for ev in replayed(events):
        assert isinstance(ev, PersonChanged) and ev.person.area_m2 == 92.0
    state = roster_do(state, STAFF_A, UpdatePerson(RosterEntry("p00002", person("李四", area_m2=92.0))))
    assert {p.area_m2 for p in state.persons.values()} == {92.0}


def test_update_and_remove() -> None:
    state = roster(("p00001", person()), ("p00002", person("李四", room="302")))
    moved = person("张三", room="302", voting=False, groups=("商户",))
    state = roster_do(state, STAFF_A, UpdatePerson(RosterEntry("p00001", moved)))
    assert state.persons["p00001"] == moved
    # Renaming into a clash with a housemate is refused; unchanged fields decide nothing.
    clash = UpdatePerson(RosterEntry("p00002", person("张三", room="302")))
    assert refused(state, STAFF_A, clash).code is ErrorCode.DUPLICATE
    assert decide_roster(state, STAFF_A, UpdatePerson(RosterEntry("p00001", moved)), NOW) == []
    assert refused(state, STAFF_A, UpdatePerson(RosterEntry("nosuch", moved))).code is ErrorCode.NOT_FOUND
    state = roster_do(state, STAFF_A, RemovePerson("p00001"))
    assert list(state.persons) == ["p00002"]
    assert refused(state, STAFF_A, RemovePerson("p00001")).code is ErrorCode.NOT_FOUND


def test_import_is_all_or_nothing_and_chunked_for_the_log() -> None:
    entries = tuple(RosterEntry(f"p{i:05d}", person(f"居民{i}", room=str(100 + i))) for i in range(450))
    events = decide_roster(RosterState("comma"), STAFF_A, ImportPersons(entries, "名册.xlsx"), NOW)
    assert [len(e.entries) for e in events if isinstance(e, PersonsAdded)] == [PERSONS_PER_EVENT, 200, 50]
    assert all(isinstance(e, PersonsAdded) and e.source == "名册.xlsx" for e in events)
    state = roster_do(RosterState("comma"), STAFF_A, ImportPersons(entries, "名册.xlsx"))
    assert len(state.persons) == 450
    # One bad entry refuses the whole import.
    bad = (*entries[:3], RosterEntry("p99999", person("居民1", room="101")))
    error = refused(RosterState("comma"), STAFF_A, ImportPersons(bad))
    assert error.code is ErrorCode.DUPLICATE and "第 2 人" in error.message
    assert refused(RosterState("comma"), STAFF_A, ImportPersons(())).code is ErrorCode.INVALID
