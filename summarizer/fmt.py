"""Small text helpers shared by the renderers: times, durations, Chinese ordinals, markdown escaping."""

from __future__ import annotations

import datetime as dt
import re

_ORDINALS = "一二三四五六七八九十"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")
_MD_LIST_START = re.compile(r"^(?:[-+]|\d{1,3}[.、)])(?=\s|$)")


def clock(seconds: float) -> str:
    """Meeting time as ``HH:MM:SS``."""
    total = max(0, round(seconds))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def duration(seconds: float) -> str:
    """``3分05秒``, ``1小时02分``, ``45秒``."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}小时{minutes:02d}分"
    if minutes:
        return f"{minutes}分{secs:02d}秒"
    return f"{secs}秒"


def ordinal(index: int) -> str:
    """0 → 一, 9 → 十, 10 → 11 (digits beyond ten)."""
    return _ORDINALS[index] if 0 <= index < len(_ORDINALS) else str(index + 1)


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def local_time(epoch: float, tz: dt.tzinfo) -> str:
    return dt.datetime.fromtimestamp(epoch, tz).strftime("%Y-%m-%d %H:%M")


def md_escape(text: str) -> str:
    """Text from speech or people, made inert in markdown (and in the renderers' markdown reader)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    start = _MD_LIST_START.match(escaped)
    if start is not None:  # "- x" or "1. x" would open a list where the text starts a line
        cut = start.end() - 1
        escaped = f"{escaped[:cut]}\\{escaped[cut:]}"
    return escaped


def percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"
