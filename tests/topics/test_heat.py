"""Heat: supporters, recency and the 民生 weight, and the parts a page shows to explain it."""

from __future__ import annotations

import pytest

from meeting_server.topics.heat import ESCALATE_AT, MAX_HEAT, TYPED_COUNTED, heat


def test_explanation_parts_add_up() -> None:
    score, parts = heat(12, 2.0, "噪音油烟")
    assert parts == ("附议 12 人 +5.6", "近 3 天 +1.5", "民生类 ×1.2")
    assert score == round((5.55 + 1.5) * 1.2, 1) == 8.5


def test_not_minsheng_and_old_topics_have_fewer_parts() -> None:
    assert heat(0, 100.0, "其他") == (0.0, ("附议 0 人 +0.0",))
    assert heat(3, 10.0, "物业服务") == (3.5, ("附议 3 人 +3.0", "近 30 天 +0.5"))


def test_capped_at_ten_and_says_so() -> None:
    score, parts = heat(500, 0.0, "噪音油烟")
    assert score == MAX_HEAT and parts[-1] == "封顶 10"
    assert score >= ESCALATE_AT


@pytest.mark.parametrize("category", ["噪音油烟", "其他"])
def test_more_supporters_and_newer_never_cooler(category: str) -> None:
    by_supports = [heat(s, 5.0, category)[0] for s in range(0, 200, 7)]
    assert by_supports == sorted(by_supports)
    by_age = [heat(20, a, category)[0] for a in (0.0, 2.0, 5.0, 20.0, 90.0)]
    assert by_age == sorted(by_age, reverse=True)
    assert heat(20, 1.0, "噪音油烟")[0] > heat(20, 1.0, "其他")[0]


def test_self_declared_supporters_count_at_most_three() -> None:
    """Names typed on the community's shared link: one person may type many, so at most
    ``TYPED_COUNTED`` of them count; supporters on their own links count fully."""
    assert TYPED_COUNTED == 3
    assert heat(2, 100.0, "其他", typed=2) == (
        heat(2, 100.0, "其他")[0],
        ("附议 2 人（其中 2 人为自报身份） +2.4",),
    )
    flood, parts = heat(50, 1.0, "噪音油烟", typed=50)
    assert flood == heat(3, 1.0, "噪音油烟")[0] < ESCALATE_AT
    assert parts[0] == "附议 50 人（其中 50 人为自报身份，自报身份最多计 3 人） +3.0"
    assert heat(12, 1.0, "其他", typed=9)[0] == heat(6, 1.0, "其他")[0]  # 3 own links + 3 typed
    assert heat(12, 1.0, "其他", typed=9)[0] < heat(12, 1.0, "其他", typed=2)[0]
