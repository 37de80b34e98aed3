"""A community's 议题征集 rules: who may do what, the text limits, 附议 once per person, screening,
merging without double counting, and every event's round trip through the log's JSON."""

from __future__ import annotations

import pytest

from meeting_server.community.topics_commands import (
    AcceptTopic,
    EscalateTopic,
    MergeTopic,
    RejectTopic,
    RotateTopicsLink,
    SetTopicLevel,
    SubmitTopic,
    SupportTopic,
    TopicAuthor,
    TopicLevel,
    TopicTriage,
)
from meeting_server.community.topics_events import TopicMerged, TopicSubmitted
from meeting_server.community.topics_rules import (
    MAX_PENDING_PER_PERSON,
    PERMISSIONS,
    decide_topics,
    evolve_topics,
)
from meeting_server.community.topics_state import TopicActor, TopicRole, TopicsState, TopicStatus
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.registry import Command

from .fixtures import NOW, replayed

TRIAGE = TopicTriage("停车交通")


def resident(key: str, community: str = "comma") -> TopicActor:
    return TopicActor(TopicRole.RESIDENT, community, person=TopicAuthor(key, f"居民{key}", "3号楼"))


ANN, BOB, CAI = resident("p:ann"), resident("p:bob"), resident("n:5号楼/蔡")
STAFF = TopicActor(TopicRole.STAFF, "comma", screener="staffa")
MOD = TopicActor(TopicRole.MODERATOR, "comma", screener="m:meet1")


def do(state: TopicsState, actor: TopicActor, cmd: Command) -> TopicsState:
    for ev in replayed(decide_topics(state, actor, cmd, NOW)):
        state = evolve_topics(state, ev)
    return state


def refused(state: TopicsState, actor: TopicActor, cmd: Command) -> DomainError:
    with pytest.raises(DomainError) as e:
        decide_topics(state, actor, cmd, NOW)
    return e.value


def submit(topic_id: str, title: str = "地库停车位太少", **kw: object) -> SubmitTopic:
    return SubmitTopic(topic_id, title, kw.pop("body", "晚上回来没有车位"), kw.pop("triage", TRIAGE), **kw)  # type: ignore[arg-type]


def two_topics() -> TopicsState:
    s = do(TopicsState("comma"), ANN, submit("topic1"))
    return do(s, BOB, submit("topic2", "停车难", triage=TopicTriage("停车交通", "topic1", (), 0.8)))


SCREENING: list[Command] = [
    AcceptTopic("topic1"),
    MergeTopic("topic2", "topic1"),
    RejectTopic("topic1", "不属于议事范围"),
    SetTopicLevel("topic1", TopicLevel.COMMUNITY),
    EscalateTopic("topic1", "涉及多个小区"),
    RotateTopicsLink(),  # the 社工 only, not a meeting's moderator
]


@pytest.mark.parametrize("actor", [ANN, BOB, STAFF, MOD], ids=lambda a: a.role.value)
@pytest.mark.parametrize("cmd", [SupportTopic("topic2"), *SCREENING], ids=lambda c: type(c).__name__)
def test_the_role_matrix(actor: TopicActor, cmd: Command) -> None:
    """Residents submit and support; staff and the moderator screen; nobody else does either."""
    state = two_topics()
    if actor.role in PERMISSIONS[type(cmd)]:
        do(state, actor, cmd) if not (actor is BOB and isinstance(cmd, SupportTopic)) else None
    else:
        assert refused(state, actor, cmd).code is ErrorCode.FORBIDDEN


def test_another_communitys_actor_is_refused() -> None:
    state = two_topics()
    assert refused(state, resident("p:zed", "commb"), SupportTopic("topic1")).code is ErrorCode.FORBIDDEN
    other_staff = TopicActor(TopicRole.STAFF, "commb", screener="staffb")
    assert refused(state, other_staff, AcceptTopic("topic1")).code is ErrorCode.FORBIDDEN
    assert refused(state, STAFF, submit("topic3")).code is ErrorCode.FORBIDDEN  # staff do not submit


