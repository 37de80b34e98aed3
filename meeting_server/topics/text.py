"""What the topic engine reads in a resident's text: neighbourhood concepts, character bigrams, and flags.

Pure: the lexicon is parsed from text handed in (``engine.load_lexicon`` reads the package's copy once).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

KINDS = ("o", "p", "c")
FLAGS = ("empty", "meaningless", "abusive")

_CONTENT = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Bigrams every topic has: they say nothing about which topic it is.
_GENERIC_BIGRAMS = frozenset(
    (
        "希望 建议 小区 居民 社区 能否 能不 不能 一下 没有 很多 经常 每天 楼下 我们 大家 "
        "问题 情况 一些 可以 影响 现在 已经 一直 这个 那个 什么 时候 如果 还是 就是 不是 "
        "因为 所以 但是 而且 非常 特别 根本 好几 几个 一个 尽快 及时 解决 处理 管理 相关 "
        "部门 业主 住户 里的 上的 了很 都是 也不 不到 不了 起来 出来 下来 地方 的地 东西 时间 "
    ).split()
)
_ABUSIVE_CJK = (
    "傻逼 傻b 傻x 煞笔 沙比 他妈的 妈的 操你 草泥马 尼玛 你妈 去死 滚蛋 王八蛋 狗东西 废物 脑残 白痴 混蛋 "
    "贱人 畜生 狗日 日你 弱智 人渣 杂种 没教养 祖宗八代 滚出 无赖 遭报应 吃干饭 屁事 不要脸 死全家 垃圾也配"
).split()
_ABUSIVE_LATIN = frozenset("sb cnm nmsl tmd wtf fuck shit".split())
# What people type to try a form: none of it is a topic.
# Chinese sentences nearly always hold one of these; a mash of characters rarely does.
_FUNCTION_CHARS = frozenset(
    "的了是在有我们很不要太也都就还没把被让给和这那吗呢吧个人想去谁一起来上里能会可得着过以为"
)
_FILLER = re.compile(r"测试|试试|试一下|能不能发|发一下|test|哈+|啊+|呵+|嗯+|哦+|额+|嘿+|哇+|呃+|嘻+|[0-9]+")


@dataclass(frozen=True)
class Concept:
    id: str
    kind: str  # o: an object (what it is about), p: a problem or request, c: context (who, when)
    votes: tuple[tuple[str, float], ...]  # (category, weight)


@dataclass(frozen=True)
class Lexicon:
    concepts: dict[str, Concept]
    terms: dict[str, tuple[str, ...]]  # synonym → concept ids
    longest: int


def parse_lexicon(text: str, categories: tuple[str, ...]) -> Lexicon:
    """``id | kind | category:weight (or -) | synonyms`` lines; ``#`` starts a comment."""
    concepts: dict[str, Concept] = {}
    terms: dict[str, list[str]] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4 or parts[1] not in KINDS or parts[0] in concepts:
            raise ValueError(f"lexicon line {n}: {raw!r}")
        votes: list[tuple[str, float]] = []
        for vote in parts[2].split():
            if vote == "-":
                continue
            cat, _, weight = vote.partition(":")
            if cat not in categories:
                raise ValueError(f"lexicon line {n}: unknown category {cat!r}")
            votes.append((cat, float(weight)))
        concepts[parts[0]] = Concept(parts[0], parts[1], tuple(votes))
        for term in parts[3].split():
            terms.setdefault(normalise(term), []).append(parts[0])
    return Lexicon(concepts, {t: tuple(ids) for t, ids in terms.items()}, max(map(len, terms), default=1))


