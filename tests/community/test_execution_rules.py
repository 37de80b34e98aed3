"""执行监督 rules: the role × command table, every refusal, statuses, overdue flags on a fake clock, and
the seed's 绿化 story (the group stops a contractor who cut corners; re-tendered; restarted; completed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from meeting_server.community.execution_commands import (
    CompleteExecution,
    CompleteMilestone,
    CreateExecution,
    FileReport,
    MemberKind,
    MemberSpec,
    MilestoneSpec,
    RestartExecution,
    RevokeMemberLink,
    StopExecution,
)
from meeting_server.community.execution_rules import PERMISSIONS, decide_execution, evolve_execution
from meeting_server.community.execution_state import (
    CHINA,
    ExecutionActor,
    ExecutionRole,
    ExecutionState,
    ExecutionStatus,
    month_of,
)
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.registry import Command

C = "yangguang"
T0 = datetime(2026, 12, 3, 10, 0, tzinfo=CHINA).timestamp()
DAY = 86_400.0
STAFF = ExecutionActor(ExecutionRole.STAFF, C, account_id="li01", name="李社工")
ZHANG = ExecutionActor(ExecutionRole.MEMBER, C, record_id="green1", member_id="m1zhang", name="张三")
OTHER_RECORD = ExecutionActor(ExecutionRole.MEMBER, C, record_id="other1", member_id="m1zhang", name="张三")


def at(y: int, m: int, d: int) -> float:
    return datetime(y, m, d, 12, 0, tzinfo=CHINA).timestamp()


def create(record_id: str = "green1", **kw: Any) -> CreateExecution:
    fields: dict[str, Any] = {
        "record_id": record_id,
        "meeting_id": "meet1",
        "resolution_id": "r1",
        "resolution_title": "中心绿地补种绿化",
        "resolution_text": "由物业招标，在中心绿地补种乔木和草坪。",
        "responsible": "阳光物业公司",
        "deadline": "2027-05-31",
        "members": (
            MemberSpec("m1zhang", "张三", MemberKind.REPRESENTATIVE, "p1"),
            MemberSpec("m2li", "李四", MemberKind.COUNCILLOR, "p2"),
            MemberSpec("m3wu", "吴工", MemberKind.PROFESSIONAL),
        ),
        "milestones": (
            MilestoneSpec("mst1", "完成招标", "2027-01-15"),
            MilestoneSpec("mst2", "种植完成", "2027-04-30"),
        ),
    }
    fields.update(kw)
    return CreateExecution(**fields)


class World:
    def __init__(self) -> None:
        self.state = ExecutionState(C)

    def do(self, actor: ExecutionActor, command: Command, now: float) -> list[Any]:
        events = decide_execution(self.state, actor, command, now)
        for e in events:
            self.state = evolve_execution(self.state, e)
        return events

    def refused(self, actor: ExecutionActor, command: Command, now: float) -> DomainError:
        with pytest.raises(DomainError) as info:
            decide_execution(self.state, actor, command, now)
        return info.value

    @property
    def record(self) -> Any:
        return self.state.records["green1"]


@pytest.fixture
def world() -> World:
    w = World()
    w.do(STAFF, create(), T0)
    return w


def test_the_green_space_story(world: World) -> None:
    """绿化: reports, the group stops a contractor who cut corners, re-tender, restart, done."""
    assert world.record.status is ExecutionStatus.NOT_STARTED
    world.do(ZHANG, FileReport("green1", "rep1", "物业已发布招标公告。"), T0 + DAY)
    assert world.record.status is ExecutionStatus.IN_PROGRESS
    world.do(STAFF, CompleteMilestone("green1", "mst1", "中标单位：绿源园林"), at(2027, 1, 10))
    world.do(ZHANG, FileReport("green1", "rep2", "施工方开始种植。"), at(2027, 1, 20))
    report = FileReport("green1", "rep3", "苗木规格明显小于合同，草皮没有整地直接铺。", ("a" * 32,), True)
    world.do(ZHANG, report, at(2027, 2, 5))
    assert world.record.status is ExecutionStatus.BLOCKED
    with pytest.raises(DomainError) as no_reason:
        decide_execution(world.state, ZHANG, StopExecution("green1", "  "), at(2027, 2, 6))
    assert no_reason.value.code is ErrorCode.INVALID
    stop = StopExecution("green1", "施工方偷工减料：苗木规格不符，要求重新招标")
    world.do(ZHANG, stop, at(2027, 2, 6))
    assert world.record.status is ExecutionStatus.STOPPED
    assert world.refused(STAFF, stop, at(2027, 2, 7)).code is ErrorCode.DUPLICATE
    assert world.refused(STAFF, CompleteExecution("green1"), at(2027, 2, 7)).code is ErrorCode.WRONG_STATE
    # A report while stopped keeps it stopped (the group reports on the re-tender).
    world.do(ZHANG, FileReport("green1", "rep4", "物业重新招标中。"), at(2027, 3, 1))
    assert world.record.status is ExecutionStatus.STOPPED
    world.do(STAFF, RestartExecution("green1", "重新招标完成，更换施工单位"), at(2027, 3, 10))
    assert world.record.status is ExecutionStatus.IN_PROGRESS
    assert (
        world.refused(ZHANG, RestartExecution("green1", "再次"), at(2027, 3, 11)).code
        is ErrorCode.WRONG_STATE
    )
    left = world.refused(STAFF, CompleteExecution("green1"), at(2027, 4, 1))
    assert left.code is ErrorCode.WRONG_STATE and "种植完成" in left.message
    world.do(ZHANG, CompleteMilestone("green1", "mst2"), at(2027, 4, 20))
    world.do(ZHANG, FileReport("green1", "rep5", "种植完成，苗木成活。"), at(2027, 4, 21))
    world.do(STAFF, CompleteExecution("green1", "验收合格"), at(2027, 4, 25))
    r = world.record
    assert r.status is ExecutionStatus.DONE
    assert [e.kind for e in r.timeline] == [
        "created", "report", "milestone", "report", "report", "stopped", "report", "restarted",
        "milestone", "report", "completed",
    ]  # fmt: skip
    stopped = next(e for e in r.timeline if e.kind == "stopped")
    assert stopped.by_name == "张三" and "偷工减料" in stopped.text
    done = world.refused(ZHANG, FileReport("green1", "rep6", "补充"), at(2027, 4, 26))
    assert done.code is ErrorCode.WRONG_STATE and "已完成" in done.message
    assert r.overdue_months(at(2027, 9, 1)) == () and not r.past_deadline(at(2027, 9, 1))


def test_overdue_months_milestones_and_deadline(world: World) -> None:
    r = world.record
    assert r.overdue_months(at(2026, 12, 31)) == ()  # December's report is due by its end
    assert r.overdue_months(at(2027, 1, 2)) == ("2026-12",)
    world.do(ZHANG, FileReport("green1", "rep1", "进展"), at(2027, 1, 5))  # January's report
    r = world.record
    assert r.overdue_months(at(2027, 3, 2)) == ("2026-12", "2027-02")
    assert r.overdue_milestones(at(2027, 1, 15)) == ()  # due by the end of its day
    assert r.overdue_milestones(at(2027, 1, 16)) == ("mst1",)
    assert not r.past_deadline(at(2027, 5, 31)) and r.past_deadline(at(2027, 6, 1))
    assert month_of(datetime(2026, 12, 31, 23, 30, tzinfo=CHINA).timestamp()) == "2026-12"


def test_a_member_acts_only_on_their_own_record(world: World) -> None:
    world.do(
        STAFF,
        create(
            "other1", resolution_id="r2", members=(MemberSpec("m9wang", "王五x", MemberKind.PROFESSIONAL),)
        ),
        T0,
    )
    e = world.refused(OTHER_RECORD, FileReport("green1", "rep1", "x"), T0)
    assert e.code is ErrorCode.FORBIDDEN
    stranger = ExecutionActor(ExecutionRole.MEMBER, C, record_id="green1", member_id="m9nobody")
    assert world.refused(stranger, StopExecution("green1", "理由"), T0).code is ErrorCode.FORBIDDEN
    elsewhere = ExecutionActor(ExecutionRole.STAFF, "xingfuli", account_id="zhao")
    assert world.refused(elsewhere, StopExecution("green1", "理由"), T0).code is ErrorCode.FORBIDDEN


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"resolution_id": "r1"}, ErrorCode.DUPLICATE),  # one record per resolution
        ({"deadline": "2026-02-30"}, ErrorCode.INVALID),
        ({"deadline": "2026-11-30"}, ErrorCode.INVALID),  # already past
        ({"members": ()}, ErrorCode.INVALID),
        ({"members": (MemberSpec("m1xx", "张三", MemberKind.REPRESENTATIVE),)}, ErrorCode.INVALID),
        ({"members": (MemberSpec("m1xx", "吴工", MemberKind.PROFESSIONAL, "p1"),)}, ErrorCode.INVALID),
        ({"milestones": (MilestoneSpec("mst1", "晚", "2027-06-01"),)}, ErrorCode.INVALID),
        ({"responsible": ""}, ErrorCode.INVALID),
    ],
)
def test_create_refusals(world: World, kw: dict[str, Any], code: ErrorCode) -> None:
    fields = {"resolution_id": "r9", **kw}
    assert world.refused(STAFF, create("new1", **fields), T0).code is code


def test_report_refusals(world: World) -> None:
    assert world.refused(ZHANG, FileReport("green1", "rep1", " \n "), T0).code is ErrorCode.INVALID
    assert world.refused(ZHANG, FileReport("green1", "rep1", "字" * 2001), T0).code is ErrorCode.INVALID
    photos = tuple(f"{i:032x}" for i in range(7))
    assert world.refused(ZHANG, FileReport("green1", "rep1", "x", photos), T0).code is ErrorCode.INVALID
    world.do(ZHANG, FileReport("green1", "rep1", "x"), T0)
    assert world.refused(ZHANG, FileReport("green1", "rep1", "y"), T0).code is ErrorCode.DUPLICATE
    assert world.refused(ZHANG, CompleteMilestone("green1", "nope"), T0).code is ErrorCode.NOT_FOUND
    assert world.refused(STAFF, RevokeMemberLink("green1", "nope"), T0).code is ErrorCode.NOT_FOUND
    world.do(STAFF, RevokeMemberLink("green1", "m1zhang"), T0)
    assert world.record.generation("m1zhang") == 1


SAMPLES: dict[type[Command], Command] = {
    CreateExecution: create("fresh1", resolution_id="r7"),
    FileReport: FileReport("green1", "rep9", "进展"),
    StopExecution: StopExecution("green1", "理由"),
    RestartExecution: RestartExecution("green1", "理由"),
    CompleteMilestone: CompleteMilestone("green1", "mst1"),
    CompleteExecution: CompleteExecution("green1"),
    RevokeMemberLink: RevokeMemberLink("green1", "m2li"),
}


@pytest.mark.parametrize("role", list(ExecutionRole))
@pytest.mark.parametrize("kind", list(SAMPLES), ids=lambda k: k.__name__)
def test_role_command_matrix(world: World, role: ExecutionRole, kind: type[Command]) -> None:
    actor = STAFF if role is ExecutionRole.STAFF else ZHANG
    command = SAMPLES[kind]
    if kind is RestartExecution:
        world.do(STAFF, StopExecution("green1", "先叫停"), T0)
    if kind is CompleteExecution:
        world.do(STAFF, CompleteMilestone("green1", "mst1"), T0)
        world.do(STAFF, CompleteMilestone("green1", "mst2"), T0)
    if role in PERMISSIONS[kind]:
        assert decide_execution(world.state, actor, command, T0)
    else:
        error = world.refused(actor, command, T0)
        assert error.code is ErrorCode.FORBIDDEN and error.message.startswith("只有")
    assert set(PERMISSIONS) == set(SAMPLES)