def test_submit_cleans_and_records_the_engines_verdict() -> None:
    triage = TopicTriage("噪音油烟", None, ("meaningless",), 0.0)
    s = do(
        TopicsState("comma"),
        CAI,
        submit("topic1", " 楼下 烧烤\t油烟 ", body="  每晚\n\n\n\n到12点 ", triage=triage),
    )
    t = s.topics["topic1"]
    assert (t.title, t.body, t.triage, t.status, t.level) == (
        "楼下 烧烤 油烟",
        "每晚\n\n到12点",
        triage,
        TopicStatus.PENDING,
        TopicLevel.ESTATE,
    )
    assert t.author.key == "n:5号楼/蔡"


@pytest.mark.parametrize(
    ("cmd", "code"),
    [
        (submit("topic9", "字" * 41), ErrorCode.INVALID),
        (submit("topic9", "   "), ErrorCode.INVALID),
        (submit("topic9", body="字" * 1001), ErrorCode.INVALID),
        (submit("topic9", "标题\u200b"), ErrorCode.INVALID),
        (submit("topic9", body="a\x07b"), ErrorCode.INVALID),
        (submit("BAD!"), ErrorCode.INVALID),
        (submit("topic1"), ErrorCode.DUPLICATE),
        (submit("topic9", photos=("ab",)), ErrorCode.INVALID),
        (submit("topic9", photos=tuple(f"photo{i}" for i in range(5))), ErrorCode.INVALID),
        (submit("topic9", triage=TopicTriage("")), ErrorCode.INVALID),
        (submit("topic9", triage=TopicTriage("其他", "nosuch1", (), 0.5)), ErrorCode.INVALID),
        (submit("topic9", triage=TopicTriage("其他", None, (), 1.5)), ErrorCode.INVALID),
        (submit("topic9", triage=TopicTriage("其他", None, ("x" * 17,), 0.0)), ErrorCode.INVALID),
    ],
)
def test_submit_refusals(cmd: SubmitTopic, code: ErrorCode) -> None:
    assert refused(two_topics(), CAI, cmd).code is code


def test_title_of_forty_and_body_of_a_thousand_pass() -> None:
    s = do(two_topics(), CAI, submit("topic3", "字" * 40, body="字" * 1000, photos=("photo1",)))
    assert len(s.topics["topic3"].title) == 40 and s.topics["topic3"].photos == ("photo1",)


def test_support_once_never_ones_own() -> None:
    s = two_topics()
    assert refused(s, ANN, SupportTopic("topic1")).code is ErrorCode.FORBIDDEN  # her own
    s = do(s, BOB, SupportTopic("topic1"))
    assert refused(s, BOB, SupportTopic("topic1")).code is ErrorCode.DUPLICATE
    assert refused(s, BOB, SupportTopic("nosuch")).code is ErrorCode.NOT_FOUND
    assert [p.key for p in s.topics["topic1"].supporters] == ["p:bob"]


def test_merge_carries_supporters_once() -> None:
    s = two_topics()  # topic1 by ann, topic2 by bob
    s = do(s, CAI, SupportTopic("topic1"))
    s = do(s, CAI, SupportTopic("topic2"))  # cai supports both
    s = do(s, ANN, SupportTopic("topic2"))  # ann (topic1's author) supports topic2
    s = do(s, resident("p:dan"), SupportTopic("topic2"))
    events = decide_topics(s, STAFF, MergeTopic("topic2", "topic1", "同一件事"), NOW)
    assert isinstance(events[0], TopicMerged)
    assert [p.key for p in events[0].carried] == ["p:bob", "p:dan"]  # not cai twice, not ann on her own
    s = do(s, STAFF, MergeTopic("topic2", "topic1", "同一件事"))
    one, two = s.topics["topic1"], s.topics["topic2"]
    assert [p.key for p in one.supporters] == ["n:5号楼/蔡", "p:bob", "p:dan"]
    assert len(one.supported_at) == 3
    assert (two.status, two.merged_into, two.reason, two.screened_by) == (
        TopicStatus.MERGED,
        "topic1",
        "同一件事",
        "staffa",
    )
    # A merged topic takes no support (the message names where it went), nor more screening.
    e = refused(s, resident("p:eve"), SupportTopic("topic2"))
    assert e.code is ErrorCode.WRONG_STATE and "地库停车位太少" in e.message
    assert refused(s, STAFF, AcceptTopic("topic2")).code is ErrorCode.WRONG_STATE
    assert refused(s, STAFF, MergeTopic("topic1", "topic2")).code is ErrorCode.WRONG_STATE
    assert refused(s, STAFF, MergeTopic("topic1", "topic1")).code is ErrorCode.INVALID
    assert refused(s, BOB, SupportTopic("topic1")).code is ErrorCode.DUPLICATE  # carried over


