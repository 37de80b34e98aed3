"""A person on a community's roster, and how every field of one is read, cleaned and checked.

``read_person`` is lenient about what it is given (spreadsheet cells: text, numbers, booleans; a JSON form)
and strict about what it keeps; it reports every problem of a person at once, each naming its field, in
Chinese, because staff read them on the import page. The rules run the same checks on every person they
are asked to store (``clean_person``), so nothing unchecked reaches the log whoever builds the command.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import field
from datetime import UTC, date, datetime
from typing import Any

from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.names import name_problem
from meeting_server.core.payload import max_len

NAME_LEN = 40
ADDRESS_LEN = 20
GROUP_LEN = 20
MAX_GROUPS = 12
MAX_AREA_M2 = 10_000.0
OLDEST_BIRTH_YEAR = 1900

# The groups councils use; any other short tag is kept as written.
KNOWN_GROUPS = ("议事代表", "楼栋长", "居民", "商户")

# Field -> its label on the pages and in messages.
LABELS = {
    "name": "姓名",
    "building": "楼栋",
    "unit": "单元",
    "room": "房号",
    "phone_tail": "手机尾号",
    "birth_year": "出生年份",
    "age_band": "年龄段",
    "area_m2": "面积",
    "groups": "分组",
    "voting": "表决权",
}

HouseholdKey = tuple[str, str, str]  # (building, unit, room)


@dataclasses.dataclass(frozen=True, slots=True)
class PersonFields:
    """One person as the roster keeps them; ``building``/``unit``/``room`` name their household."""

    name: str = field(metadata=max_len(NAME_LEN))
    building: str = field(metadata=max_len(ADDRESS_LEN))
    room: str = field(metadata=max_len(ADDRESS_LEN))
    unit: str = field(default="", metadata=max_len(ADDRESS_LEN))
    phone_tail: str = field(default="", metadata=max_len(4))  # the last four digits, never the number
    birth_year: int | None = None
    age_band: str = field(default="", metadata=max_len(8))  # "60-69" or "80+"
    area_m2: float | None = None  # the household's floor area (for area-weighted votes)
    groups: tuple[str, ...] = ()
    voting: bool = True  # holds voting rights

    @property
    def household(self) -> HouseholdKey:
        return (self.building, self.unit, self.room)


def household_label(key: HouseholdKey) -> str:
    """A household as staff write it: 「3号楼 2单元 301」."""
    return " ".join(part for part in key if part)


@dataclasses.dataclass(frozen=True, slots=True)
class Problem:
    """Why one field of one person cannot be kept (``field`` is a PersonFields name, or "" for the row)."""

    field: str
    message: str


class _Bad(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_person(raw: Mapping[str, Any], now: float) -> tuple[PersonFields | None, tuple[Problem, ...]]:
    """A person from loosely typed values (missing keys are empty), or every problem found."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, reader in _READERS.items():
        try:
            values[name] = reader(raw.get(name), now)
        except _Bad as e:
            problems.append(Problem(name, f"{LABELS[name]}{e.message}"))
    if problems:
        return None, tuple(problems)
    return PersonFields(**values), ()


