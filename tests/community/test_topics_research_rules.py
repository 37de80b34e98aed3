"""会前调研 rules: assigning ≥ 3 议事代表, drafts, one submitted report confirmed by two others, carry-over
to the next meeting; who may do each; every event through the log's JSON (``replayed``)."""

from __future__ import annotations

import dataclasses

import pytest

from meeting_server.community.stream_rules import CommunityState, evolve_community
from meeting_server.community.topics_commands import AcceptTopic, SubmitTopic, TopicAuthor, TopicTriage
from meeting_server.community.topics_research_commands import (
    AssignResearch,
    CarryOverTopic,
    ConfirmResearch,
    ResearchFile,
    ResearchReport,
    SaveResearchDraft,
    SubmitResearch,
)
from meeting_server.community.topics_research_rules import (
    PERMISSIONS,
    ResearchStatus,
    decide_research,
)
from meeting_server.community.topics_rules import decide_topics
from meeting_server.community.topics_state import TopicActor, TopicRole
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.registry import Command

from .fixtures import NOW, person, replayed, roster

REPS = ("rep1", "rep2", "rep3", "rep4")


def rep(pid: str) -> TopicActor:
    return TopicActor(TopicRole.RESIDENT, "comma", person=TopicAuthor(f"p:{pid}", pid, "3号楼"))


STAFF = TopicActor(TopicRole.STAFF, "comma", screener="staffa")
MOD = TopicActor(TopicRole.MODERATOR, "comma", screener="m:meet1")
TYPED = TopicActor(TopicRole.RESIDENT, "comma", person=TopicAuthor("n:3号楼/rep1", "rep1", "3号楼"))
REPORT = ResearchReport("地库 120 个车位，夜间缺口约 40 个", "增加夜间车位", "错峰共享周边单位车位", 36, 120)


def community() -> CommunityState:
    """One accepted topic ``top1`` and one pending ``top2``; rep1–rep4 are 议事代表, plain a resident."""
    people = [(pid, person(pid, room=f"30{i}", groups=("议事代表",))) for i, pid in enumerate(REPS)]
    roster_state = roster(*people, ("plain", person("plain", room="401")))
    state = dataclasses.replace(CommunityState.empty("comma"), roster=roster_state)
    author = TopicActor(TopicRole.RESIDENT, "comma", person=TopicAuthor("p:plain", "plain", "3号楼"))
    for cmd, actor in (
        (SubmitTopic("top1", "地库停车位太少", "晚上回来没有车位", TopicTriage("停车交通")), author),
        (SubmitTopic("top2", "垃圾桶太臭", "夏天异味很大", TopicTriage("环境卫生")), author),
        (AcceptTopic("top1"), STAFF),
    ):
        for ev in replayed(decide_topics(state.topics, actor, cmd, NOW)):
            state = evolve_community(state, ev)
    return state


def do(state: CommunityState, actor: TopicActor, cmd: Command) -> CommunityState:
    for ev in replayed(decide_research(state.roster, state.topics, state.research, actor, cmd, NOW)):
        state = evolve_community(state, ev)
    return state


def refused(state: CommunityState, actor: TopicActor, cmd: Command) -> DomainError:
    with pytest.raises(DomainError) as e:
        decide_research(state.roster, state.topics, state.research, actor, cmd, NOW)
    return e.value


def assigned() -> CommunityState:
    return do(community(), STAFF, AssignResearch("top1", REPS[:3], "两周内完成"))


def test_assign_needs_three_representatives_of_the_roster() -> None:
    state = community()
    e = refused(state, STAFF, AssignResearch("top1", ("rep1", "rep2")))
    assert e.code is ErrorCode.INVALID and "至少需要 3 名议事代表" in e.message
    e = refused(state, STAFF, AssignResearch("top1", ("rep1", "rep2", "plain", "ghost")))
    assert "plain（3号楼）不是议事代表" in e.message and "ghost 不在名册中" in e.message
    assert refused(state, STAFF, AssignResearch("top1", ("rep1", "rep1", "rep2"))).message == "调研成员有重复"
    assert refused(state, STAFF, AssignResearch("top2", REPS[:3])).code is ErrorCode.WRONG_STATE  # pending
    assert refused(state, STAFF, AssignResearch("nope", REPS[:3])).code is ErrorCode.NOT_FOUND
    state = do(state, MOD, AssignResearch("top1", REPS[:3]))
    task = state.research.tasks["top1"]
    assert [m.person_id for m in task.members] == list(REPS[:3]) and task.assigned_by == "m:meet1"
    assert task.status is ResearchStatus.ASSIGNED
    assert refused(state, STAFF, AssignResearch("top1", REPS[1:])).code is ErrorCode.DUPLICATE


