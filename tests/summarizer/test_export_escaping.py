"""Raw HTML typed or said in a meeting (a name, a title, a motion, a key point, a caption) stays text in
every export: the markdown file escapes it (a viewer that renders HTML in markdown shows it as text), the
HTML export has no element made from it, and DOCX holds it (with any control character) as plain text."""

from __future__ import annotations

import io
import re

import docx
from markdown_it import MarkdownIt

from meeting_server.core.commands import (
    CloseMeeting,
    CommitCaption,
    CreateMeeting,
    GrantFloor,
    JoinMeeting,
    MarkKeyPoint,
    MoveMotion,
    OpenMeeting,
    StartAgendaItem,
)
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import AgendaItemSpec, Level
from meeting_server.store.records import EventRecord
from summarizer.export import export

from .driver import LogDriver

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"


def _records() -> list[EventRecord]:
    mod, rec, wang = Actor("mod", Role.MODERATOR), Actor("rec", Role.RECORDER), Actor("p-w", Role.PARTICIPANT)
    d = LogDriver()
    d.do(
        Actor.system(),
        CreateMeeting(
            "mtg-1",
            f"议事会{IMG}",
            Level.SHEQU,
            f"活动室{IMG}",
            "2026-12-01",
            (AgendaItemSpec(f"停车{IMG}"),),
        ),
    )
    d.do(mod, JoinMeeting("主持人"))
    d.do(rec, JoinMeeting("记录员"))
    d.do(wang, JoinMeeting(f"王{IMG}"))
    d.do(mod, OpenMeeting())
    d.do(mod, StartAgendaItem(0))
    d.do(mod, GrantFloor("p-w"))
    d.do(Actor.system(), CommitCaption("t1", "p-w", f"我同意{IMG}{SCRIPT}\x01", 0.0, 2.0))
    d.do(wang, MoveMotion(f"动议{IMG}", f"在东门{IMG}划线"))
    d.do(rec, MarkKeyPoint(f"要点{IMG}\x1b"))
    d.do(mod, CloseMeeting())
    return d.records


def test_markdown_export_escapes_raw_html() -> None:
    text = export(_records(), "md")[0].decode()
    assert text.count("onerror=alert(1)") >= 8  # everything is there, as text
    # Every "<" in the file is escaped, but for the transcript's own anchors.
    unescaped = [
        m.start()
        for m in re.finditer(r"(?<!\\)<", text)
        if not text.startswith(('<a id="c-', "</a>"), m.start())
    ]
    assert not unescaped, [text[i - 20 : i + 30] for i in unescaped]
    # A viewer that lets HTML through in markdown (markdown-it with html=True) makes no element of it.
    html = MarkdownIt("commonmark", {"html": True}).render(text)
    assert "<img" not in html and "<script" not in html, html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_html_export_has_no_element_from_the_meeting() -> None:
    html = export(_records(), "html")[0].decode()
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_docx_export_holds_it_as_text() -> None:
    body, _ = export(_records(), "docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(body)).paragraphs)
    assert IMG in text and "\x01" not in text and "\x1b" not in text