def test_reject_needs_a_reason_and_closes_the_topic() -> None:
    s = two_topics()
    assert refused(s, MOD, RejectTopic("topic1", "  ")).code is ErrorCode.INVALID
    s = do(s, MOD, RejectTopic("topic1", "属于物业合同纠纷，请联系物业"))
    t = s.topics["topic1"]
    assert (t.status, t.reason, t.screened_by) == (
        TopicStatus.REJECTED,
        "属于物业合同纠纷，请联系物业",
        "m:meet1",
    )
    assert refused(s, BOB, SupportTopic("topic1")).code is ErrorCode.WRONG_STATE
    assert refused(s, STAFF, MergeTopic("topic2", "topic1")).code is ErrorCode.WRONG_STATE
    assert refused(s, STAFF, SetTopicLevel("topic1", TopicLevel.STREET)).code is ErrorCode.WRONG_STATE


def test_accept_level_and_escalate() -> None:
    s = do(two_topics(), STAFF, AcceptTopic("topic1", "下次议事会讨论"))
    assert s.topics["topic1"].status is TopicStatus.ACCEPTED
    assert refused(s, STAFF, AcceptTopic("topic1")).code is ErrorCode.WRONG_STATE
    assert refused(s, STAFF, SetTopicLevel("topic1", TopicLevel.ESTATE)).code is ErrorCode.DUPLICATE
    s = do(s, STAFF, SetTopicLevel("topic1", TopicLevel.COMMUNITY))
    s = do(s, MOD, EscalateTopic("topic1", "噪音涉及三个小区"))
    t = s.topics["topic1"]
    assert (t.status, t.level, t.reason) == (TopicStatus.ESCALATED, TopicLevel.STREET, "噪音涉及三个小区")
    assert refused(s, STAFF, EscalateTopic("topic1")).code is ErrorCode.WRONG_STATE
    s = do(s, resident("p:fay"), SupportTopic("topic1"))  # an escalated topic still gathers support
    assert len(s.topics["topic1"].supporters) == 1


def test_submitted_event_keeps_the_triage_through_the_log() -> None:
    triage = TopicTriage("停车交通", "topic1", ("empty",), 0.75)
    events = replayed(decide_topics(two_topics(), CAI, submit("topic3", triage=triage), NOW))
    assert isinstance(events[0], TopicSubmitted) and events[0].triage == triage


def test_one_person_waits_for_screening_after_ten_pending() -> None:
    s = TopicsState("comma")
    for i in range(MAX_PENDING_PER_PERSON):
        s = do(s, CAI, submit(f"topic{i:02d}", f"第{i}条"))
    assert refused(s, CAI, submit("topicxx")).code is ErrorCode.LIMIT
    assert do(s, ANN, submit("topicxx")).topics["topicxx"].author.key == "p:ann"  # others are not held up
    s = do(s, STAFF, AcceptTopic("topic00"))
    assert do(s, CAI, submit("topicxx")).topics["topicxx"].author.key == "n:5号楼/蔡"


def test_rotating_the_topics_link_moves_its_generation() -> None:
    s = do(do(TopicsState("comma"), STAFF, RotateTopicsLink()), STAFF, RotateTopicsLink())
    assert s.link_generation == 2
    assert refused(s, MOD, RotateTopicsLink()).code is ErrorCode.FORBIDDEN
