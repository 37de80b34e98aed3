"""A community's 议题征集 rules: submit, support (附议) and screen topics.

``decide_topics(state, actor, command, now) -> events`` or DomainError; ``evolve_topics(state, event)``.
Screening moves a topic 待筛选 → 已采纳 / 已合并 / 未采纳 / 已上报; a merged or rejected topic is closed
(no support, no screening). Merging carries the merged topic's author and supporters over to the topic
it joins, each person once, never its own author.
"""

from __future__ import annotations

import dataclasses
import math
import unicodedata
from typing import assert_never

from meeting_server.core.errors import ErrorCode
from meeting_server.core.guards import check_sizes, fail
from meeting_server.core.registry import Command, Event

from .guards import check_id, clean_line
from .topics_commands import (
    BODY_LEN,
    CATEGORY_LEN,
    FLAG_LEN,
    LEVEL_LABELS,
    LEVEL_ORDER,
    MAX_FLAGS,
    MAX_PHOTOS,
    REASON_LEN,
    TITLE_LEN,
    AcceptTopic,
    AnyTopicCommand,
    EscalateTopic,
    MergeTopic,
    RejectTopic,
    RotateTopicsLink,
    SetTopicLevel,
    SubmitTopic,
    SupportTopic,
    TopicAuthor,
    TopicTriage,
)
from .topics_events import (
    AnyTopicEvent,
    TopicAccepted,
    TopicEscalated,
    TopicLevelSet,
    TopicMerged,
    TopicRejected,
    TopicsLinkRotated,
    TopicSubmitted,
    TopicSupported,
)
from .topics_state import (
    CLOSED,
    STATUS_LABELS,
    Topic,
    TopicActor,
    TopicRole,
    TopicsState,
    TopicStatus,
    counted_already,
)

RESIDENTS = frozenset({TopicRole.RESIDENT})
SCREENERS = frozenset({TopicRole.STAFF, TopicRole.MODERATOR})

PERMISSIONS: dict[type[Command], frozenset[TopicRole]] = {
    SubmitTopic: RESIDENTS,
    SupportTopic: RESIDENTS,
    AcceptTopic: SCREENERS,
    MergeTopic: SCREENERS,
    RejectTopic: SCREENERS,
    SetTopicLevel: SCREENERS,
    EscalateTopic: SCREENERS,
    RotateTopicsLink: frozenset({TopicRole.STAFF}),
}
MAX_TOPICS = 50_000  # one community's, over the years
MAX_PENDING_PER_PERSON = 10  # a flood from one link waits for screening


def decide_topics(state: TopicsState, actor: TopicActor, command: Command, now: float) -> list[Event]:
    """The events ``command`` from ``actor`` causes on this community's topics; DomainError if refused."""
    allowed = PERMISSIONS.get(type(command))
    if allowed is None or not isinstance(command, AnyTopicCommand):
        fail(ErrorCode.INVALID, f"{type(command).__name__} is not a topics command")
    if actor.role not in allowed:
        fail(ErrorCode.FORBIDDEN, _who(allowed))
    if actor.community_id != state.community_id:
        fail(ErrorCode.FORBIDDEN, "这不是您所在社区的议题")
    check_sizes(command)
    match command:
        case SubmitTopic():
            return [_submit(state, _person(actor), command, now)]
        case SupportTopic():
            return [_support(state, _person(actor), command.topic_id, now)]
        case AcceptTopic():
            topic = _open(state, command.topic_id, (TopicStatus.PENDING,))
            note = _note(command.note)
            return [TopicAccepted(topic.topic_id, note, _screener(actor), now)]
        case MergeTopic():
            return [_merge(state, actor, command, now)]
        case RejectTopic():
            topic = _open(state, command.topic_id, (TopicStatus.PENDING, TopicStatus.ACCEPTED))
            reason = clean_line(command.reason, "未采纳的理由", REASON_LEN, "NFC")
            return [TopicRejected(topic.topic_id, reason, _screener(actor), now)]
        case SetTopicLevel():
            topic = _open(state, command.topic_id, _LIVE)
            if topic.level is command.level:
                fail(ErrorCode.DUPLICATE, f"该议题已是{LEVEL_LABELS[command.level]}级")
            return [TopicLevelSet(topic.topic_id, command.level, _screener(actor), now)]
        case EscalateTopic():
            topic = _open(state, command.topic_id, (TopicStatus.PENDING, TopicStatus.ACCEPTED))
            up = LEVEL_ORDER.index(topic.level) + 1
            if up >= len(LEVEL_ORDER):
                fail(ErrorCode.WRONG_STATE, "该议题已在街道级，不能再上报")
            reason = _note(command.reason)
            return [TopicEscalated(topic.topic_id, LEVEL_ORDER[up], reason, _screener(actor), now)]
        case RotateTopicsLink():
            return [TopicsLinkRotated(state.link_generation + 1, _screener(actor), now)]
        case _:
            assert_never(command)


