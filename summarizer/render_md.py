"""A section's entries → markdown in the minutes' small dialect, which ``blocks.py`` reads back for the HTML,
DOCX and PDF renderers: headings, paragraphs, lists (two spaces per level), pipe tables, ``**bold**`` and
``[label](#c-SEQ)`` links to the transcript line of log event SEQ.

This is the one place where the minutes' plain-text fields become markup: every field, label and note is
escaped (``md_escape``), so nothing the recorder types — or a caption said — can turn into markup. The
times and log numbers come from the entries' ``time`` and ``seq``, never from text.

What is left empty is left out: an entry whose ``text`` the recorder cleared (with what stands under it), a
subheading with no entry under it, a section with nothing in it.
"""

from __future__ import annotations

from collections.abc import Iterable

from meeting_server.core.minutes_values import MinutesEntry, MinutesSection

from .draft import GROUPS, STATISTICS_COLUMNS
from .fmt import clock, md_escape

_e = md_escape


def visible(entries: Iterable[MinutesEntry]) -> list[MinutesEntry]:
    """The entries that are written out: not cleared, and not under a cleared entry."""
    out: list[MinutesEntry] = []
    hidden_below: int | None = None
    for e in entries:
        if hidden_below is not None and e.depth > hidden_below:
            continue
        hidden_below = None
        if e.kind != "row" and not e.value().strip():
            hidden_below = e.depth
            continue
        out.append(e)
    return out


def section_markdown(section: MinutesSection) -> str:
    """The section's body ("" when nothing in it is left to show)."""
    if not section.entries:
        return section.text.strip()  # a section of a log of before entries: its markdown as it was
    entries = visible(section.entries)
    groups = {GROUPS.get(e.kind, "") for e in entries}
    headed = len(groups) > 1  # a subheading only where it separates something from something else
    lines: list[str] = []
    group = ""
    rows: list[MinutesEntry] = []
    speeches = 0

    def block(*new: str) -> None:
        if lines and lines[-1] != "":
            lines.append("")
        lines.extend(new)

    for e in entries:
        if e.kind == "row":
            rows.append(e)
            continue
        if rows:
            block(*_table(rows), "")
            rows = []
        if headed and GROUPS.get(e.kind, "") != group:
            group = GROUPS.get(e.kind, "")
            if group:
                block(f"### {group}")
                lines.append("")
        if e.kind == "speech":
            speeches += 1
            lines.append(_speech(e, speeches))
        elif e.kind == "para":
            block(_e(e.value()))
            lines.append("")
        else:
            lines += _lines(e)
    if rows:
        block(*_table(rows))
    return "\n".join(lines).strip()


def _where(e: MinutesEntry) -> str:
    """Where a line can be checked: its transcript line (linked), else its time or its log number."""
    if e.time is not None and e.seq is not None:
        return f"[{clock(e.time)}](#c-{e.seq})"
    if e.time is not None:
        return clock(e.time)
    return f"日志 #{e.seq}" if e.seq is not None else ""


def _log(e: MinutesEntry) -> str:
    return f"（日志 #{e.seq}）" if e.seq is not None else ""


def _speech(e: MinutesEntry, n: int) -> str:
    return f"{n}. **{_e(e.value('speaker'))}**（{_e(e.note)}）{_where(e)}：{_e(e.value())}"


def _lines(e: MinutesEntry) -> list[str]:
    pad = "  " * e.depth
    text = _e(e.value())
    if e.kind == "line":
        return [f"- {_e(e.label)}：{text}"]
    if e.kind == "motion":
        return [
            f"{pad}- {_e(e.label)}《{_e(e.value('title'))}》：{_e(e.note)}；"
            f"结果：**{_e(e.value('result'))}**{_log(e)}",
            f"{pad}  - 文本：{text}",
        ]
    if e.kind == "vote":
        return [f"{pad}- {_e(e.label)}：{text}{_log(e)}"]
    if e.kind == "resolution":
        return [f"- {_e(e.label)}《{_e(e.value('title'))}》：{text}{_log(e)}"]
    if e.kind == "action":
        owner = _e(e.value("owner")) or "（未指定）"
        due = f"，期限 {_e(e.value('due'))}" if e.value("due").strip() else ""
        return [f"- **{owner}**{due}：{text}（{_e(e.note)}，{_where(e)}）"]
    if e.kind == "question":
        where = f" {_where(e)}" if e.time is not None else _log(e)
        return [f"- {text}（{_e(e.note)}）{where}"]
    if e.kind == "key_point":
        return [f"- {text}（{_e(e.note)}，{_where(e)}）"]
    return [f"{pad}- {text}"]


def _table(rows: list[MinutesEntry]) -> list[str]:
    head = "| " + " | ".join(label for _, label in STATISTICS_COLUMNS) + " |"
    rule = "| " + " | ".join("---" for _ in STATISTICS_COLUMNS) + " |"
    body = ["| " + " | ".join(_e(r.value(name)) for name, _ in STATISTICS_COLUMNS) + " |" for r in rows]
    return [head, rule, *body]
