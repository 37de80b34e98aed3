"""会前调研 rules: research tasks on accepted topics, their reports, and topics carried over to the next
meeting's agenda.

``decide_research(roster, topics, research, actor, command, now) -> events`` or DomainError;
``evolve_research(state, event)``. A task goes 调研中 → 待确认 (one representative submitted the report)
→ 已完成 (two other assigned representatives confirmed it). Representatives act as themselves: their
personal meeting link's roster person (``TopicAuthor.key == "p:<person id>"``), never a typed name.
"""

from __future__ import annotations

import dataclasses
import enum
import unicodedata
from collections.abc import Mapping
from dataclasses import field
from typing import assert_never

from meeting_server.core.errors import ErrorCode
from meeting_server.core.guards import check_sizes, fail
from meeting_server.core.registry import Command, Event

from .guards import check_id, clean_line
from .state import RosterState
from .topics_commands import REASON_LEN
from .topics_research_commands import (
    FILE_KINDS,
    FILE_NAME_LEN,
    MAX_COUNT,
    MAX_FILES,
    MAX_MEMBERS,
    MIN_MEMBERS,
    REPRESENTATIVE,
    TEXT_LEN,
    AnyResearchCommand,
    AnyResearchEvent,
    AssignResearch,
    CarryOverTopic,
    ConfirmResearch,
    ResearchAssigned,
    ResearchConfirmed,
    ResearchDraftSaved,
    ResearchFile,
    ResearchMember,
    ResearchReport,
    ResearchSubmitted,
    SaveResearchDraft,
    SubmitResearch,
    TopicCarriedOver,
)
from .topics_state import STATUS_LABELS, TopicActor, TopicRole, TopicsState, TopicStatus

CONFIRMATIONS = 3  # signatures a report needs: its submitter's and two others'
RESEARCHABLE = (TopicStatus.ACCEPTED, TopicStatus.ESCALATED)


class ResearchStatus(enum.StrEnum):
    ASSIGNED = "assigned"  # 调研中
    SUBMITTED = "submitted"  # 待确认
    COMPLETE = "complete"  # 已完成


RESEARCH_LABELS = {
    ResearchStatus.ASSIGNED: "调研中",
    ResearchStatus.SUBMITTED: "待确认",
    ResearchStatus.COMPLETE: "已完成",
}


@dataclasses.dataclass(frozen=True, slots=True)
class ResearchTask:
    topic_id: str
    members: tuple[ResearchMember, ...]
    note: str
    assigned_by: str
    assigned_at: float
    draft: ResearchReport | None = None
    draft_by: str = ""
    draft_at: float | None = None
    report: ResearchReport | None = None  # the submitted one
    submitted_by: str = ""
    submitted_at: float | None = None
    confirmed_by: tuple[str, ...] = ()  # person ids, the submitter first
    completed_at: float | None = None

    @property
    def status(self) -> ResearchStatus:
        if self.completed_at is not None:
            return ResearchStatus.COMPLETE
        return ResearchStatus.SUBMITTED if self.report is not None else ResearchStatus.ASSIGNED

    def member(self, person_id: str) -> ResearchMember | None:
        return next((m for m in self.members if m.person_id == person_id), None)


@dataclasses.dataclass(frozen=True, slots=True)
class CarryOver:
    topic_id: str
    reason: str
    by: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class ResearchState:
    """A community's research tasks by topic, and the topics carried over to the next meeting."""

    tasks: Mapping[str, ResearchTask] = field(default_factory=dict)
    carried_over: Mapping[str, CarryOver] = field(default_factory=dict)


SCREENERS = frozenset({TopicRole.STAFF, TopicRole.MODERATOR})
PERMISSIONS: dict[type[Command], frozenset[TopicRole]] = {
    AssignResearch: SCREENERS,
    SaveResearchDraft: frozenset({TopicRole.RESIDENT}),
    SubmitResearch: frozenset({TopicRole.RESIDENT}),
    ConfirmResearch: frozenset({TopicRole.RESIDENT}),
    CarryOverTopic: SCREENERS,
}


