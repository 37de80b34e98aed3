"""Checking a roster table before import: headers in Chinese or English, every bad row by number."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from meeting_server.community.roster_import import check_table
from meeting_server.community.state import RosterState
from meeting_server.community.values import PersonFields

from .fixtures import NOW, person, roster

CN = ["姓名", "楼栋", "单元", "房号", "手机尾号", "出生年份", "年龄段", "面积（m²）", "分组", "表决权"]
EN = ["Name", "building", "UNIT", "room", "phone_tail", "birth_year", "age_band", "area", "groups", "voting"]


def check(rows: list[list[Any]], state: RosterState | None = None) -> Any:
    return check_table(rows, state or RosterState("comma"), NOW)


@pytest.mark.parametrize("header", [CN, EN], ids=["chinese", "english"])
def test_good_rows_with_either_header(header: list[str]) -> None:
    result = check(
        [
            header,
            ["张三", "3号楼", "2单元", 301, 123, 1956, None, 89.5, "议事代表、楼栋长", "是"],
            [],  # blank rows are skipped, row numbers stay the spreadsheet's
            ["李四", "3号楼", "2单元", "301", "", "", "60-69", "", "居民,商户", "否"],
        ]
    )
    assert result.errors == () and result.rows == 2
    (row_a, a), (row_b, b) = result.valid
    assert (row_a, row_b) == (2, 4)
    assert a == PersonFields(
        name="张三",
        building="3号楼",
        room="301",
        unit="2单元",
        phone_tail="0123",
        birth_year=1956,
        area_m2=89.5,
        groups=("议事代表", "楼栋长"),
    )
    assert b.age_band == "60-69" and b.groups == ("居民", "商户") and not b.voting and b.area_m2 is None


def test_every_problem_is_reported_by_row_in_chinese() -> None:
    state = roster(("p00001", person("王五", "5号楼", "501", area_m2=70.0)))
    result = check(
        [
            ["姓名", "楼栋", "房号", "手机尾号", "出生年份", "面积", "表决权", "备注"],
            ["张三", "3号楼", "301", "", "", "", "是", "x"],
            ["李四", "4号楼", "401", "13800138000", "1850", "", "", ""],
            ["", "3号楼", "302", "", "", "", "", ""],
            ["钱八", "4号楼", "402", "", "abc", "大", "也许", ""],
            ["张三", "3号楼", "301", "", "", "", "", ""],
            ["王五", "5号楼", "501", "", "", "", "", ""],
            ["赵六", "5号楼", "501", "", "", "80", "", ""],
            ["孙七", "6号楼", "601", "", datetime(1950, 3, 2), "60平米", "Y", ""],
        ],
        state,
    )
    by_row = {(e.row, e.field): e.message for e in result.errors}
    assert by_row[(3, "phone_tail")] == "手机尾号只填后4位，请勿填写完整号码"
    assert "1900" in by_row[(3, "birth_year")]
    assert by_row[(4, "name")] == "姓名不能为空"
    assert by_row[(5, "birth_year")] == "出生年份应为四位年份，如 1956"
    assert by_row[(5, "area_m2")] == "面积应为数字（平方米）"
    assert by_row[(5, "voting")] == "表决权应填“是”或“否”"
    assert by_row[(6, "name")] == "与第 2 行重复（同户同名：3号楼 301 张三）"
    assert by_row[(7, "name")] == "名册中已有同户同名的人（5号楼 501 王五）"
    assert "70" in by_row[(8, "area_m2")] and "面积按户登记" in by_row[(8, "area_m2")]
    assert len(result.errors) == 9 and [e.row for e in result.errors] == sorted(e.row for e in result.errors)
    assert [r for r, _ in result.valid] == [2, 9]
    assert result.valid[1][1].birth_year == 1950 and result.valid[1][1].area_m2 == 60.0  # a date: its year
    assert result.ignored_columns == ("备注",)


def test_title_rows_above_the_header_are_skipped() -> None:
    result = check([["阳光新城居民名册"], ["制表：社区居委会", None], CN[:4], ["张三", "3号楼", "", "301"]])
    assert result.errors == () and result.valid[0][0] == 4
    # Without a recognisable header the first row is taken for it, and the problem said plainly.
    result = check([["阳光新城居民名册"], ["张三", "3号楼", "301"]])
    assert (
        result.valid == ()
        and "第 1 行" in result.errors[0].message
        and "缺少「姓名」列" in result.errors[0].message
    )


def test_row_one_is_the_header_when_the_first_rows_are_blank() -> None:
    result = check([[], [None, ""], ["姓名", "楼栋", "房号"], ["张三", "3号楼", "301"]])
    assert result.errors == () and result.valid[0][0] == 4


@pytest.mark.parametrize(
    ("header", "needle"),
    [
        (["姓名", "楼栋"], "缺少「房号」列"),
        (["name", "building", "room", "姓名"], "重复"),
        (["姓名", "楼栋", "房号", "手机号"], "只登记手机尾号"),
        (["姓名", "楼栋", "房号", "身份证号"], "不登记身份证号"),
    ],
)
def test_header_problems_import_nothing(header: list[str], needle: str) -> None:
    result = check([header, ["张三", "3号楼", "301", "x"]])
    assert result.valid == () and not result.header_ok
    assert any(needle in e.message for e in result.errors), result.errors


def test_empty_tables() -> None:
    assert "空" in check([]).errors[0].message
    assert "没有数据行" in check([["姓名", "楼栋", "房号"]]).errors[0].message
