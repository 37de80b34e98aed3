"""Numbers written as spoken (``asr.numbers``), on crafted captions: the cases a Mandarin speaker reads."""

from __future__ import annotations

import time

import pytest

from asr.numbers import read_digits, read_integer, spoken_numbers

CASES = [
    ("可以减少70%的采光影响", "可以减少百分之七十的采光影响"),
    ("同意15票，反对2票", "同意十五票，反对两票"),
    ("我是3号楼2单元的居民，住在6楼", "我是三号楼二单元的居民，住在六楼"),
    ("预算1.5万元", "预算一点五万元"),
    ("每户补偿15000元", "每户补偿一万五千元"),
    ("每户补偿15,000元", "每户补偿一万五千元"),
    ("晚上10点以后", "晚上十点以后"),
    ("10:30开会，10：05签到", "十点三十开会，十点零五签到"),
    ("下午2:00", "下午两点"),
    ("超过2/3的业主", "超过三分之二的业主"),
    ("增加0.5米", "增加零点五米"),
    ("0.5%的费率", "百分之零点五的费率"),
    ("下面进入第2项议题", "下面进入第二项议题"),
    ("2024年的预算", "二零二四年的预算"),
    ("住了15年", "住了十五年"),
    ("电话12345678901", "电话一二三四五六七八九零一"),
    ("区号0571", "区号零五七一"),
    ("请拨打110或者119", "请拨打一一零或者一一九"),
    ("打12345热线", "打一二三四五热线"),
    ("110元", "一百一十元"),
    ("我住302室", "我住三零二室"),
    ("3号楼2单元302", "三号楼二单元三零二"),
    ("room 302", "room 三零二"),
    ("二十", "二十"),
    ("20", "二十"),
    ("10", "十"),
    ("实到21人", "实到二十一人"),
    ("投资800万元", "投资八百万元"),
    ("一共10005元", "一共一万零五元"),
    ("预计工期2个月", "预计工期两个月"),
    ("2万元", "两万元"),
    ("第2个", "第二个"),
    ("2月2号", "二月二号"),
    ("二楼和2楼", "二楼和二楼"),
    ("2栋3单元", "二栋三单元"),  # building 2, not two buildings
    ("开2小时", "开两小时"),
    ("１５票", "十五票"),
    ("占７０％", "占百分之七十"),
    ("5G信号", "5G信号"),
    ("PM2.5超标", "PM2.5超标"),
    ("A3栋和4S店", "A3栋和4S店"),
    ("A栋", "A栋"),
]


@pytest.mark.parametrize(("digits", "spoken"), CASES)
def test_numbers_as_spoken(digits: str, spoken: str) -> None:
    assert spoken_numbers(digits) == spoken


@pytest.mark.parametrize("spoken", [s for _d, s in CASES])
def test_spoken_text_is_unchanged(spoken: str) -> None:
    assert spoken_numbers(spoken) == spoken


def test_text_without_numbers_is_returned_as_is() -> None:
    sentence = "我同意前面几位代表的意见，但是希望能分期实施。"
    assert spoken_numbers(sentence) == sentence


@pytest.mark.parametrize(
    ("n", "read"),
    [
        (0, "零"),
        (7, "七"),
        (10, "十"),
        (12, "十二"),
        (105, "一百零五"),
        (1050, "一千零五十"),
        (100000, "十万"),
        (100000005, "一亿零五"),
        (120000000, "一亿二千万"),
    ],
)
def test_read_integer(n: int, read: str) -> None:
    assert read_integer(n) == read


def test_read_digits() -> None:
    assert read_digits("2024") == "二零二四"


def test_fast_enough_for_every_partial() -> None:
    caption = "三号楼2单元的业主有15户，同意的占70%，预算1.5万元，10:30在302室开会。"
    t0 = time.perf_counter()
    for _ in range(1000):
        spoken_numbers(caption)
    assert (time.perf_counter() - t0) / 1000 < 0.002  # measured ~0.02 ms; 2 ms leaves room for load
