"""Caption text hygiene: simplified script, tidy punctuation, hallucination and loop filters.

Everything here is a pure function on strings, so it is tested on crafted text without the model.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zlib
from collections.abc import Iterable

import opencc

from asr.numbers import spoken_numbers

#: Phrases Whisper produces on silence/music because its training subtitles ended with them.
DEFAULT_HALLUCINATION_PHRASES: tuple[str, ...] = (
    "请不吝点赞订阅转发打赏支持明镜与点点栏目",
    "请不吝点赞订阅转发",
    "点赞订阅转发打赏",
    "明镜与点点栏目",
    "明镜需要您的支持",
    "字幕由amara.org社群提供",
    "字幕由amara.org社区提供",
    "amara.org",
    "优优独播剧场",
    "yoyotelevisionseriesexclusive",
    "中文字幕志愿者",
    "字幕志愿者",
    "字幕by",
    "谢谢观看",
    "感谢观看",
    "欢迎订阅",
    "请订阅我的频道",
)

REPLACEMENT_CHAR = "\ufffd"

#: How captions may write numbers (``[asr] numbers``): as read aloud, or Whisper's digits.
NUMBER_STYLES = ("spoken", "digits")

_HALF_TO_FULL = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；", ".": "。"}
# small and half-width forms Whisper sometimes writes
_VARIANTS = str.maketrans(
    {"﹐": "，", "﹑": "、", "﹒": "。", "﹔": "；", "﹕": "：", "﹖": "？", "﹗": "！", "､": "、", "｡": "。"}
)
_FULL_STOPS = "。！？"
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = "，。！？；：、"


@functools.lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert traditional Chinese characters to simplified (OpenCC ``t2s``)."""
    return str(_t2s().convert(text)) if text else text


def is_simplified(text: str) -> bool:
    """True if OpenCC would change no character of ``text``."""
    return to_simplified(text) == text


def _is_cjk(ch: str) -> bool:
    return bool(re.match(f"[{_CJK}]", ch))


def tidy_punctuation(text: str) -> str:
    """Make Chinese punctuation tidy.

    ASCII punctuation next to Chinese becomes full-width, a space between two Chinese characters
    (Whisper's segment joint) becomes "，", runs of punctuation collapse to one mark, and
    leading punctuation is dropped. Latin words and numbers such as "3.5" keep their spacing.
    """
    text = text.replace(REPLACEMENT_CHAR, "").translate(_VARIANTS).strip()
    out: list[str] = []
    for i, ch in enumerate(text):
        prev = text[i - 1] if i > 0 else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch in _HALF_TO_FULL and (_is_cjk(prev) or (_is_cjk(nxt) and not prev.isdigit()) or not nxt):
            if ch == "." and prev.isdigit() and nxt.isdigit():
                out.append(ch)
                continue
            if ch == "." and not _is_cjk(prev):
                out.append(ch)
                continue
            out.append(_HALF_TO_FULL[ch])
        elif ch.isspace():
            if _is_cjk(prev) and _is_cjk(nxt):
                out.append("，")
            elif out and out[-1] != " " and not (_is_cjk(prev) or _is_cjk(nxt) or prev in _CJK_PUNCT):
                out.append(" ")
        else:
            out.append(ch)
    tidy = "".join(out)
    # A run of marks keeps the strongest one: a sentence end beats a comma.
    tidy = re.sub(
        f"[{_CJK_PUNCT}]{{2,}}",
        lambda m: next((c for c in m.group(0) if c in _FULL_STOPS), m.group(0)[0]),
        tidy,
    )
    return tidy.lstrip(_CJK_PUNCT + ",.;:!? ")


def normalize_for_match(text: str) -> str:
    """Lower-case, simplified, with punctuation, symbols and spaces removed (also used for CER)."""
    simplified = to_simplified(text).lower()
    return "".join(ch for ch in simplified if not ch.isspace() and unicodedata.category(ch)[0] not in "PSZ")


def is_hallucination(text: str, phrases: Iterable[str] = DEFAULT_HALLUCINATION_PHRASES) -> bool:
    """True if known silence-hallucination phrases make up at least half of ``text``.

    A phrase that is only a small part of a longer real sentence does not condemn it.
    """
    norm = normalize_for_match(text)
    if not norm:
        return False
    covered = [False] * len(norm)
    for phrase in phrases:
        key = normalize_for_match(phrase)
        if not key:
            continue
        start = norm.find(key)
        while start >= 0:
            for i in range(start, start + len(key)):
                covered[i] = True
            start = norm.find(key, start + 1)
    return sum(covered) * 2 >= len(norm)


def find_loop(text: str, *, min_repeats: int = 3, min_span: int = 8) -> tuple[int, int] | None:
    """Locate a repetition loop such as "喋喋喋喋喋喋喋喋" or "我们要我们要我们要".

    Returns ``(start, unit_length)`` of the first loop, or None. A unit must repeat at least
    ``min_repeats`` times and the repeats must span ``min_span`` characters, so ordinary speech
    ("谢谢", "对对对", "好的好的好的") passes; a unit of six or more characters twice is a loop.
    """
    n = len(text)
    for start in range(n):
        for unit in range(1, (n - start) // 2 + 1):
            # a whole clause (6+ characters) said twice running is a decoder loop, not speech
            need = 2 if unit >= 6 else max(min_repeats, -(-min_span // unit))
            if start + unit * need > n:
                if unit * min_repeats > n - start:
                    break
                continue
            piece = text[start : start + unit]
            if all(unicodedata.category(c)[0] in "PZ" for c in piece):
                continue
            if all(text[start + k * unit : start + (k + 1) * unit] == piece for k in range(1, need)):
                return start, unit
    return None


def cut_loop(text: str) -> str:
    """Keep the text up to and including one copy of the first repetition loop."""
    loop = find_loop(text)
    if loop is None:
        return text
    start, unit = loop
    return text[: start + unit]


def compression_ratio(text: str) -> float:
    """zlib compression ratio of the UTF-8 text, Whisper's repetitiveness gauge."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def end_sentence(text: str) -> str:
    """Close a finished utterance with "。" (replacing a dangling comma) unless it already ends a sentence."""
    if not text or text[-1] in "。！？…”":
        return text
    if text[-1] in "，、；：":
        return text[:-1] + "。"
    return text + "。" if _is_cjk(text[-1]) else text


def clean_caption(text: str, numbers: str = "spoken") -> str:
    """Full cleanup for display: no half characters, simplified script, tidy punctuation, and with
    ``numbers="spoken"`` numbers as read aloud (``asr.numbers``: 70% -> 百分之七十)."""
    tidy = tidy_punctuation(to_simplified(text.replace(REPLACEMENT_CHAR, "")))
    return spoken_numbers(tidy) if numbers == "spoken" else tidy


def match_form(text: str) -> str:
    """``normalize_for_match`` with numbers as spoken, so a hot word typed "12号楼" is found in a
    caption that says "十二号楼" (and either in one that kept Whisper's digits)."""
    return normalize_for_match(spoken_numbers(text))
