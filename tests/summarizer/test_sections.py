"""The minutes' entries as every renderer reads them, without a meeting: whatever a field holds comes out as
text (never a heading, list, table, link or bold), what the recorder cleared is left out with whatever
stood under it, no heading stands over nothing, and the editor's view holds nothing of markdown."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import docx

from meeting_server.core.minutes_values import MinutesEntry, MinutesField, MinutesSection
from summarizer.blocks import parse
from summarizer.document import Document, to_markdown
from summarizer.editor import editor_sections
from summarizer.render_docx import render_docx
from summarizer.render_html import render_html
from summarizer.render_md import section_markdown

MARKUP = ("- 列表", "1. 编号", "### 标题", "**粗体** 与 [链接](#c-1)", "| 表 | 格 |", "> 引用", "<b>标签</b>")


def entry(entry_id: str, kind: str, *, depth: int = 0, **fields: str) -> MinutesEntry:
    values = tuple(MinutesField(k, v) for k, v in fields.items())
    return MinutesEntry(entry_id, kind, values, label=kind.upper(), note="注", seq=7, time=65.0, depth=depth)


ITEM = MinutesSection(
    "item-0",
    "议题一：东门停车",
    (
        entry("overview", "para", text="开始于 00:01:00。"),
        entry("speech-1", "speech", speaker="王阿姨", text="我建议增设车位。"),
        entry("motion-m1", "motion", title="东门停车", text="增设十个车位。", result="通过"),
        entry("vote-m1-1", "vote", depth=1, text="合计 赞成 3、反对 0、弃权 0；结果：通过"),
        entry("action-1", "action", owner="物业公司", due="", text="下周五之前完成整改。"),
    ),
)


def cleared(section: MinutesSection, *entry_ids: str) -> MinutesSection:
    entries = tuple(
        dataclasses.replace(e, fields=tuple(dataclasses.replace(f, value="") for f in e.fields))
        if e.entry_id in entry_ids
        else e
        for e in section.entries
    )
    return dataclasses.replace(section, entries=entries)


def document(*sections: MinutesSection) -> Document:
    return Document("m-1", "测试议事会", dt.date(2026, 12, 1), "draft", 1, sections, ("记录",), (), "h", None)


def headings(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("#")]


def test_an_item_reads_as_before() -> None:
    md = section_markdown(ITEM)
    assert md.splitlines() == [
        "开始于 00:01:00。",
        "",
        "### 发言",
        "",
        "1. **王阿姨**（注）[00:01:05](#c-7)：我建议增设车位。",
        "",
        "### 提案与表决",
        "",
        "- MOTION《东门停车》：注；结果：**通过**（日志 #7）",
        "  - 文本：增设十个车位。",
        "  - VOTE：合计 赞成 3、反对 0、弃权 0；结果：通过（日志 #7）",
        "",
        "### 待办事项",
        "",
        "- **物业公司**：下周五之前完成整改。（注，[00:01:05](#c-7)）",
    ]


def test_whatever_a_field_holds_stays_text_in_every_renderer() -> None:
    for text in MARKUP:
        for e in ITEM.entries:
            fields = tuple(dataclasses.replace(f, value=text) for f in e.fields)
            section = dataclasses.replace(ITEM, entries=(dataclasses.replace(e, fields=fields),))
            blocks = parse(section_markdown(section))
            # Read back, the typed text is there letter for letter: no markup of it was taken as markup.
            assert {b.kind for b in blocks} <= {"para", "item"}, (text, e.kind, blocks)
            assert all(text in b.text for b in blocks), (text, e.kind)
            assert {s.href for b in blocks for s in b.spans} <= {None, "#c-7"}
    place = MinutesSection(
        "header", "基本信息", (entry("place", "line", text="| a | b |\n### c **d** <b>e</b>"),)
    )
    html = render_html(document(place))
    assert "| a | b | ### c **d** &lt;b&gt;e&lt;/b&gt;" in html
    assert "<table>" not in html and "<strong>d" not in html and "<b>e" not in html


def test_what_is_cleared_is_left_out_with_what_stands_under_it() -> None:
    md = section_markdown(cleared(ITEM, "speech-1", "motion-m1"))
    assert "发言" not in md and "MOTION" not in md and "VOTE" not in md  # the vote went with its motion
    assert headings(md) == ["### 待办事项"]
    # Only the overview left: no subheading separates anything.
    assert headings(section_markdown(cleared(ITEM, "speech-1", "motion-m1", "action-1"))) == []
    # A section with nothing left has no heading in any output.
    empty = cleared(ITEM, *(e.entry_id for e in ITEM.entries))
    assert section_markdown(empty) == ""
    doc = document(MinutesSection("header", "基本信息", (entry("title", "line", text="测试"),)), empty)
    assert "议题一" not in to_markdown(doc) and "议题一" not in render_html(doc)
    word = docx.Document(io.BytesIO(render_docx(doc)))
    assert not any("议题一" in p.text for p in word.paragraphs)


def test_no_heading_over_nothing_even_in_markdown_sections_of_old_logs() -> None:
    old = MinutesSection(
        "item-0", "议题一", text="开始。\n\n### 表决结果\n\n### 决议\n\n- 决议 r1\n\n### 要点"
    )
    assert section_markdown(old).startswith("开始。")  # an old section's markdown is rendered as it was
    kinds = [(b.kind, b.text) for b in parse(section_markdown(old))]
    assert kinds == [("para", "开始。"), ("heading", "决议"), ("item", "决议 r1")]


def test_statistics_without_speakers_have_no_table() -> None:
    stats = MinutesSection("statistics", "统计", (entry("turns", "line", text="共 0 次，字幕 0 条"),))
    assert "|" not in section_markdown(stats)
    row = MinutesEntry(
        "row-1",
        "row",
        tuple(MinutesField(k, v) for k, v in (("speaker", "王阿姨"), ("channel", "线上"), ("turns", "1"))),
    )
    table = section_markdown(dataclasses.replace(stats, entries=(row, *stats.entries)))
    assert table.splitlines()[:3] == [
        "| 发言人 | 方式 | 发言次数 | 发言时长 |",
        "| --- | --- | --- | --- |",
        "| 王阿姨 | 线上 | 1 |  |",
    ]


def test_the_editor_shows_labelled_plain_text() -> None:
    (view,) = editor_sections((ITEM,))
    assert [g["title"] for g in view["groups"]] == ["", "发言", "提案与表决", "待办事项"]
    speech = view["groups"][1]["entries"][0]
    assert speech["caption"] == "第 1 位发言 · 注 · 00:01:05"
    assert [(f["label"], f["value"], f["multiline"]) for f in speech["fields"]] == [
        ("发言人", "王阿姨", False),
        ("发言摘要", "我建议增设车位。", True),
    ]
    action = view["groups"][3]["entries"][0]
    assert [f["label"] for f in action["fields"]] == ["负责人", "期限", "事项"]
    values = [f["value"] for g in view["groups"] for e in g["entries"] for f in e["fields"]]
    assert not any(mark in v for v in values for mark in ("**", "###", "](#c-", "|"))