_LIVE = (TopicStatus.PENDING, TopicStatus.ACCEPTED, TopicStatus.ESCALATED)


def _who(allowed: frozenset[TopicRole]) -> str:
    if allowed == RESIDENTS:
        return "只有居民可以提交和附议议题"
    if allowed == SCREENERS:
        return "只有本社区社工或会议主持人可以筛选议题"
    return "只有本社区社工可以进行此操作"


def _person(actor: TopicActor) -> TopicAuthor:
    if actor.person is None or not actor.person.key:
        fail(ErrorCode.FORBIDDEN, "请使用本人的链接提交或附议")
    return actor.person


def _screener(actor: TopicActor) -> str:
    if not actor.screener:
        fail(ErrorCode.FORBIDDEN, "筛选人不明")
    return actor.screener


def _note(text: str) -> str:
    return clean_line(text, "说明", REASON_LEN, "NFC") if text.strip() else ""


def _topic(state: TopicsState, topic_id: str) -> Topic:
    topic = state.topics.get(topic_id)
    if topic is None:
        fail(ErrorCode.NOT_FOUND, "没有这个议题")
    return topic


def _open(state: TopicsState, topic_id: str, statuses: tuple[TopicStatus, ...]) -> Topic:
    """The topic, if its status is one of ``statuses`` (else WRONG_STATE naming where it stands)."""
    topic = _topic(state, topic_id)
    if topic.status not in statuses:
        fail(ErrorCode.WRONG_STATE, f"该议题{STATUS_LABELS[topic.status]}，不能进行此操作")
    return topic


def _body(value: str) -> str:
    """The description: NFC, each line's white space squeezed, at most two line breaks in a row."""
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", value).splitlines()]
    text = "\n".join(lines).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if len(text) > BODY_LEN:
        fail(ErrorCode.INVALID, f"描述太长（最多{BODY_LEN}个字）")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text if ch != "\n"):
        fail(ErrorCode.INVALID, "描述含有不可见字符或控制字符")
    return text


def _triage(state: TopicsState, triage: TopicTriage) -> TopicTriage:
    check_sizes(triage)
    if not triage.category or len(triage.category) > CATEGORY_LEN:
        fail(ErrorCode.INVALID, "分类不正确")
    if len(triage.flags) > MAX_FLAGS or any(not f or len(f) > FLAG_LEN for f in triage.flags):
        fail(ErrorCode.INVALID, "标记不正确")
    if triage.duplicate_of is not None and triage.duplicate_of not in state.topics:
        fail(ErrorCode.INVALID, "疑似重复的议题不存在")
    if not math.isfinite(triage.similarity) or not 0.0 <= triage.similarity <= 1.0:
        fail(ErrorCode.INVALID, "相似度应在 0 到 1 之间")
    return triage


def _submit(state: TopicsState, author: TopicAuthor, cmd: SubmitTopic, now: float) -> Event:
    topic_id = check_id(cmd.topic_id, "议题编号")
    if topic_id in state.topics:
        fail(ErrorCode.DUPLICATE, "议题编号已存在")
    if len(state.topics) >= MAX_TOPICS:
        fail(ErrorCode.LIMIT, "本社区的议题已达上限")
    pending = sum(
        1 for t in state.topics.values() if t.author.key == author.key and t.status is TopicStatus.PENDING
    )
    if pending >= MAX_PENDING_PER_PERSON:
        fail(ErrorCode.LIMIT, f"您已有 {pending} 条议题等待筛选，请等社工筛选后再提")
    title = clean_line(cmd.title, "标题", TITLE_LEN, "NFC")
    if len(cmd.photos) > MAX_PHOTOS or len(set(cmd.photos)) != len(cmd.photos):
        fail(ErrorCode.INVALID, f"最多 {MAX_PHOTOS} 张照片")
    photos = tuple(check_id(p, "照片编号") for p in cmd.photos)
    return TopicSubmitted(topic_id, title, _body(cmd.body), photos, author, _triage(state, cmd.triage), now)


