"""A reader for the minutes' small markdown dialect, shared by the HTML, DOCX and PDF renderers.

Blocks: ``#``/``##``/``###`` headings (dropped when nothing stands under them), paragraphs, list items
(``-``/``*``/``1.``, two spaces of indent per level), pipe tables (the ``---`` row is dropped, the first row
is the header) and ``>`` notes. Inline:
``**bold**``, ``[label](#anchor)`` links (only to anchors inside the document: anything else stays text),
```code``` (shown as text) and backslash escapes. Whatever the recorder types comes out as text, never markup.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

Kind = Literal["heading", "para", "item", "table", "note"]

_ITEM = re.compile(r"^(?P<indent> *)(?:(?P<bullet>[-*+])|(?P<num>\d{1,3})[.、)])\s+(?P<text>.*)$")
_HEADING = re.compile(r"^(?P<marks>#{1,4})\s+(?P<text>.*)$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_LINK = re.compile(r"\[(?P<label>[^\]\n]{1,200})\]\((?P<href>#[A-Za-z0-9_-]{1,64})\)")
_ANCHOR_TAG = re.compile(r'<a id="[A-Za-z0-9_-]{1,64}"></a>')


@dataclasses.dataclass(frozen=True, slots=True)
class Span:
    text: str
    bold: bool = False
    href: str | None = None  # "#c-57": a transcript line


@dataclasses.dataclass(frozen=True, slots=True)
class Block:
    kind: Kind
    spans: tuple[Span, ...] = ()
    level: int = 0  # heading level (1–4) or list depth (0, 1, 2 …)
    number: str | None = None  # "3" for an ordered list item
    rows: tuple[tuple[tuple[Span, ...], ...], ...] = ()  # tables: rows of cells

    @property
    def text(self) -> str:
        if self.kind == "table":
            return "\n".join(" ".join(plain(c) for c in row) for row in self.rows)
        return plain(self.spans)


def plain(spans: tuple[Span, ...]) -> str:
    return "".join(s.text for s in spans)


def inline(text: str) -> tuple[Span, ...]:
    """Spans of one line of text: bold runs, internal links, escapes resolved."""
    text = _ANCHOR_TAG.sub("", text)
    spans: list[Span] = []
    bold = False
    buf: list[str] = []

    def flush(href: str | None = None, label: str | None = None) -> None:
        if buf:
            spans.append(Span("".join(buf), bold))
            buf.clear()
        if label is not None:
            spans.append(Span(label, bold, href))

    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            buf.append(text[i + 1])
            i += 2
        elif text.startswith("**", i):
            flush()
            bold = not bold
            i += 2
        elif c == "`":
            i += 1
        elif c == "[" and (m := _LINK.match(text, i)) is not None:
            flush(m.group("href"), "".join(s.text for s in inline(m.group("label"))))
            i = m.end()
        else:
            buf.append(c)
            i += 1
    flush()
    return tuple(s for s in spans if s.text)


def _cells(line: str) -> tuple[tuple[Span, ...], ...]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells = re.split(r"(?<!\\)\|", body)
    return tuple(inline(c.strip()) for c in cells)


def parse(text: str) -> list[Block]:
    """The blocks of a markdown text, in order."""
    blocks: list[Block] = []
    para: list[str] = []
    table: list[tuple[tuple[Span, ...], ...]] = []

    def end_para() -> None:
        if para:
            blocks.append(Block("para", inline(" ".join(para))))
            para.clear()

    def end_table() -> None:
        if table:
            blocks.append(Block("table", rows=tuple(table)))
            table.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith("|"):
            end_para()
            if not _TABLE_RULE.match(stripped):
                table.append(_cells(stripped))
            continue
        end_table()
        if not stripped:
            end_para()
            continue
        if (h := _HEADING.match(stripped)) is not None:
            end_para()
            blocks.append(Block("heading", inline(h.group("text")), level=len(h.group("marks"))))
        elif (item := _ITEM.match(line)) is not None:
            end_para()
            depth = len(item.group("indent")) // 2
            blocks.append(Block("item", inline(item.group("text")), level=depth, number=item.group("num")))
        elif stripped.startswith(">"):
            end_para()
            blocks.append(Block("note", inline(stripped.lstrip("> "))))
        else:
            para.append(stripped)
    end_para()
    end_table()
    return _without_lonely_headings(blocks)


def _without_lonely_headings(blocks: list[Block]) -> list[Block]:
    """Blocks less the headings with nothing under them (before the next heading of their level or above,
    or the end): a reader should never meet a heading over an empty space."""
    out: list[Block] = []
    for b in reversed(blocks):
        if b.kind == "heading":
            under = next((x for x in reversed(out) if x.kind != "heading" or x.level <= b.level), None)
            if under is None or under.kind == "heading":
                continue
        out.append(b)
    return out[::-1]