def normalise(text: str) -> str:
    """Full-width to half-width, lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def concepts_in(lexicon: Lexicon, text: str) -> set[str]:
    """The concepts of ``text`` (already normalised), reading it left to right and taking the longest
    synonym at each place, so that 停车收入 is income, not parking."""
    found: set[str] = set()
    terms, longest = lexicon.terms, lexicon.longest
    i = 0
    while i < len(text):
        for j in range(min(i + longest, len(text)), i, -1):
            ids = terms.get(text[i:j])
            if ids:
                found.update(ids)
                i = j
                break
        else:
            i += 1
    return found


_PLACE = re.compile(
    r"(?P<building>[0-9一二三四五六七八九十]+)\s*(?:号楼|号|栋|幢|座)(?!门)|"
    r"(?P<unit>[0-9一二三四五六七八九十]+)\s*单元|(?P<gate>[东南西北后正])门|"
    r"(?P<site>中心花园|小广场|篮球场|菜市场|幼儿园|物业办公室|地下车库|地库|活动中心)"
)


_NUMERALS = str.maketrans("一二三四五六七八九", "123456789")
_TENS = re.compile(r"([一二三四五六七八九]?)十([一二三四五六七八九]?)")


def _arabic(name: str) -> str:
    """A place's number in digits: 二十 and 20, 十五 and 15, 三 and 3 name one building."""
    tens = _TENS.fullmatch(name)
    if tens is None:
        return name.translate(_NUMERALS)
    return str(10 * int((tens[1] or "一").translate(_NUMERALS)) + int((tens[2] or "0").translate(_NUMERALS)))


def places_in(text: str) -> frozenset[tuple[str, str]]:
    """(kind, name) of the places ``text`` (already normalised) names: 12号楼, 3单元, 东门, 中心花园."""
    out = set()
    for m in _PLACE.finditer(text):
        kind = str(m.lastgroup)
        name = m.group(kind)
        out.add((kind, _arabic(name) if kind in ("building", "unit") else name))
    return frozenset(out)


def place_names(text: str) -> list[str]:
    """The places ``text`` names as written (3号楼, 二单元, 东门, 活动中心), in order (caption hot words)."""
    return [m.group(0) for m in _PLACE.finditer(text)]


def without_places(text: str) -> str:
    """``text`` (already normalised) with the places it names blanked out: what is asked, not where."""
    return _PLACE.sub(" ", text)


def different_places(a: frozenset[tuple[str, str]], b: frozenset[tuple[str, str]]) -> bool:
    """Both name a place (a building, a unit, a gate, a site such as 中心花园), and none the same."""
    return bool(a and b and not a & b)


def bigrams(text: str) -> Counter[str]:
    """Character bigrams of each run of Chinese characters or of letters and digits (already normalised)."""
    out: Counter[str] = Counter()
    for run in _CONTENT.findall(text):
        if len(run) == 1:
            out[run] += 1
        for i in range(len(run) - 1):
            out[run[i : i + 2]] += 1
    return out


def bigram_weight(gram: str) -> float:
    """A bigram's weight before IDF: generic ones count little."""
    return 0.25 if gram in _GENERIC_BIGRAMS else 1.0


def idf(n_docs: int, df: int) -> float:
    return 1.0 + math.log((n_docs + 1) / (df + 1))


def flags_of(lexicon: Lexicon, title: str, body: str) -> tuple[str, ...]:
    """ "empty" (nothing but spaces and punctuation), "meaningless" (keyboard mash, filler, one repeated
    character) or "abusive" (insults); () for a real topic."""
    text = normalise(f"{title} {body}")
    content = "".join(_CONTENT.findall(text))
    if not content:  # emoji and other symbols are something typed, if not a topic
        visible = any(unicodedata.category(ch)[0] in "LNS" for ch in text)
        return ("meaningless",) if visible else ("empty",)
    squeezed = text.replace(" ", "")
    out: list[str] = []
    latin_words = set(re.findall(r"[a-z]+", text))
    if any(w in squeezed for w in _ABUSIVE_CJK) or latin_words & _ABUSIVE_LATIN:
        out.append("abusive")
    rest = _FILLER.sub("", content)
    cjk = set(_CJK.findall(rest))
    prose = len(cjk) >= 4 and bool(cjk & _FUNCTION_CHARS)
    if not concepts_in(lexicon, text) and not prose and "abusive" not in out:
        out.append("meaningless")
    return tuple(out)