def _support(state: TopicsState, person: TopicAuthor, topic_id: str, now: float) -> Event:
    topic = _topic(state, topic_id)
    if topic.status is TopicStatus.MERGED:
        target = state.final(topic_id)
        where = f"「{target.title}」" if target is not None else "其他议题"
        fail(ErrorCode.WRONG_STATE, f"该议题已合并到{where}，请附议合并后的议题")
    if topic.status is TopicStatus.REJECTED:
        fail(ErrorCode.WRONG_STATE, "该议题未被采纳，不能附议")
    if counted_already((topic.author,), person):
        fail(ErrorCode.FORBIDDEN, "不能附议自己提交的议题")
    if counted_already(topic.supporters, person):
        fail(ErrorCode.DUPLICATE, "您已附议过这个议题")
    return TopicSupported(topic.topic_id, person, now)


def _merge(state: TopicsState, actor: TopicActor, cmd: MergeTopic, now: float) -> Event:
    topic = _open(state, cmd.topic_id, (TopicStatus.PENDING, TopicStatus.ACCEPTED))
    if cmd.into == cmd.topic_id:
        fail(ErrorCode.INVALID, "不能合并到议题本身")
    into = _topic(state, cmd.into)
    if into.status in CLOSED:
        fail(ErrorCode.WRONG_STATE, f"目标议题{STATUS_LABELS[into.status]}，不能合并到它")
    carried: list[TopicAuthor] = []
    for person in (topic.author, *topic.supporters):
        if not counted_already((into.author, *into.supporters, *carried), person):
            carried.append(person)
    return TopicMerged(topic.topic_id, into.topic_id, tuple(carried), _note(cmd.note), _screener(actor), now)


def _screened(topic: Topic, status: TopicStatus, reason: str, by: str, at: float) -> Topic:
    return dataclasses.replace(topic, status=status, reason=reason, screened_by=by, screened_at=at)


def evolve_topics(state: TopicsState, event: Event) -> TopicsState:
    """``state`` after ``event``."""
    if not isinstance(event, AnyTopicEvent):
        raise ValueError(f"{type(event).__name__} is not a topics event")
    topics = dict(state.topics)
    match event:
        case TopicsLinkRotated():
            return dataclasses.replace(state, link_generation=event.generation)
        case TopicSubmitted():
            topics[event.topic_id] = Topic(
                event.topic_id, event.title, event.body, event.photos, event.author, event.triage, event.at
            )
        case TopicSupported():
            t = topics[event.topic_id]
            topics[t.topic_id] = t.with_supporters((event.supporter,), event.at)
        case TopicAccepted():
            t = topics[event.topic_id]
            topics[t.topic_id] = _screened(t, TopicStatus.ACCEPTED, event.note, event.by, event.at)
        case TopicMerged():
            t = topics[event.topic_id]
            topics[t.topic_id] = dataclasses.replace(
                _screened(t, TopicStatus.MERGED, event.note, event.by, event.at), merged_into=event.into
            )
            into = topics[event.into]
            topics[into.topic_id] = into.with_supporters(event.carried, event.at)
        case TopicRejected():
            t = topics[event.topic_id]
            topics[t.topic_id] = _screened(t, TopicStatus.REJECTED, event.reason, event.by, event.at)
        case TopicLevelSet():
            t = topics[event.topic_id]
            topics[t.topic_id] = dataclasses.replace(t, level=event.level)
        case TopicEscalated():
            t = topics[event.topic_id]
            topics[t.topic_id] = dataclasses.replace(
                _screened(t, TopicStatus.ESCALATED, event.reason, event.by, event.at), level=event.level
            )
        case _:
            assert_never(event)
    return dataclasses.replace(state, topics=topics)
