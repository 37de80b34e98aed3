"""Checking a roster spreadsheet before anything is imported: its header, then every row.

The table comes as rows of cells (the edge reads CSV or XLSX into that). The header, in Chinese or
English (姓名/name, 楼栋/building, …), is the first row naming at least two known columns (sheets often
start with a title row such as 「阳光新城居民名册」); without one, the first non-empty row. Every problem
is reported with the row number staff see in their spreadsheet and a reason in Chinese; the valid rows
are what "import the valid rows" would add. The same placement rules as a single edit apply (no one
twice, one area per household).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from .roster_rules import MAX_IMPORT, placement_problems
from .state import RosterState
from .values import LABELS, PersonFields, read_person

REQUIRED = ("name", "building", "room")
HEADER_SEARCH_ROWS = 5  # title rows above the header that are skipped

# A header cell (normalised by ``_header_key``) -> the field it fills.
HEADERS: dict[str, str] = {
    **dict.fromkeys(("姓名", "名字", "居民姓名", "name"), "name"),
    **dict.fromkeys(("楼栋", "楼号", "楼栋号", "楼", "栋", "building"), "building"),
    **dict.fromkeys(("单元", "单元号", "unit"), "unit"),
    **dict.fromkeys(("房号", "房间号", "门牌号", "室", "room"), "room"),
    **dict.fromkeys(
        ("手机尾号", "手机后四位", "手机号后四位", "电话尾号", "phone_tail", "phonetail"), "phone_tail"
    ),
    **dict.fromkeys(("出生年份", "出生年", "出生日期", "birth_year", "birthyear"), "birth_year"),
    **dict.fromkeys(("年龄段", "age_band", "ageband"), "age_band"),
    **dict.fromkeys(("面积", "住房面积", "建筑面积", "房屋面积", "area", "area_m2"), "area_m2"),
    **dict.fromkeys(("分组", "身份", "类别", "groups", "group", "tags"), "groups"),
    **dict.fromkeys(("表决权", "投票权", "有表决权", "voting", "vote"), "voting"),
}
# Columns people often have that the roster deliberately does not keep, with what to do instead.
REFUSED_HEADERS = {
    "手机号": "只登记手机尾号（后4位）：请把列名改为「手机尾号」并只填后4位",
    "手机": "只登记手机尾号（后4位）：请把列名改为「手机尾号」并只填后4位",
    "电话": "只登记手机尾号（后4位）：请把列名改为「手机尾号」并只填后4位",
    "身份证号": "名册不登记身份证号，请删除这一列",
    "身份证": "名册不登记身份证号，请删除这一列",
}

_PARENS = re.compile(r"[(（\[【].*?[)）\]】]")


@dataclasses.dataclass(frozen=True, slots=True)
class RowError:
    """A problem in row ``row`` (as numbered in the spreadsheet); ``field`` "" is the whole row."""

    row: int
    field: str
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class ImportCheck:
    rows: int  # data rows read (empty rows are skipped)
    valid: tuple[tuple[int, PersonFields], ...]  # (row, person) that can be imported
    errors: tuple[RowError, ...]
    ignored_columns: tuple[str, ...] = ()

    @property
    def header_ok(self) -> bool:
        return not any(e.row == 0 for e in self.errors)


def _header_key(cell: Any) -> str:
    text = unicodedata.normalize("NFKC", "" if cell is None else str(cell))
    text = _PARENS.sub("", text).replace("*", "").replace(" ", "").strip().lower()
    return text.replace("-", "_")


def _blank(row: Sequence[Any]) -> bool:
    return all(cell is None or not str(cell).strip() for cell in row)


def _columns(header: Sequence[Any]) -> tuple[dict[int, str], list[str], list[str]]:
    """Column index -> field, the problems with the header, the ignored column titles."""
    columns: dict[int, str] = {}
    problems: list[str] = []
    ignored: list[str] = []
    for i, cell in enumerate(header):
        key = _header_key(cell)
        if not key:
            continue
        if key in REFUSED_HEADERS:
            problems.append(f"第 {i + 1} 列「{cell}」：{REFUSED_HEADERS[key]}")
        elif key not in HEADERS:
            ignored.append(str(cell).strip())
        elif HEADERS[key] in columns.values():
            problems.append(f"第 {i + 1} 列「{cell}」与前面的列重复（都是「{LABELS[HEADERS[key]]}」）")
        else:
            columns[i] = HEADERS[key]
    for f in REQUIRED:
        if f not in columns.values():
            problems.append(f"缺少「{LABELS[f]}」列（表头可写中文或英文，如 姓名/name）")
    return columns, problems, ignored


def _header_index(numbered: Sequence[tuple[int, Sequence[Any]]]) -> int:
    for i, (_, row) in enumerate(numbered[:HEADER_SEARCH_ROWS]):
        if sum(_header_key(cell) in HEADERS for cell in row) >= 2:
            return i
    return 0


def check_table(table: Sequence[Sequence[Any]], state: RosterState, now: float) -> ImportCheck:
    """Every problem of ``table`` against the roster ``state``, and the rows that could be imported."""
    numbered = [(n, row) for n, row in enumerate(table, start=1) if not _blank(row)]
    if not numbered:
        return ImportCheck(0, (), (RowError(0, "", "文件是空的，没有表头和数据"),))
    at = _header_index(numbered)
    header_row, header = numbered[at]
    columns, header_problems, ignored = _columns(header)
    body = numbered[at + 1 :]
    if header_problems:
        refusals = tuple(RowError(0, "", f"表头（第 {header_row} 行）{p}") for p in header_problems)
        return ImportCheck(len(body), (), refusals, tuple(ignored))
    if not body:
        return ImportCheck(0, (), (RowError(0, "", "表头之后没有数据行"),), tuple(ignored))
    if len(body) > MAX_IMPORT:
        return ImportCheck(len(body), (), (RowError(0, "", f"一次最多导入 {MAX_IMPORT} 行"),), tuple(ignored))

    errors: list[RowError] = []
    readable: list[tuple[int, PersonFields]] = []
    for n, row in body:
        raw = {f: row[i] for i, f in columns.items() if i < len(row)}
        person, problems = read_person(raw, now)
        if person is None:
            errors.extend(RowError(n, p.field, p.message) for p in problems)
        else:
            readable.append((n, person))
    placed = placement_problems(state, [p for _, p in readable], label=lambda i: f"第 {readable[i][0]} 行")
    refused = {i for i, _ in placed}
    errors.extend(RowError(readable[i][0], problem.field, problem.message) for i, problem in placed)
    valid = tuple(entry for i, entry in enumerate(readable) if i not in refused)
    errors.sort(key=lambda e: e.row)
    return ImportCheck(len(body), valid, tuple(errors), tuple(ignored))
