"""The topic engine on hand-written tables: flags, categories, duplicates, similar topics while typing,
removal; and the engine's modules stay pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import meeting_server.topics
from meeting_server.topics.engine import CATEGORIES, TopicEngine, Triage
from meeting_server.topics.evaluate import score
from meeting_server.topics.semantic_index import FEATURES
from meeting_server.topics.text import different_places, normalise, places_in


@pytest.fixture(scope="module")
def engine() -> TopicEngine:
    return TopicEngine()


@pytest.mark.parametrize(
    ("title", "body", "flags"),
    [
        ("", "", ("empty",)),
        ("   ", "。。。！！", ("empty",)),
        ("啊啊啊啊", "哈哈哈哈哈", ("meaningless",)),
        ("asdfgh", "qwerty123", ("meaningless",)),
        ("测试", "测试一下", ("meaningless",)),
        ("111", "222", ("meaningless",)),
        ("物业都是傻逼", "赶紧滚蛋", ("abusive",)),
        ("SB物业", "不干活", ("abusive",)),
        ("路灯", "", ()),
        ("垃圾桶满了没人倒", "5号楼下的垃圾桶经常满出来。", ()),
        ("邻居太自私了怎么办", "楼上的人总是不讲道理，我们很无奈。", ()),
    ],
)
def test_flags(engine: TopicEngine, title: str, body: str, flags: tuple[str, ...]) -> None:
    assert engine.flags(title, body) == flags


@pytest.mark.parametrize(
    ("title", "body", "category"),
    [
        ("地下车库车位不够", "晚上回来没地方停车。", "停车交通"),
        ("垃圾桶太臭", "夏天苍蝇很多，希望每天清运。", "环境卫生"),
        ("物业费太贵", "服务跟不上，报修没人管。", "物业服务"),
        ("希望办老年食堂", "独居老人做饭不方便。", "养老托幼"),
        ("老楼加装电梯", "六楼老人上下楼困难。", "设施改造"),
        ("灭火器过期了", "楼道里的灭火器好几年没换。", "安全消防"),
        ("烧烤店油烟太大", "每天晚上油烟往楼上飘。", "噪音油烟"),
        ("建议办邻里节", "邻居之间都不认识。", "其他"),
        ("我有一个想法", "大家一起商量商量。", "其他"),  # no concept votes: the fallback
    ],
)
def test_classify(engine: TopicEngine, title: str, body: str, category: str) -> None:
    assert engine.classify(title, body) == category


def test_duplicates_point_at_the_first_topic_and_flagged_ones_are_never_matched() -> None:
    e = TopicEngine()
    first = e.add("a", "小区停车位不够", "晚上八点以后找不到车位，希望增加停车位。")
    assert first == Triage("停车交通", None, (), 0.0)
    second = e.add("b", "夜间车位紧张", "下班回来根本没地方停车，能不能多划一些车位？")
    assert second.duplicate_of == "a" and second.similarity > 0
    third = e.add("c", "晚上停车难", "车位太少，停车位严重不足。")
    assert third.duplicate_of == "a"  # the root, not the topic it is nearest to
    # Same place, another problem: not a duplicate.
    assert e.add("d", "停车场路灯坏了", "晚上停车场里黑乎乎的，路灯不亮。").duplicate_of is None
    flagged = e.add("x", "傻逼", "车位车位车位停车位不够")
    assert flagged.flags == ("abusive",) and flagged.duplicate_of is None
    assert flagged.category == "其他"  # flagged: the catch-all, though its words are about parking
    junk = e.add("y", "测试", "测试测试")
    assert junk.flags == ("meaningless",) and junk.category == "其他"
    assert "x" not in [t for t, _ in e.similar("停车位不够")]
    with pytest.raises(ValueError):
        e.add("a", "again", "again")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("二十号楼电梯故障太频繁", "20号楼电梯老是坏", True),
        ("十五栋楼道灯不亮", "15号楼楼道灯坏了", True),
        ("十号楼门口积水", "10号楼门口积水", True),
        ("二十三号楼门口积水", "23号楼门口积水", True),
        ("三单元门禁坏了", "3单元门禁坏了", True),
        ("二十号楼门口积水", "2号楼门口积水", False),
    ],
)
def test_a_building_written_in_chinese_numerals_is_the_same_place(a: str, b: str, same: bool) -> None:
    places = [places_in(normalise(t)) for t in (a, b)]
    assert all(places) and different_places(*places) is not same


def test_the_pair_model_sees_when_two_titles_ask_different_things() -> None:
    e = TopicEngine()
    e.add("lift", "8号楼想装电梯", "8号楼没有电梯，老人上下楼困难。")
    column = FEATURES.index("other_request")
    for title, body, other in [
        ("8号楼电梯经常故障", "8号楼电梯一周坏两次。", 1.0),  # breakdown, not a new lift
        ("8号楼加装电梯", "希望8号楼加装电梯。", 0.0),
        ("8号楼的电梯", "8号楼的电梯。", 0.0),  # names no request
    ]:
        candidates, x = e.candidate_features(title, body)
        assert candidates == ["lift"] and x[0, column] == other, title


def test_similar_ranks_the_closest_first_and_excludes() -> None:
    e = TopicEngine()
    e.add("lift", "老旧小区加装电梯", "六层楼没有电梯，老人上下楼困难。")
    e.add("lift-repair", "电梯经常故障", "电梯一周坏两次，物业维修太慢。")
    e.add("bins", "垃圾桶太臭", "夏天垃圾站异味很大。")
    hits = e.similar("我们楼想装电梯")
    assert [t for t, _ in hits][:2] == ["lift", "lift-repair"]
    assert hits[0][1] > hits[1][1] > 0
    assert "bins" not in [t for t, _ in hits]
    assert e.similar("我们楼想装电梯", exclude="lift")[0][0] == "lift-repair"
    assert len(e.similar("电梯", k=1)) == 1
    assert e.similar("") == []


def test_remove_takes_a_topic_out_of_the_index() -> None:
    e = TopicEngine()
    e.add("a", "楼道声控灯坏了", "晚上上楼要摸黑。")
    assert e.add("b", "楼道灯不亮", "声控灯坏了，晚上看不清楼梯。").duplicate_of == "a"
    e.remove("a")
    e.remove("never-there")
    assert len(e) == 1
    assert [t for t, _ in e.similar("楼道灯不亮")] == ["b"]
    # With "a" gone its duplicate "b" is the topic a new paraphrase duplicates.
    assert e.add("c", "楼道的声控灯不亮了", "楼梯里黑漆漆的，灯坏了好几天。").duplicate_of == "b"
    e.remove("b")
    e.remove("c")
    assert e.similar("楼道灯不亮") == [] and len(e) == 0


def test_restore_indexes_recorded_verdicts_like_add() -> None:
    """A rebuild restores topics from their recorded triage: the same index as re-adding them."""
    rows = [
        ("a", "小区停车位不够", "晚上八点以后找不到车位，希望增加停车位。"),
        ("b", "夜间车位紧张", "下班回来根本没地方停车，能不能多划一些车位？"),
        ("lift", "老旧小区加装电梯", "六层楼没有电梯，老人上下楼困难。"),
        ("x", "傻逼", "车位车位车位停车位不够"),
        ("bins", "垃圾桶太臭", "夏天垃圾站异味很大。"),
    ]
    added, restored = TopicEngine(), TopicEngine()
    for topic_id, title, body in rows:
        t = added.add(topic_id, title, body)
        restored.restore(topic_id, title, body, t.duplicate_of, flagged=bool(t.flags))
    for typed in ("停车位不够", "装电梯", "垃圾", "车位车位"):
        assert restored.similar(typed) == added.similar(typed)
    assert "x" not in [t for t, _ in restored.similar("停车位不够")]
    # New topics triage the same against either (a duplicate points at the recorded root).
    new = ("c", "晚上停车难", "车位太少，停车位严重不足。")
    assert restored.add(*new) == added.add(*new)
    with pytest.raises(ValueError):
        restored.restore("a", "again", "again")


def test_every_category_is_reachable(engine: TopicEngine) -> None:
    lexicon = engine._lex
    voted = {cat for c in lexicon.concepts.values() for cat, _ in c.votes}
    assert voted == set(CATEGORIES)


def test_pair_scoring_on_a_hand_example() -> None:
    gold = [
        {"id": "a", "category": "其他", "dup_group": "g"},
        {"id": "b", "category": "其他", "dup_group": "g"},
        {"id": "c", "category": "其他", "dup_group": "g"},
        {"id": "d", "category": "其他", "dup_group": None},
    ]
    predicted = {
        "a": {"category": "其他", "duplicate_of": None},
        "b": {"category": "其他", "duplicate_of": "a"},
        "c": {"category": "其他", "duplicate_of": None},
        "d": {"category": "环境卫生", "duplicate_of": "b"},  # chained onto a's cluster
    }
    s = score(gold, predicted)
    # clusters {a,b,d},{c}: predicted pairs ab, ad, bd; gold pairs ab, ac, bc
    assert (s.precision, s.recall) == (pytest.approx(1 / 3), pytest.approx(1 / 3))
    assert s.accuracy == 0.75


PURE = [p for p in Path(meeting_server.topics.__file__).parent.glob("*.py") if p.name != "cli.py"]


@pytest.mark.parametrize("path", PURE, ids=lambda p: p.name)
def test_engine_modules_are_pure(path: Path) -> None:
    forbidden = {"asyncio", "aiohttp", "socketio", "sqlite3", "os", "time", "random", "uuid", "pathlib"}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module]
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
            else []
        )
        for name in names:
            assert name.split(".")[0] not in forbidden, f"{path.name} imports {name}"
            assert not name.startswith(("meeting_server.hub", "meeting_server.store")), name
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 420