def read_fields(raw: Mapping[str, Any], names: tuple[str, ...], now: float) -> dict[str, Any]:
    """Some person fields (``names``, keys of ``LABELS``) read as ``read_person`` reads them (a resident
    typing their name and building on the topics page); DomainError(INVALID) naming each problem."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name in names:
        try:
            values[name] = _READERS[name](raw.get(name), now)
        except _Bad as e:
            problems.append(f"{LABELS[name]}{e.message}")
    if problems:
        raise DomainError(ErrorCode.INVALID, "；".join(problems))
    return values


def clean_person(person: PersonFields, now: float) -> PersonFields:
    """``person`` with every field cleaned; DomainError(INVALID) naming each problem if one is bad."""
    raw = {f.name: getattr(person, f.name) for f in dataclasses.fields(person)}
    cleaned, problems = read_person(raw, now)
    if cleaned is None:
        raise DomainError(ErrorCode.INVALID, "；".join(p.message for p in problems))
    return cleaned


# ------------------------------------------------------------------ one reader per field


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet's 301.0 is room 301
    text = unicodedata.normalize("NFKC", str(value))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") for ch in text if ch != " "):
        raise _Bad("含有不可见字符或控制字符")
    return " ".join(text.split())


def _text(limit: int, required: bool, squeeze: bool = False) -> Any:
    def read(value: Any, now: float) -> str:
        text = _as_text(value)
        if squeeze:  # 「3 号楼」 and 「3号楼」 are one building
            text = text.replace(" ", "")
        if required and not text:
            raise _Bad("不能为空")
        if len(text) > limit:
            raise _Bad(f"太长（最多{limit}个字）")
        return text

    return read


def _phone_tail(value: Any, now: float) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9999:
        return f"{value:04d}"  # a number cell drops leading zeros: 0123 arrives as 123
    text = _as_text(value).replace(" ", "")
    if not text:
        return ""
    if not (text.isascii() and text.isdigit()):  # 「፩」 is a digit to str.isdigit, not to the door's search
        raise _Bad("只能是数字")
    if len(text) > 4:
        raise _Bad("只填后4位，请勿填写完整号码")
    if len(text) != 4:
        raise _Bad("应为4位数字")
    return text


_DATE = re.compile(r"^(\d{4})[-/.年]\d{1,2}([-/.月]\d{1,2}日?)?$")


def _birth_year(value: Any, now: float) -> int | None:
    if isinstance(value, bool):
        raise _Bad("应为四位年份，如 1956")
    if isinstance(value, date):  # a spreadsheet's date cell: only the year is kept
        value = value.year
    text = _as_text(value).replace(" ", "").removesuffix("年")
    if not text:
        return None
    if m := _DATE.match(text):  # 「1956-03-02」: the year, never the day
        text = m.group(1)
    if not (text.isascii() and text.isdigit()) or len(text) != 4:  # int() refuses 「፩፱፭፮」
        raise _Bad("应为四位年份，如 1956")
    year = int(text)
    this_year = datetime.fromtimestamp(now, UTC).year
    if not OLDEST_BIRTH_YEAR <= year <= this_year:
        raise _Bad(f"应在 {OLDEST_BIRTH_YEAR} 到 {this_year} 之间")
    return year


_BAND = re.compile(r"^(\d{1,3})(?:-(\d{1,3})|\+)$")


def _age_band(value: Any, now: float) -> str:
    text = _as_text(value).replace(" ", "").replace("岁", "")
    for dash in ("～", "~", "—", "–", "至", "到"):
        text = text.replace(dash, "-")
    for plus in ("以上", "及以上"):
        text = text.replace(plus, "+")
    text = text.replace("++", "+")
    if not text:
        return ""
    m = _BAND.match(text)
    if m is None:
        raise _Bad("应写成如 60-69 或 80+")
    low = int(m.group(1))
    high = int(m.group(2)) if m.group(2) else None
    if low > 120 or (high is not None and not low < high <= 130):
        raise _Bad("的范围不合理")
    return f"{low}-{high}" if high is not None else f"{low}+"


def _area(value: Any, now: float) -> float | None:
    if isinstance(value, bool):
        raise _Bad("应为数字（平方米）")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _as_text(value).replace(" ", "").lower()
        for unit in ("平方米", "平米", "m²", "m2", "㎡"):
            text = text.removesuffix(unit)
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise _Bad("应为数字（平方米）") from None
    if not 0 < number <= MAX_AREA_M2 or number != number:
        raise _Bad(f"应大于 0、不超过 {MAX_AREA_M2:.0f} 平方米")
    return round(number, 2)


_GROUP_SPLIT = re.compile(r"[、,，;；/]")


def _groups(value: Any, now: float) -> tuple[str, ...]:
    parts = value if isinstance(value, list | tuple) else _GROUP_SPLIT.split(_as_text(value))
    out: list[str] = []
    for part in parts:
        tag = _as_text(part)
        if not tag:
            continue
        if len(tag) > GROUP_LEN:
            raise _Bad(f"「{tag[:GROUP_LEN]}…」太长（每项最多{GROUP_LEN}个字）")
        if tag not in out:
            out.append(tag)
    if len(out) > MAX_GROUPS:
        raise _Bad(f"最多{MAX_GROUPS}项")
    return tuple(out)


_YES = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
_NO = {"否", "无", "没有", "n", "no", "false", "0", "×", "✗"}


def _voting(value: Any, now: float) -> bool:
    if isinstance(value, bool):
        return value
    text = _as_text(value).replace(" ", "").lower()
    if not text:
        return True  # on the roster means a vote unless the roster says otherwise
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _Bad("应填“是”或“否”")


def _name(value: Any, now: float) -> str:
    # The roster's names are residents' names: the rules of core.names (titles reserved), worded for staff.
    text = _as_text(value)
    problem = name_problem(text, limit=NAME_LEN)
    if problem is not None:
        raise _Bad(problem.message.removeprefix("姓名"))
    return text


_READERS: dict[str, Any] = {
    "name": _name,
    "building": _text(ADDRESS_LEN, required=True, squeeze=True),
    "room": _text(ADDRESS_LEN, required=True, squeeze=True),
    "unit": _text(ADDRESS_LEN, required=False, squeeze=True),
    "phone_tail": _phone_tail,
    "birth_year": _birth_year,
    "age_band": _age_band,
    "area_m2": _area,
    "groups": _groups,
    "voting": _voting,
}
