"""Due dates said in Chinese ("下周五之前", "本月底", "12月15日前", "三天内"), resolved against a date.

Weeks start on Monday, as in Chinese usage: 下周五 is the Friday of the week after the meeting's week;
a bare 周五 is the next Friday after the meeting day. "X天内" counts calendar days from the meeting day,
"X个工作日内" skips Saturdays and Sundays (public holidays are not known here). A date without a year
that would fall before the meeting is taken to be in the next year.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re

_NUM = r"[0-9０-９〇零一二两三四五六七八九十]+"
_SUFFIX = r"(?:之前|以前|前|为止|之内|以内|内)?"

_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "1": 0, "2": 1, "3": 2}
_WEEKDAYS.update({"4": 3, "5": 4, "6": 5, "7": 6})

# Order matters: the most specific patterns first, and a match is taken at the earliest position.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(rx))
    for name, rx in (
        (
            "ymd",
            rf"(?P<y>\d{{4}}|[〇零一二三四五六七八九]{{4}})年(?P<m>{_NUM})月(?P<d>{_NUM})[日号]{_SUFFIX}",
        ),
        ("ry_md", rf"(?P<ry>今年|明年|后年)(?P<m>{_NUM})月(?P<d>{_NUM})[日号]{_SUFFIX}"),
        ("md", rf"(?<![0-9０-９年])(?P<m>{_NUM})月(?P<d>{_NUM})[日号]{_SUFFIX}"),
        ("month_edge", rf"(?P<m>{_NUM})月(?:底|末|份)(?:之前|以前|前|为止)?"),
        (
            "weekday",
            rf"(?<!每)(?P<which>下下个?|下个?|本|这个?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7]){_SUFFIX}",
        ),
        ("month_end", r"(?P<which>本|这个|下个?|当)?月(?:底|末)(?:之前|以前|前|为止)?"),
        ("year_end", r"(?P<which>今|本|明)?年(?:底|末)(?:之前|以前|前|为止)?"),
        (
            "within",
            rf"(?P<n>{_NUM}|半)(?P<unit>个工作日|工作日|天|日|个星期|个礼拜|星期|周|个月)(?:之内|以内|内)",
        ),
        ("relative_day", r"(?P<rel>大后天|后天|明天|今天|今晚|当天)(?:之前|以前|前|为止|内)?"),
        (
            "week",
            r"(?<!每)(?P<which>下下个?|下个?|本|这个?)(?:周|星期|礼拜)(?![一二三四五六日天1-7末])(?:之内|以内|内|之前|前)?",
        ),
        ("month", r"(?P<which>下个?|本|这个)月(?![底末])(?:之内|以内|内|之前|前)?"),
        ("meeting_end", r"(?:会议结束|散会|会后|会议结束以)(?:之前|以前|前)?"),
    )
)


@dataclasses.dataclass(frozen=True, slots=True)
class Due:
    date: dt.date
    text: str  # the phrase as said
    start: int  # position in the sentence
    end: int


def cn_number(text: str) -> int | None:
    """``"15"``, ``"十五"``, ``"二十一"``, ``"两"`` → int; None if it is not a number."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    if not text or any(c not in _DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _DIGITS.get(tens, 0) if tens else 1
        o = _DIGITS.get(ones, 0) if ones else 0
        if (tens and tens not in _DIGITS) or (ones and (ones not in _DIGITS or len(ones) > 1)):
            return None
        return t * 10 + o
    value = 0
    for c in text:
        value = value * 10 + _DIGITS[c]
    return value


def _month_end(year: int, month: int) -> dt.date:
    while month > 12:
        year, month = year + 1, month - 12
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_workdays(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _resolve(name: str, m: re.Match[str], today: dt.date) -> dt.date | None:
    g = m.groupdict()
    which = (g.get("which") or "").rstrip("个")
    monday = today - dt.timedelta(days=today.weekday())
    match name:
        case "ymd":
            return _safe_date(cn_number(g["y"]) or 0, cn_number(g["m"]) or 0, cn_number(g["d"]) or 0)
        case "ry_md":
            offset = {"今年": 0, "明年": 1, "后年": 2}[g["ry"]]
            return _safe_date(today.year + offset, cn_number(g["m"]) or 0, cn_number(g["d"]) or 0)
        case "md":
            month, day = cn_number(g["m"]) or 0, cn_number(g["d"]) or 0
            date = _safe_date(today.year, month, day)
            if date is not None and date < today:
                date = _safe_date(today.year + 1, month, day)
            return date
        case "month_edge":
            month = cn_number(g["m"]) or 0
            if not 1 <= month <= 12:
                return None
            year = today.year + (1 if month < today.month else 0)
            return _month_end(year, month)
        case "weekday":
            wd = _WEEKDAYS[g["wd"]]
            if which == "下下":
                return monday + dt.timedelta(days=14 + wd)
            if which == "下":
                return monday + dt.timedelta(days=7 + wd)
            if which in ("本", "这"):
                return monday + dt.timedelta(days=wd)
            ahead = (wd - today.weekday()) % 7
            return today + dt.timedelta(days=ahead or 7)
        case "month_end":
            return _month_end(today.year, today.month + (1 if which == "下" else 0))
        case "year_end":
            return dt.date(today.year + (1 if which == "明" else 0), 12, 31)
        case "within":
            unit = g["unit"]
            n = 0.5 if g["n"] == "半" else float(cn_number(g["n"]) or 0)
            if n <= 0:
                return None
            if "工作日" in unit:
                return _add_workdays(today, int(n))
            if unit in ("天", "日"):
                return today + dt.timedelta(days=int(n))
            if unit == "个月":
                return today + dt.timedelta(days=round(30 * n))
            return today + dt.timedelta(days=round(7 * n))
        case "relative_day":
            offsets = {"今天": 0, "今晚": 0, "当天": 0, "明天": 1, "后天": 2, "大后天": 3}
            return today + dt.timedelta(days=offsets[g["rel"]])
        case "week":
            weeks = {"下下": 2, "下": 1}.get(which, 0)
            return monday + dt.timedelta(days=7 * weeks + 6)
        case "month":
            return _month_end(today.year, today.month + (1 if which == "下" else 0))
        case "meeting_end":
            return today
    return None


def find_due(sentence: str, today: dt.date) -> Due | None:
    """The first due date stated in ``sentence``, resolved against ``today`` (the meeting's date)."""
    best: tuple[int, int, str, re.Match[str]] | None = None
    for rank, (name, pattern) in enumerate(_PATTERNS):
        m = pattern.search(sentence)
        if m is None:
            continue
        key = (m.start(), rank)
        if best is None or key < (best[0], best[1]):
            best = (m.start(), rank, name, m)
    if best is None:
        return None
    _, _, name, m = best
    date = _resolve(name, m, today)
    if date is None:
        return None
    return Due(date, m.group(0), m.start(), m.end())