def decide_research(
    roster: RosterState,
    topics: TopicsState,
    research: ResearchState,
    actor: TopicActor,
    command: Command,
    now: float,
) -> list[Event]:
    """The events ``command`` from ``actor`` causes; DomainError if refused."""
    allowed = PERMISSIONS.get(type(command))
    if allowed is None or not isinstance(command, AnyResearchCommand):
        fail(ErrorCode.INVALID, f"{type(command).__name__} is not a research command")
    if actor.role not in allowed:
        who = "社工或会议主持人" if allowed == SCREENERS else "被指派的议事代表"
        fail(ErrorCode.FORBIDDEN, f"只有{who}可以进行此操作")
    if actor.community_id != topics.community_id:
        fail(ErrorCode.FORBIDDEN, "这不是您所在社区的议题")
    check_sizes(command)
    match command:
        case AssignResearch():
            return [_assign(roster, topics, research, actor, command, now)]
        case SaveResearchDraft():
            task = _open_task(_member_of(research, actor, command.topic_id))
            report = clean_report(command.report, final=False)
            return [ResearchDraftSaved(task.topic_id, report, _person_id(actor), now)]
        case SubmitResearch():
            task = _open_task(_member_of(research, actor, command.topic_id))
            report = clean_report(command.report, final=True)
            return [ResearchSubmitted(task.topic_id, report, _person_id(actor), now)]
        case ConfirmResearch():
            task = _member_of(research, actor, command.topic_id)
            if task.report is None:
                fail(ErrorCode.WRONG_STATE, "调研报告尚未提交，不能确认")
            pid = _person_id(actor)
            if pid in task.confirmed_by:
                fail(ErrorCode.DUPLICATE, "您已确认过这份调研报告")
            complete = len(task.confirmed_by) + 1 >= CONFIRMATIONS and task.completed_at is None
            return [ResearchConfirmed(task.topic_id, pid, complete, now)]
        case CarryOverTopic():
            topic = topics.topics.get(command.topic_id)
            if topic is None:
                fail(ErrorCode.NOT_FOUND, "没有这个议题")
            if topic.status not in RESEARCHABLE:
                fail(ErrorCode.WRONG_STATE, f"该议题{STATUS_LABELS[topic.status]}，不能列入下次会议")
            if command.topic_id in research.carried_over:
                fail(ErrorCode.DUPLICATE, "该议题已列入下次会议的议程")
            reason = clean_line(command.reason, "说明", REASON_LEN, "NFC") if command.reason.strip() else ""
            return [TopicCarriedOver(topic.topic_id, reason, actor.screener or "?", now)]
        case _:
            assert_never(command)


def _person_id(actor: TopicActor) -> str:
    key = actor.person.key if actor.person is not None else ""
    if not key.startswith("p:"):
        fail(ErrorCode.FORBIDDEN, "请使用社区发给您本人的会议链接打开调研任务")
    return key[2:]


def _member_of(research: ResearchState, actor: TopicActor, topic_id: str) -> ResearchTask:
    task = research.tasks.get(topic_id)
    if task is None:
        fail(ErrorCode.NOT_FOUND, "该议题没有调研任务")
    if task.member(_person_id(actor)) is None:
        fail(ErrorCode.FORBIDDEN, "您不是这项调研任务的成员")
    return task


def _open_task(task: ResearchTask) -> ResearchTask:
    if task.report is not None:
        fail(ErrorCode.WRONG_STATE, "调研报告已提交，不能再修改")
    return task


