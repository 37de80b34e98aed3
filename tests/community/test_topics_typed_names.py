"""A name typed on the community's topics link is self-declared: it never takes a roster person's one
support, never gives that person a second one, and is replaced by the person's own support; merging
carries people over on the same terms. Pure rules (no I/O)."""

from __future__ import annotations

from meeting_server.community.topics_commands import MergeTopic, SupportTopic, TopicAuthor
from meeting_server.community.topics_state import TopicActor, TopicRole, TopicsState
from meeting_server.core.errors import ErrorCode

from .test_topics_rules import STAFF, do, refused, submit


def person(key: str, name: str, building: str) -> TopicActor:
    return TopicActor(TopicRole.RESIDENT, "comma", person=TopicAuthor(key, name, building))


LI_SI = person("p:lisi", "李四", "4号楼")  # the roster's 李四, on his personal link
TYPED_LI_SI = person("n:4号楼/李四", "李四", "4号楼")  # anyone with the shared link, typing his name
ZHAO = person("p:zhao", "赵六", "6号楼")


def keys(state: TopicsState, topic_id: str) -> list[str]:
    return [p.key for p in state.topics[topic_id].supporters]


def test_a_typed_name_does_not_take_the_persons_support() -> None:
    s = do(TopicsState("comma"), ZHAO, submit("topic1"))
    s = do(s, TYPED_LI_SI, SupportTopic("topic1"))
    assert keys(s, "topic1") == ["n:4号楼/李四"]
    s = do(s, LI_SI, SupportTopic("topic1"))  # the real 李四 is not turned away...
    assert keys(s, "topic1") == ["p:lisi"]  # ...and counts once: his own support replaces the typed one
    assert s.topics["topic1"].supported_at == (s.topics["topic1"].supported_at[0],)
    # Typing his name again gives nothing more, and neither does his own link twice.
    assert refused(s, TYPED_LI_SI, SupportTopic("topic1")).code is ErrorCode.DUPLICATE
    assert refused(s, LI_SI, SupportTopic("topic1")).code is ErrorCode.DUPLICATE


def test_a_typed_name_is_no_second_support_for_the_person() -> None:
    s = do(TopicsState("comma"), ZHAO, submit("topic1"))
    s = do(s, LI_SI, SupportTopic("topic1"))
    assert refused(s, TYPED_LI_SI, SupportTopic("topic1")).code is ErrorCode.DUPLICATE
    # Another building is another person, typed or not.
    s = do(s, person("n:9号楼/李四", "李四", "9号楼"), SupportTopic("topic1"))
    assert keys(s, "topic1") == ["p:lisi", "n:9号楼/李四"]


def test_own_topic_under_a_typed_name() -> None:
    # A topic typed under 李四's name: the roster's 李四 may still support it (it may not be his)...
    s = do(TopicsState("comma"), TYPED_LI_SI, submit("topic1"))
    s = do(s, LI_SI, SupportTopic("topic1"))
    assert keys(s, "topic1") == ["p:lisi"]
    # ...but his typed name cannot support his own topic, nor a topic typed under it.
    s = do(s, LI_SI, submit("topic2", "楼道灯坏了"))
    assert refused(s, TYPED_LI_SI, SupportTopic("topic2")).code is ErrorCode.FORBIDDEN
    assert refused(s, TYPED_LI_SI, SupportTopic("topic1")).code is ErrorCode.FORBIDDEN


def test_merging_counts_each_person_once() -> None:
    s = do(TopicsState("comma"), ZHAO, submit("topic1"))
    s = do(s, TYPED_LI_SI, SupportTopic("topic1"))
    s = do(s, ZHAO, submit("topic2", "车位不够"))
    s = do(s, LI_SI, SupportTopic("topic2"))
    s = do(s, STAFF, MergeTopic("topic2", "topic1"))
    assert keys(s, "topic1") == ["p:lisi"]  # his own support carried over; the typed one it shadows gone
    s = do(s, ZHAO, submit("topic3", "停车难"))
    s = do(s, TYPED_LI_SI, SupportTopic("topic3"))
    s = do(s, STAFF, MergeTopic("topic3", "topic1"))
    assert keys(s, "topic1") == ["p:lisi"]  # the typed name is not carried onto his own support