def test_drafts_then_one_submission_then_two_confirmations() -> None:
    state = assigned()
    draft = ResearchReport(situation="走访了 10 户", households=10)
    state = do(state, rep("rep2"), SaveResearchDraft("top1", draft))
    assert state.research.tasks["top1"].draft == draft and state.research.tasks["top1"].draft_by == "rep2"
    # A draft may be partial; a submission needs all three parts.
    e = refused(state, rep("rep1"), SubmitResearch("top1", draft))
    assert e.code is ErrorCode.INVALID and e.message == "请填写居民诉求"
    state = do(state, rep("rep1"), SubmitResearch("top1", REPORT))
    task = state.research.tasks["top1"]
    assert task.status is ResearchStatus.SUBMITTED and task.confirmed_by == ("rep1",)
    assert refused(state, rep("rep2"), SaveResearchDraft("top1", draft)).code is ErrorCode.WRONG_STATE
    assert refused(state, rep("rep2"), SubmitResearch("top1", REPORT)).code is ErrorCode.WRONG_STATE
    assert refused(state, rep("rep1"), ConfirmResearch("top1")).code is ErrorCode.DUPLICATE  # the submitter
    state = do(state, rep("rep2"), ConfirmResearch("top1"))
    assert state.research.tasks["top1"].status is ResearchStatus.SUBMITTED
    assert refused(state, rep("rep2"), ConfirmResearch("top1")).code is ErrorCode.DUPLICATE
    state = do(state, rep("rep3"), ConfirmResearch("top1"))
    task = state.research.tasks["top1"]
    assert task.status is ResearchStatus.COMPLETE and task.completed_at == NOW
    assert task.report == REPORT and task.confirmed_by == ("rep1", "rep2", "rep3")


def test_only_assigned_representatives_through_their_own_link() -> None:
    state = assigned()
    assert refused(state, rep("rep4"), SaveResearchDraft("top1", REPORT)).code is ErrorCode.FORBIDDEN
    e = refused(state, TYPED, SaveResearchDraft("top1", REPORT))  # a typed name is no identity here
    assert e.code is ErrorCode.FORBIDDEN and "本人的会议链接" in e.message
    assert refused(state, rep("rep1"), ConfirmResearch("top1")).code is ErrorCode.WRONG_STATE  # not submitted
    assert refused(state, rep("rep1"), SaveResearchDraft("top2", REPORT)).code is ErrorCode.NOT_FOUND
    other = TopicActor(TopicRole.RESIDENT, "commb", person=TopicAuthor("p:rep1", "rep1", "3号楼"))
    assert refused(state, other, SaveResearchDraft("top1", REPORT)).code is ErrorCode.FORBIDDEN


@pytest.mark.parametrize(
    ("report", "message"),
    [
        (ResearchReport("现状", "诉求", "建议", households=-1), "走访户数应为 0 到 100000 的整数"),
        (ResearchReport("现状", "诉求", "建议", questionnaires=True), "问卷份数应为 0 到 100000 的整数"),
        (ResearchReport("现状" * 1001, "诉求", "建议"), "现状太长（最多2000个字）"),
        (ResearchReport("现状\u200b", "诉求", "建议"), "现状含有不可见字符或控制字符"),
        (
            ResearchReport("现状", "诉求", "建议", files=(ResearchFile("a" * 32, "exe"),)),
            "附件只能是 PDF、JPEG 或 PNG",
        ),
        (ResearchReport("现状", "诉求", "建议", files=(ResearchFile("../x", "pdf"),)), "附件编号格式不正确"),
        (
            ResearchReport(
                "现状", "诉求", "建议", files=tuple(ResearchFile(f"{i:032x}", "pdf") for i in range(9))
            ),
            "附件最多 8 个",
        ),
    ],
)
def test_report_fields_are_checked(report: ResearchReport, message: str) -> None:
    assert refused(assigned(), rep("rep1"), SubmitResearch("top1", report)).message == message


def test_carry_over_once_for_live_topics() -> None:
    state = community()
    assert refused(state, STAFF, CarryOverTopic("top2")).code is ErrorCode.WRONG_STATE
    state = do(state, STAFF, CarryOverTopic("top1", "重新协商：方案未通过"))
    carried = state.research.carried_over["top1"]
    assert carried.reason == "重新协商：方案未通过" and carried.by == "staffa"
    assert refused(state, STAFF, CarryOverTopic("top1")).code is ErrorCode.DUPLICATE


@pytest.mark.parametrize("cmd_type", sorted(PERMISSIONS, key=lambda c: c.__name__), ids=lambda c: c.__name__)
@pytest.mark.parametrize("role", list(TopicRole))
def test_role_matrix(cmd_type: type[Command], role: TopicRole) -> None:
    """Every command against every role: the allowed ones get past the permission check."""
    cmd = {
        AssignResearch: AssignResearch("top1", REPS[:3]),
        SaveResearchDraft: SaveResearchDraft("top1", REPORT),
        SubmitResearch: SubmitResearch("top1", REPORT),
        ConfirmResearch: ConfirmResearch("top1"),
        CarryOverTopic: CarryOverTopic("top1"),
    }[cmd_type]
    actor = rep("rep1") if role is TopicRole.RESIDENT else TopicActor(role, "comma", screener="x")
    state = assigned() if cmd_type is not AssignResearch else community()
    if role in PERMISSIONS[cmd_type]:
        try:
            do(state, actor, cmd)
        except DomainError as e:  # refused for another reason (e.g. not yet submitted), not the role
            assert e.code is not ErrorCode.FORBIDDEN
    else:
        assert refused(state, actor, cmd).code is ErrorCode.FORBIDDEN