def _assign(
    roster: RosterState,
    topics: TopicsState,
    research: ResearchState,
    actor: TopicActor,
    cmd: AssignResearch,
    now: float,
) -> Event:
    topic = topics.topics.get(cmd.topic_id)
    if topic is None:
        fail(ErrorCode.NOT_FOUND, "没有这个议题")
    if topic.status not in RESEARCHABLE:
        fail(ErrorCode.WRONG_STATE, f"该议题{STATUS_LABELS[topic.status]}，只有已采纳的议题可以安排调研")
    if topic.topic_id in research.tasks:
        fail(ErrorCode.DUPLICATE, "该议题已安排调研")
    ids = [check_id(p, "人员编号") for p in cmd.person_ids]
    if len(set(ids)) != len(ids):
        fail(ErrorCode.INVALID, "调研成员有重复")
    if len(ids) < MIN_MEMBERS:
        fail(ErrorCode.INVALID, f"会前调研至少需要 {MIN_MEMBERS} 名议事代表（现有 {len(ids)} 名）")
    if len(ids) > MAX_MEMBERS:
        fail(ErrorCode.LIMIT, f"调研成员最多 {MAX_MEMBERS} 名")
    members: list[ResearchMember] = []
    problems: list[str] = []
    for pid in ids:
        person = roster.persons.get(pid)
        if person is None:
            problems.append(f"{pid} 不在名册中")
        elif REPRESENTATIVE not in person.groups:
            problems.append(f"{person.name}（{person.building}）不是议事代表")
        else:
            members.append(ResearchMember(pid, person.name, person.building))
    if problems:
        fail(ErrorCode.INVALID, "不能指派：" + "；".join(problems))
    note = clean_line(cmd.note, "说明", REASON_LEN, "NFC") if cmd.note.strip() else ""
    if not actor.screener:
        fail(ErrorCode.FORBIDDEN, "指派人不明")
    return ResearchAssigned(topic.topic_id, tuple(members), note, actor.screener, now)


def _prose(value: str, what: str, required: bool) -> str:
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", value).splitlines()]
    text = "\n".join(lines).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if required and not text:
        fail(ErrorCode.INVALID, f"请填写{what}")
    if len(text) > TEXT_LEN:
        fail(ErrorCode.INVALID, f"{what}太长（最多{TEXT_LEN}个字）")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text if ch != "\n"):
        fail(ErrorCode.INVALID, f"{what}含有不可见字符或控制字符")
    return text


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        fail(ErrorCode.INVALID, f"{what}应为 0 到 {MAX_COUNT} 的整数")
    return value


def clean_report(report: ResearchReport, final: bool) -> ResearchReport:
    """The report as the rules keep it; a final one (submitted) has all three parts written."""
    check_sizes(report)
    if len(report.files) > MAX_FILES:
        fail(ErrorCode.LIMIT, f"附件最多 {MAX_FILES} 个")
    files: list[ResearchFile] = []
    for f in report.files:
        check_sizes(f)
        if f.kind not in FILE_KINDS:
            fail(ErrorCode.INVALID, "附件只能是 PDF、JPEG 或 PNG")
        check_id(f.file_id, "附件编号")
        name = clean_line(f.name, "附件名", FILE_NAME_LEN, "NFC") if f.name.strip() else f"附件.{f.kind}"
        if all(f.file_id != g.file_id for g in files):
            files.append(ResearchFile(f.file_id, f.kind, name))
    return ResearchReport(
        _prose(report.situation, "现状", final),
        _prose(report.demands, "居民诉求", final),
        _prose(report.proposal, "初步建议", final),
        _count(report.households, "走访户数"),
        _count(report.questionnaires, "问卷份数"),
        tuple(files),
    )


def evolve_research(state: ResearchState, event: Event) -> ResearchState:
    """``state`` after ``event``."""
    if not isinstance(event, AnyResearchEvent):
        raise ValueError(f"{type(event).__name__} is not a research event")
    tasks = dict(state.tasks)
    match event:
        case ResearchAssigned():
            tasks[event.topic_id] = ResearchTask(
                event.topic_id, event.members, event.note, event.by, event.at
            )
        case ResearchDraftSaved():
            t = tasks[event.topic_id]
            tasks[t.topic_id] = dataclasses.replace(
                t, draft=event.report, draft_by=event.by, draft_at=event.at
            )
        case ResearchSubmitted():
            t = tasks[event.topic_id]
            tasks[t.topic_id] = dataclasses.replace(
                t,
                report=event.report,
                submitted_by=event.by,
                submitted_at=event.at,
                confirmed_by=(event.by,),
            )
        case ResearchConfirmed():
            t = tasks[event.topic_id]
            tasks[t.topic_id] = dataclasses.replace(
                t,
                confirmed_by=(*t.confirmed_by, event.by),
                completed_at=event.at if event.complete else t.completed_at,
            )
        case TopicCarriedOver():
            carried = dict(state.carried_over)
            carried[event.topic_id] = CarryOver(event.topic_id, event.reason, event.by, event.at)
            return dataclasses.replace(state, carried_over=carried)
        case _:
            assert_never(event)
    return dataclasses.replace(state, tasks=tasks)
