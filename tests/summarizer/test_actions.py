"""Action items and due dates in varied Chinese phrasings, resolved against a Tuesday meeting
(2026-12-01): who is to do it, by when, and the sentences that are not action items."""

from __future__ import annotations

import datetime as dt

import pytest

from summarizer.actions import find_action
from summarizer.dates import cn_number, find_due

MEETING = dt.date(2026, 12, 1)  # a Tuesday
D = dt.date

ACTIONS = [
    ("这件事由物业公司负责，下周五之前完成整改。", "物业公司", D(2026, 12, 11), "下周五之前"),
    ("这件事由物业公司负责下周五之前完成整改。", "物业公司", D(2026, 12, 11), "下周五之前"),  # no comma (ASR)
    ("由物业公司负责，下周五前完成", "物业公司", D(2026, 12, 11), "下周五前"),
    ("请物业公司在12月15日之前提交维修方案。", "物业公司", D(2026, 12, 15), "12月15日之前"),
    ("业委会负责联系电梯公司，本月底前拿出报价。", "业委会", D(2026, 12, 31), "本月底前"),
    ("这项工作交给居委会，三天内答复居民。", "居委会", D(2026, 12, 4), "三天内"),
    ("社区工作站牵头，月底前完成整改。", "社区工作站", D(2026, 12, 31), "月底前"),
    ("我来联系街道办，两周内给大家回复。", "王阿姨", D(2026, 12, 15), "两周内"),  # "我" is the speaker
    ("物业公司将在十二月二十日前完成路面修补。", "物业公司", D(2026, 12, 20), "十二月二十日前"),
    ("由街道办事处和物业公司共同负责，年底前完成加装。", "街道办事处和物业公司", D(2026, 12, 31), "年底前"),
    ("清理楼道杂物的工作，请三号楼楼长负责，5个工作日内完成。", "三号楼楼长", D(2026, 12, 8), "5个工作日内"),
    ("停车场划线由物业负责，下个月底完成。", "物业", D(2027, 1, 31), "下个月底"),
    ("明年1月10号以前由业委会把账目公示出来。", "业委会", D(2027, 1, 10), "明年1月10号以前"),
    ("安装扶手的事交由社区工作站办理，本周五前报个进度。", "社区工作站", D(2026, 12, 4), "本周五前"),
    ("物业公司负责维修路灯。", "物业公司", None, None),  # an owner and a task, no date
    ("下周三之前完成楼道清理。", None, D(2026, 12, 9), "下周三之前"),  # a date and a task, nobody named
]

NOT_ACTIONS = [
    "下面请物业公司汇报上个月的维修工作情况。",  # the chair giving the floor
    "请计时员开始计时，每位发言人限时三分钟。",
    "下面请观察员对本次会议进行点评。",
    "这个问题到底由谁负责？",  # a question
    "年轻人下班比较晚，能不能把议事会安排在周末？",
    "物业公司不负责小区外的道路。",  # a negation
    "我反对这个方案，因为收费标准太高了。",
    "我们计划对老旧电梯进行更换，预计工期两个月。",  # a duration, not a deadline
    "油烟净化设备的费用由商户承担。",  # who pays, not who does
    "我建议在小区东门增设临时停车位，每周三晚上召开议事会。",  # a recurring day, a proposal
    "监督小组每个月向议事会报告一次执行进展。",
    "我来说两句。",
]


@pytest.mark.parametrize(("sentence", "owner", "due", "due_text"), ACTIONS, ids=[a[0][:12] for a in ACTIONS])
def test_action_items_with_owner_and_due_date(
    sentence: str, owner: str | None, due: dt.date | None, due_text: str | None
) -> None:
    found = find_action(sentence, MEETING, speaker="王阿姨")
    assert found is not None, sentence
    assert found.owner == owner
    assert (found.due.date if found.due else None) == due
    assert (found.due.text if found.due else None) == due_text


@pytest.mark.parametrize("sentence", NOT_ACTIONS)
def test_sentences_that_are_not_action_items(sentence: str) -> None:
    assert find_action(sentence, MEETING, speaker="王阿姨") is None


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("周五前", D(2026, 12, 4)),  # the coming Friday
        ("周二前", D(2026, 12, 8)),  # said on a Tuesday: next week's
        ("下下周一", D(2026, 12, 14)),
        ("11月3日前", D(2027, 11, 3)),  # already past this year: next year
        ("2027年3月1日前", D(2027, 3, 1)),
        ("二零二七年三月一日前", D(2027, 3, 1)),  # captions write numbers as spoken (asr.numbers)
        ("十一月三日前", D(2027, 11, 3)),
        ("一个月内", D(2026, 12, 31)),
        ("半个月内", D(2026, 12, 16)),
        ("明天", D(2026, 12, 2)),
        ("下周内", D(2026, 12, 13)),
        ("下个月", D(2027, 1, 31)),
        ("2月底前", D(2027, 2, 28)),
        ("会议结束前", D(2026, 12, 1)),
        ("星期天之前", D(2026, 12, 6)),
    ],
)
def test_due_dates_resolve_against_the_meeting_date(phrase: str, due: dt.date) -> None:
    found = find_due(f"请在{phrase}完成", MEETING)
    assert found is not None and found.date == due


def test_no_due_date_in_durations_and_impossible_dates() -> None:
    for text in ("工期两个月", "每个月报告一次", "2月30日前", "三号楼六楼", "周末开会"):
        assert find_due(text, MEETING) is None, text


def test_chinese_numbers() -> None:
    assert [cn_number(x) for x in ("15", "十五", "二十一", "两", "十", "三十", "１２")] == [
        15,
        15,
        21,
        2,
        10,
        30,
        12,
    ]
    assert cn_number("十一十") is None and cn_number("号") is None
