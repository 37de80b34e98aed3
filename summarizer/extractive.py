"""Extractive summarising of Chinese speech: sentence splitting, jieba words, TextRank, TF-IDF keywords.

Deterministic: the same captions always give the same summary (no sampling, ties broken by position).
A speech's summary is made of its own sentences, so every summary line can be found word for word in the
transcript. Sentences are ranked by TextRank over the sentences of the whole agenda item (similarity =
shared content words, normalised by sentence length as in Mihalcea & Tarau 2004), so a speaker's most
representative sentence is the one that connects to what the item was about.
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

with warnings.catch_warnings():
    # jieba (0.42) uses pkg_resources/old idioms on some Pythons; its import warnings are not ours.
    warnings.simplefilter("ignore")
    import jieba

jieba.setLogLevel(logging.WARNING)

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n+")
_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_LEADING_FILLER = re.compile(r"^(?:嗯+|啊+|呃+|那个|这个这个|就是说|然后呢?)[，,、\s]*")
MAX_SENTENCE = 80  # characters of a sentence shown in a summary before it is cut with …
LONG_CLAUSE = 60  # unpunctuated speech longer than this is split at commas

STOPWORDS = frozenset(
    """的 了 是 在 我 我们 你 你们 他 她 它 他们 这 那 这个 那个 这些 那些 这样 那样 就 也 都 和 与 及 或 但
    但是 而 因为 所以 如果 就是 还是 还有 一个 一下 一些 没有 不 很 非常 可以 能 能不能 会 要 想 说 大家 各位
    现在 下面 那么 然后 已经 进行 什么 怎么 对 把 被 让 给 从 到 向 为 以 之 其 等 吧 吗 呢 啊 嗯 哦 呀 自己
    有 没 上 下 中 里 时候 觉得 认为 希望 一下子 比较 特别 应该 需要 问题 情况 事情 方面 今天 目前 个人 代表
    同志 谢谢 感谢 主持人 请 好 好的 事由 对于 关于 通过 这件 这件事 一直 每天 其实 可能 如何 怎样 大概 只是
    """.split()
)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` split after 。！？； (and ASCII ! ? ;), long comma-runs split at commas."""
    out: list[str] = []
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        if not piece or not _CJK_OR_WORD.search(piece):
            continue
        if len(piece) > LONG_CLAUSE * 2:
            out.extend(_split_long(piece))
        else:
            out.append(piece)
    return out


def _split_long(sentence: str) -> list[str]:
    """A run-on sentence (recognisers sometimes drop full stops) cut at commas into ≈LONG_CLAUSE chunks."""
    parts = re.split(r"(?<=[，,])", sentence)
    out: list[str] = []
    current = ""
    for part in parts:
        if current and len(current) + len(part) > LONG_CLAUSE:
            out.append(current)
            current = ""
        current += part
    if current:
        out.append(current)
    return out


def words(sentence: str) -> list[str]:
    """Content words of a sentence: jieba tokens without stop words, punctuation or single digits."""
    return [
        w
        for w in jieba.lcut(sentence)
        if w.strip() and _CJK_OR_WORD.search(w) and w not in STOPWORDS and not w.isdigit()
    ]


def textrank(
    sentence_words: Sequence[Sequence[str]], damping: float = 0.85, iterations: int = 60
) -> list[float]:
    """TextRank score of each sentence (given as its content words); sums to 1 over the sentences."""
    n = len(sentence_words)
    if n == 0:
        return []
    if n == 1:
        return [1.0]
    vocab: dict[str, int] = {}
    rows: list[list[int]] = []
    for ws in sentence_words:
        rows.append(sorted({vocab.setdefault(w, len(vocab)) for w in ws}))
    if not vocab:
        return [1.0 / n] * n
    incidence = np.zeros((n, len(vocab)), dtype=np.float32)
    for i, cols in enumerate(rows):
        incidence[i, cols] = 1.0
    overlap = incidence @ incidence.T
    lengths = incidence.sum(axis=1)
    logs = np.log(np.maximum(lengths, 1.0))
    denominator = logs[:, None] + logs[None, :]
    denominator[denominator <= 0] = 1.0
    weights = overlap / denominator
    np.fill_diagonal(weights, 0.0)
    out_sum = weights.sum(axis=1)
    # A sentence sharing nothing with the others spreads its vote evenly (a dangling node).
    transition = np.where(out_sum[:, None] > 0, weights / np.maximum(out_sum[:, None], 1e-12), 1.0 / n)
    scores = np.full(n, 1.0 / n, dtype=np.float64)
    for _ in range(iterations):
        updated = (1 - damping) / n + damping * (transition.T @ scores)
        if np.abs(updated - scores).sum() < 1e-9:
            scores = updated
            break
        scores = updated
    total = float(scores.sum())
    return [float(s) / total for s in scores]


def _clean(sentence: str) -> str:
    sentence = _LEADING_FILLER.sub("", sentence).strip()
    if len(sentence) > MAX_SENTENCE:
        sentence = sentence[: MAX_SENTENCE - 1].rstrip("，,、；; ") + "…"
    return sentence


def _length_weight(sentence: str) -> float:
    # Very short sentences ("我同意。") say little on their own; very long ones read badly as a summary.
    n = len(sentence)
    if n < 6:
        return 0.4
    if n < 12:
        return 0.8
    return 1.0 if n <= MAX_SENTENCE else 0.85


def summarize_turns(
    turns: Sequence[Sequence[str]], max_sentences: int = 2, max_chars: int = 110
) -> list[tuple[str, ...]]:
    """One- or two-sentence summaries of each turn (its sentences), ranked over all the turns of an item.

    The chosen sentences keep their order in the speech. A second sentence is added only when the speech
    has more to say (three or more sentences, or two short ones) and both fit in ``max_chars``.
    """
    flat = [(t, i, s) for t, sentences in enumerate(turns) for i, s in enumerate(sentences)]
    scores = textrank([words(s) for _, _, s in flat])
    by_turn: dict[int, list[tuple[float, int, str]]] = {}
    for (t, i, s), score in zip(flat, scores, strict=True):
        by_turn.setdefault(t, []).append((score * _length_weight(s), i, s))
    out: list[tuple[str, ...]] = []
    for t, sentences in enumerate(turns):
        ranked = sorted(by_turn.get(t, []), key=lambda x: (-x[0], x[1]))
        if not ranked:
            out.append(())
            continue
        chosen = [ranked[0]]
        if max_sentences > 1 and len(ranked) > 1:
            second = ranked[1]
            total = len(_clean(chosen[0][2])) + len(_clean(second[2]))
            if (len(sentences) >= 3 or total <= 60) and total <= max_chars:
                chosen.append(second)
        out.append(tuple(_clean(s) for _, _, s in sorted(chosen, key=lambda x: x[1])))
    return out


@functools.lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table (word → idf) and its median, read once."""
    path = Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            word, _, value = line.strip().partition(" ")
            if value:
                table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2] if values else 10.0


def keywords(texts: Sequence[str], k: int = 6) -> list[str]:
    """The ``k`` words of ``texts`` with the highest TF-IDF (jieba's IDF table), most important first."""
    idf, median = _idf()
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w in words(text) if len(w) >= 2)
    total = sum(counts.values())
    if not total:
        return []
    scored = sorted(
        ((c / total * idf.get(w, median), w) for w, c in counts.items()),
        key=lambda x: (-x[0], x[1]),
    )
    return [w for _, w in scored[:k]]


def warm_up() -> None:
    """Load jieba's dictionary and the IDF table now (about a second), not in the middle of a draft."""
    jieba.initialize()
    _idf()
