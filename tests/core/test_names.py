"""core.names: every rule of a display name, one table each, and where the rules are applied."""

from __future__ import annotations

import pytest

from meeting_server.community.values import read_person
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.names import (
    BIDI_CONTROLS,
    NAME_MAX,
    RESERVED_TITLES,
    ZERO_WIDTH,
    clean_name,
    name_problem,
)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("张三", "张三"),
        ("  张  三 ", "张 三"),  # squeezed
        ("ＺＨＡＮＧ　Ｓａｎ", "ZHANG San"),  # full-width letters and the ideographic space
        ("\u2f08\u5c71", "人山"),  # a Kangxi radical is the ordinary character
        ("张三\n", "张三"),  # a form's trailing newline
        ("José", "José"),  # one combining accent (NFKC composes it anyway)
        ("欧阳·娜娜", "欧阳·娜娜"),
    ],
)
def test_names_are_normalised(typed: str, kept: str) -> None:
    assert clean_name(typed) == kept


@pytest.mark.parametrize(
    "ch", sorted(BIDI_CONTROLS | ZERO_WIDTH | {"\x00", "\x07", "\x1b", "\x7f", "\u2028"})
)
def test_invisible_and_control_characters_are_bad_names(ch: str) -> None:
    problem = name_problem(f"张{ch}三")
    assert problem is not None and problem.code is ErrorCode.BAD_NAME, repr(ch)
    assert "控制字符" in problem.message


@pytest.mark.parametrize(
    "name",
    [
        "张\u200b三\u202e",
        "张\t三",  # a tab inside a name
        "\ue000张三",  # private use
        "e\u0301\u0301\u0301\u0301",  # combining marks piled on one letter (NFKC composes the first)
    ],
)
def test_more_bad_names(name: str) -> None:
    with pytest.raises(DomainError) as refused:
        clean_name(name)
    assert refused.value.code is ErrorCode.BAD_NAME


@pytest.mark.parametrize(
    "name",
    [
        "主持人",
        "主 持 人",
        "主·持·人",
        "主持人。",
        "李主任",  # a surname in front
        "书记",
        "書記",  # traditional
        "社工小王",
        "工作人員",
        "系统",
        "管理员",
        "记录员",
        "计时员",
        "ＡＤＭＩＮ",  # full-width, any case
        "\u2f08\u4e3b\u6301" + "\u2f08",  # 人主持人 with Kangxi 人
    ],
)
def test_titles_are_reserved_for_residents(name: str) -> None:
    problem = name_problem(name)
    assert problem is not None and problem.code is ErrorCode.RESERVED_NAME, name
    assert name_problem(name, may_use_titles=True) is None  # an official, a 列席 guest


def test_every_listed_title_is_reserved() -> None:
    for title in RESERVED_TITLES:
        problem = name_problem(title)
        assert problem is not None and problem.code is ErrorCode.RESERVED_NAME, title


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "不能为空"), ("   ", "不能为空"), ("。。。", "应含有文字"), ("名" * (NAME_MAX + 1), "太长")],
)
def test_length_and_emptiness(name: str, message: str) -> None:
    problem = name_problem(name)
    assert problem is not None and problem.code is ErrorCode.INVALID and message in problem.message
    assert name_problem("名" * NAME_MAX) is None


def test_normalising_may_lengthen_a_name_past_the_limit() -> None:
    # U+FDFA (one character) is 18 characters after NFKC.
    assert len("\ufdfa") == 1
    problem = name_problem("\ufdfa" * 3)
    assert problem is not None and "太长" in problem.message


def test_ordinary_names_pass() -> None:
    for name in ("张三", "王小明", "李任", "主", "持人", "Ming Li", "阿依古丽·买买提", "Badminton Wang"):
        assert name_problem(name) is None, name


def test_the_roster_applies_the_rules() -> None:
    base = {"building": "3号楼", "room": "301"}
    person, problems = read_person({**base, "name": "张三"}, 0.0)
    assert person is not None and person.name == "张三" and not problems
    for bad, word in (("主持人", "职务称谓"), ("张\u200b三", "不可见字符"), ("张\u202e三", "不可见字符")):
        person, problems = read_person({**base, "name": bad}, 0.0)
        assert person is None and problems[0].field == "name" and word in problems[0].message, bad
