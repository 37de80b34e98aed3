"""A community's 执行监督 rules: execution records of passed resolutions, monthly reports, 叫停 and
restart, milestones, completion.

``decide_execution(state, actor, command, now) -> events`` or DomainError; ``evolve_execution(state,
event)``. A member acts only on the record whose group they sit on; a 社工 on every record of their
community. Stop and restart need a reason; a completed record takes nothing more.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from typing import assert_never

from meeting_server.core.errors import ErrorCode
from meeting_server.core.guards import check_sizes, fail
from meeting_server.core.registry import Command, Event

from .execution_commands import (
    MAX_MEMBERS,
    MAX_MILESTONES,
    MAX_PHOTOS,
    NAME_LEN,
    REASON_LEN,
    REPORT_LEN,
    RESOLUTION_LEN,
    TITLE_LEN,
    AnyExecutionCommand,
    CompleteExecution,
    CompleteMilestone,
    CreateExecution,
    FileReport,
    MemberKind,
    RestartExecution,
    RevokeMemberLink,
    StopExecution,
)
from .execution_events import (
    AnyExecutionEvent,
    ExecutionCompleted,
    ExecutionCreated,
    ExecutionRestarted,
    ExecutionStopped,
    Member,
    MemberLinkRevoked,
    Milestone,
    MilestoneCompleted,
    ProgressReported,
)
from .execution_state import (
    STATUS_LABELS,
    Entry,
    ExecutionActor,
    ExecutionRecord,
    ExecutionRole,
    ExecutionState,
    ExecutionStatus,
    end_of_day,
    month_of,
)
from .guards import check_id, clean_line

STAFF = frozenset({ExecutionRole.STAFF})
MEMBERS = frozenset({ExecutionRole.MEMBER})
BOTH = STAFF | MEMBERS

PERMISSIONS: dict[type[Command], frozenset[ExecutionRole]] = {
    CreateExecution: STAFF,
    FileReport: MEMBERS,
    StopExecution: BOTH,
    RestartExecution: BOTH,
    CompleteMilestone: BOTH,
    CompleteExecution: STAFF,
    RevokeMemberLink: STAFF,
}
MAX_RECORDS = 5_000  # one community's, over the years
MAX_REPORTS_PER_MONTH = 20  # one record's, all members together


def decide_execution(
    state: ExecutionState, actor: ExecutionActor, command: Command, now: float
) -> list[Event]:
    """The events ``command`` from ``actor`` causes; DomainError if refused."""
    allowed = PERMISSIONS.get(type(command))
    if allowed is None or not isinstance(command, AnyExecutionCommand):
        fail(ErrorCode.INVALID, f"{type(command).__name__} is not an execution command")
    if actor.role not in allowed:
        fail(ErrorCode.FORBIDDEN, _who(allowed))
    if actor.community_id != state.community_id:
        fail(ErrorCode.FORBIDDEN, "这不是您所在社区的执行事项")
    check_sizes(command)
    match command:
        case CreateExecution():
            return [_create(state, actor, command, now)]
        case FileReport():
            record = _live(state, actor, command.record_id)
            return [_report(record, actor, command, now)]
        case StopExecution():
            record = _live(state, actor, command.record_id)
            if record.status is ExecutionStatus.STOPPED:
                fail(ErrorCode.DUPLICATE, "该事项已叫停")
            reason = clean_line(command.reason, "叫停的理由", REASON_LEN, "NFC")
            return [ExecutionStopped(record.record_id, reason, actor.by, _name(actor), now)]
        case RestartExecution():
            record = _live(state, actor, command.record_id)
            if record.status is not ExecutionStatus.STOPPED:
                fail(ErrorCode.WRONG_STATE, "该事项没有被叫停，无需重启")
            reason = clean_line(command.reason, "重启的理由", REASON_LEN, "NFC")
            return [ExecutionRestarted(record.record_id, reason, actor.by, _name(actor), now)]
        case CompleteMilestone():
            record = _live(state, actor, command.record_id)
            if all(m.milestone_id != command.milestone_id for m in record.milestones):
                fail(ErrorCode.NOT_FOUND, "没有这个节点")
            if command.milestone_id in record.done_milestones:
                fail(ErrorCode.DUPLICATE, "该节点已完成")
            note = _note(command.note)
            return [
                MilestoneCompleted(record.record_id, command.milestone_id, note, actor.by, _name(actor), now)
            ]
        case CompleteExecution():
            record = _live(state, actor, command.record_id)
            if record.status is ExecutionStatus.STOPPED:
                fail(ErrorCode.WRONG_STATE, "该事项已叫停，请先重启")
            left = [m.title for m in record.milestones if m.milestone_id not in record.done_milestones]
            if left:
                fail(ErrorCode.WRONG_STATE, f"还有节点未完成：{'、'.join(left)[:100]}")
            return [ExecutionCompleted(record.record_id, _note(command.note), actor.by, _name(actor), now)]
        case RevokeMemberLink():
            record = _record(state, command.record_id)
            if record.member(command.member_id) is None:
                fail(ErrorCode.NOT_FOUND, "监督小组中没有这个人")
            generation = record.generation(command.member_id) + 1
            return [MemberLinkRevoked(record.record_id, command.member_id, generation, actor.by, now)]
        case _:
            assert_never(command)


def _who(allowed: frozenset[ExecutionRole]) -> str:
    if allowed == STAFF:
        return "只有本社区社工可以进行此操作"
    if allowed == MEMBERS:
        return "只有监督小组成员可以提交进度报告"
    return "只有监督小组成员或本社区社工可以进行此操作"


def _name(actor: ExecutionActor) -> str:
    return actor.name or ("社工" if actor.role is ExecutionRole.STAFF else "监督小组成员")


def _note(text: str) -> str:
    return clean_line(text, "说明", REASON_LEN, "NFC") if text.strip() else ""


def _record(state: ExecutionState, record_id: str) -> ExecutionRecord:
    record = state.records.get(record_id)
    if record is None:
        fail(ErrorCode.NOT_FOUND, "没有这个执行事项")
    return record


def _live(state: ExecutionState, actor: ExecutionActor, record_id: str) -> ExecutionRecord:
    """The record, if the actor may act on it (a member: their own record) and it is not completed."""
    record = _record(state, record_id)
    if actor.role is ExecutionRole.MEMBER and (
        actor.record_id != record_id or record.member(actor.member_id) is None
    ):
        fail(ErrorCode.FORBIDDEN, "您不是该事项监督小组的成员")
    if record.status is ExecutionStatus.DONE:
        fail(ErrorCode.WRONG_STATE, f"该事项{STATUS_LABELS[record.status]}，不能再进行此操作")
    return record


def _text(value: str, what: str, limit: int) -> str:
    """Prose with line breaks: NFC, each line squeezed, at most one empty line in a row."""
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", value).splitlines()]
    text = "\n".join(lines).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if not text:
        fail(ErrorCode.INVALID, f"{what}不能为空")
    if len(text) > limit:
        fail(ErrorCode.INVALID, f"{what}太长（最多{limit}个字）")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text if ch != "\n"):
        fail(ErrorCode.INVALID, f"{what}含有不可见字符或控制字符")
    return text


def _date(value: str, what: str) -> float:
    at = end_of_day(value)
    if at is None:
        fail(ErrorCode.INVALID, f"{what}应为日期，如 2027-03-31")
    return at


def _members(cmd: CreateExecution) -> tuple[Member, ...]:
    if not cmd.members:
        fail(ErrorCode.INVALID, "监督小组至少要有一人")
    if len(cmd.members) > MAX_MEMBERS:
        fail(ErrorCode.LIMIT, f"监督小组最多 {MAX_MEMBERS} 人")
    out: list[Member] = []
    for spec in cmd.members:
        check_sizes(spec)
        member_id = check_id(spec.member_id, "成员编号")
        if any(m.member_id == member_id for m in out):
            fail(ErrorCode.DUPLICATE, "成员编号重复")
        name = clean_line(spec.name, "成员姓名", NAME_LEN)
        if spec.kind is MemberKind.PROFESSIONAL:
            if spec.person_id is not None:
                fail(ErrorCode.INVALID, "专业人士按姓名登记，不关联名册")
        else:
            if spec.person_id is None:
                fail(ErrorCode.INVALID, "居民代表和议事员须从名册中选择")
            if any(m.person_id == spec.person_id for m in out):
                fail(ErrorCode.DUPLICATE, f"{name}已在监督小组中")
        out.append(Member(member_id, name, spec.kind, spec.person_id))
    return tuple(out)


def _milestones(cmd: CreateExecution) -> tuple[Milestone, ...]:
    if len(cmd.milestones) > MAX_MILESTONES:
        fail(ErrorCode.LIMIT, f"节点最多 {MAX_MILESTONES} 个")
    out: list[Milestone] = []
    for spec in cmd.milestones:
        check_sizes(spec)
        milestone_id = check_id(spec.milestone_id, "节点编号")
        if any(m.milestone_id == milestone_id for m in out):
            fail(ErrorCode.DUPLICATE, "节点编号重复")
        title = clean_line(spec.title, "节点名称", TITLE_LEN, "NFC")
        out.append(Milestone(milestone_id, title, spec.due, _date(spec.due, f"节点「{title}」的日期")))
    return tuple(out)


def _create(state: ExecutionState, actor: ExecutionActor, cmd: CreateExecution, now: float) -> Event:
    record_id = check_id(cmd.record_id, "事项编号")
    if record_id in state.records:
        fail(ErrorCode.DUPLICATE, "事项编号已存在")
    if len(state.records) >= MAX_RECORDS:
        fail(ErrorCode.LIMIT, "本社区的执行事项已达上限")
    if not cmd.meeting_id or not cmd.resolution_id:
        fail(ErrorCode.INVALID, "请指明会议和决议")
    existing = state.for_resolution(cmd.meeting_id, cmd.resolution_id)
    if existing is not None:
        fail(ErrorCode.DUPLICATE, "该决议已有执行记录")
    title = clean_line(cmd.resolution_title, "决议标题", TITLE_LEN * 2, "NFC")
    text = _text(cmd.resolution_text or title, "决议内容", RESOLUTION_LEN)
    responsible = clean_line(cmd.responsible, "责任方", TITLE_LEN, "NFC")
    deadline_at = _date(cmd.deadline, "完成期限")
    if deadline_at < now:
        fail(ErrorCode.INVALID, "完成期限已过")
    members, milestones = _members(cmd), _milestones(cmd)
    if any(m.due_at > deadline_at for m in milestones):
        fail(ErrorCode.INVALID, "节点日期不能晚于完成期限")
    return ExecutionCreated(
        record_id,
        cmd.meeting_id,
        cmd.resolution_id,
        title,
        text,
        responsible,
        cmd.deadline,
        deadline_at,
        members,
        milestones,
        actor.account_id,
        now,
        _name(actor),
    )


def _report(record: ExecutionRecord, actor: ExecutionActor, cmd: FileReport, now: float) -> Event:
    report_id = check_id(cmd.report_id, "报告编号")
    if report_id in record.report_ids:
        fail(ErrorCode.DUPLICATE, "报告编号已存在")
    month = month_of(now)
    this_month = sum(1 for e in record.timeline if e.kind == "report" and e.month == month)
    if this_month >= MAX_REPORTS_PER_MONTH:
        fail(ErrorCode.LIMIT, "本月的进度报告已达上限")
    if len(cmd.photos) > MAX_PHOTOS or len(set(cmd.photos)) != len(cmd.photos):
        fail(ErrorCode.INVALID, f"最多 {MAX_PHOTOS} 张照片")
    photos = tuple(check_id(p, "照片编号") for p in cmd.photos)
    text = _text(cmd.text, "报告内容", REPORT_LEN)
    return ProgressReported(
        record.record_id, report_id, actor.member_id, month, text, photos, cmd.blocked, now
    )


def evolve_execution(state: ExecutionState, event: Event) -> ExecutionState:
    """``state`` after ``event``."""
    if not isinstance(event, AnyExecutionEvent):
        raise ValueError(f"{type(event).__name__} is not an execution event")
    records = dict(state.records)
    if isinstance(event, ExecutionCreated):
        records[event.record_id] = ExecutionRecord(
            event.record_id,
            event.meeting_id,
            event.resolution_id,
            event.resolution_title,
            event.resolution_text,
            event.responsible,
            event.deadline,
            event.deadline_at,
            event.members,
            event.milestones,
            event.at,
            timeline=(Entry("created", event.at, event.by_name or "社工", f"责任方：{event.responsible}"),),
        )
        return dataclasses.replace(state, records=records)
    r = records[event.record_id]
    match event:
        case ProgressReported():
            member = r.member(event.member_id)
            entry = Entry(
                "report",
                event.at,
                member.name if member else "",
                event.text,
                event.photos,
                event.month,
                event.blocked,
            )
            status = r.status
            if status is not ExecutionStatus.STOPPED:
                status = ExecutionStatus.BLOCKED if event.blocked else ExecutionStatus.IN_PROGRESS
            r = dataclasses.replace(
                r,
                status=status,
                report_months=r.report_months | {event.month},
                report_ids=r.report_ids | {event.report_id},
                timeline=(*r.timeline, entry),
            )
        case ExecutionStopped():
            entry = Entry("stopped", event.at, event.by_name, event.reason)
            r = dataclasses.replace(r, status=ExecutionStatus.STOPPED, timeline=(*r.timeline, entry))
        case ExecutionRestarted():
            entry = Entry("restarted", event.at, event.by_name, event.reason)
            r = dataclasses.replace(r, status=ExecutionStatus.IN_PROGRESS, timeline=(*r.timeline, entry))
        case MilestoneCompleted():
            title = next(m.title for m in r.milestones if m.milestone_id == event.milestone_id)
            text = f"{title}{'：' + event.note if event.note else ''}"
            status = ExecutionStatus.IN_PROGRESS if r.status is ExecutionStatus.NOT_STARTED else r.status
            r = dataclasses.replace(
                r,
                status=status,
                done_milestones={**r.done_milestones, event.milestone_id: event.at},
                timeline=(*r.timeline, Entry("milestone", event.at, event.by_name, text)),
            )
        case ExecutionCompleted():
            entry = Entry("completed", event.at, event.by_name, event.note)
            r = dataclasses.replace(
                r, status=ExecutionStatus.DONE, completed_at=event.at, timeline=(*r.timeline, entry)
            )
        case MemberLinkRevoked():
            r = dataclasses.replace(
                r, link_generations={**r.link_generations, event.member_id: event.generation}
            )
        case ExecutionCreated():
            raise AssertionError("handled above")
        case _:
            assert_never(event)
    records[r.record_id] = r
    return dataclasses.replace(state, records=records)
