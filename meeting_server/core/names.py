"""Display names: how every name that enters the system is normalised and checked.

A name is shown to everyone next to what that person said and how they voted, so it must not be able to
pass for someone else. Three rules, in this order:

* **Characters.** NFKC-normalised (full-width letters, compatibility ideographs and Kangxi radicals become
  the ordinary characters), runs of white space made one space; control characters, bidirectional
  controls (U+202A–E, U+2066–9, U+200E/F, U+061C), zero-width characters (U+200B–D, U+2060, U+FEFF) and
  every other invisible format, private-use or separator character are refused with ``bad_name``, as is a
  pile of combining marks on one letter.
* **Length.** 1 to :data:`NAME_MAX` characters after normalisation (normalising may lengthen a name).
* **Titles.** A resident may not call themselves by an official title (主持人, 记录员, 书记 …), also not in a
  look-alike spelling (full-width, traditional characters, spaces or punctuation between the characters,
  a surname in front): ``reserved_name``. Officials joining with their role link and 列席 guests checked
  in by the recorder (「王主任」 of the housing office) are not held to this rule; their role badge says
  what they are.

Pure: used by the meeting rules (join, door check-in), the roster (``community.values``) and staff
accounts (``community.street_rules``).
"""

from __future__ import annotations

import dataclasses
import unicodedata

from .errors import DomainError, ErrorCode

NAME_MAX = 40
MAX_COMBINING = 2  # consecutive combining marks on one base character (more is "zalgo" text)

# Listed for the record (and the tests); every one of them is also in a refused category.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c",
)
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
# Cc control, Cf format (bidi, zero-width, soft hyphen …), Co private use, Cs surrogates, Cn unassigned,
# Zl/Zp line and paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})

# Official titles of a council meeting and of the street office, with their traditional spellings and
# the English words a page or a phone keyboard might offer (those only as the whole name: "admin" is in
# more than one ordinary word).
RESERVED_TITLES = (
    "主持人",
    "记录员",
    "記錄員",
    "记录人",
    "計時員",
    "计时员",
    "管理员",
    "管理員",
    "社工",
    "书记",
    "書記",
    "主任",
    "工作人员",
    "工作人員",
    "系统",
    "系統",
    "moderator",
    "admin",
    "system",
)


@dataclasses.dataclass(frozen=True, slots=True)
class NameProblem:
    """Why a name is refused: ``bad_name``, ``reserved_name`` or ``invalid`` (empty, too long), in Chinese."""

    code: ErrorCode
    message: str


def normalise(value: str) -> str:
    """NFKC, white space trimmed and squeezed to single spaces (nothing refused here)."""
    return " ".join(unicodedata.normalize("NFKC", value).split())


def title_key(name: str) -> str:
    """A name reduced to what a reader sees: NFKC, case-folded, without spaces, punctuation or symbols
    (「主 持 人」, 「主·持·人」 and 「ＡＤＭＩＮ」 read as titles)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "ZPSMC")


def _bad_character(text: str) -> bool:
    run = 0
    for ch in text:
        if ch in BIDI_CONTROLS or ch in ZERO_WIDTH or unicodedata.category(ch) in REFUSED_CATEGORIES:
            return True
        run = run + 1 if unicodedata.category(ch).startswith("M") else 0
        if run > MAX_COMBINING:
            return True
    return False


def name_problem(value: str, *, may_use_titles: bool = False, limit: int = NAME_MAX) -> NameProblem | None:
    """The first rule ``value`` breaks, or None. ``may_use_titles``: an official or a 列席 guest."""
    # Surrounding white space (a form's trailing newline) is trimmed; inside a name, a tab or a line
    # break is a control character like any other.
    raw = unicodedata.normalize("NFKC", value).strip()
    if _bad_character(raw):
        return NameProblem(ErrorCode.BAD_NAME, "姓名中不能有控制字符、文字方向控制符或零宽字符")
    text = normalise(raw)
    if not text:
        return NameProblem(ErrorCode.INVALID, "姓名不能为空")
    if not any(ch.isalnum() for ch in text):
        return NameProblem(ErrorCode.INVALID, "姓名应含有文字")
    if len(text) > limit:
        return NameProblem(ErrorCode.INVALID, f"姓名太长（最多{limit}个字）")
    if not may_use_titles:
        key = title_key(text)
        for title in RESERVED_TITLES:
            if (title == key) if title.isascii() else (title in key):
                return NameProblem(ErrorCode.RESERVED_NAME, f"「{title}」是会务职务称谓，不能用作姓名")
    return None


def clean_name(value: str, *, may_use_titles: bool = False, limit: int = NAME_MAX) -> str:
    """``value`` normalised; DomainError with the code of :func:`name_problem` if it breaks a rule."""
    problem = name_problem(value, may_use_titles=may_use_titles, limit=limit)
    if problem is not None:
        raise DomainError(problem.code, problem.message)
    return normalise(value)
