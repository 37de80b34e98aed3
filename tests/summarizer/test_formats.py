"""Every output format of the scripted meeting's minutes: the PDF and DOCX open and hold the Chinese text
(extracted and compared), the HTML escapes whatever was said, SRT/WebVTT carry the transcript, the CLI
reads a meeting from the data directory or a JSONL log."""

from __future__ import annotations

import asyncio
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import docx
import pypdf
import pypdfium2
import pytest

from meeting_server.core.commands import CommitCaption
from meeting_server.settings import load_settings
from meeting_server.store.eventlog import opened_event_log
from meeting_server.store.records import EventRecord
from summarizer.document import load_document
from summarizer.export import export
from summarizer.logfile import read_jsonl, write_jsonl

from .conftest import NAMES, RESOLUTION_TEXT, SYS
from .driver import LogDriver

pytestmark = pytest.mark.slow  # built on the scripted meeting's Whisper captions
ROOT = Path(__file__).resolve().parents[2]


async def _store(records: list[EventRecord], data_dir: Path) -> None:
    settings = load_settings(environ={}).with_overrides(store={"data_dir": str(data_dir)})
    async with opened_event_log(settings) as event_log:
        await event_log.append(records)


def _squash(text: str) -> str:
    return re.sub(r"[\s\x00]+", "", text)


def expected_texts(meeting: LogDriver) -> list[str]:
    captions = [r.payload["text"] for r in meeting.records if r.type == "CaptionCommitted"]
    return [*NAMES.values(), RESOLUTION_TEXT, "阳光新城居民议事会会议纪要", "三分之二多数", *captions]


def test_pdf_opens_and_holds_the_chinese_text(meeting: LogDriver) -> None:
    body, ctype = export(meeting.records, "pdf")
    assert ctype == "application/pdf" and body.startswith(b"%PDF")
    # pypdf opens it and finds the embedded CJK font …
    reader = pypdf.PdfReader(io.BytesIO(body))
    assert len(reader.pages) >= 2
    fonts = {
        str(f.get_object()["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()
    }
    assert any("CJK" in f or "Hei" in f for f in fonts), fonts
    # … and the text, read as Chromium's PDF engine (pdfium) reads it, is the minutes' Chinese text.
    # (pypdf mis-reads fpdf2's embedded Identity CMap for glyph ids above 255, so pdfium is the reader.)
    doc = pypdfium2.PdfDocument(body)
    text = _squash("".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))))
    for expected in expected_texts(meeting):
        assert _squash(expected) in text, expected
    first_page = _squash(reader.pages[0].extract_text())
    assert "阳光新城居民议事会会议纪要" in first_page


def test_docx_opens_and_holds_the_chinese_text(meeting: LogDriver) -> None:
    body, _ = export(meeting.records, "docx")
    document = docx.Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    text = _squash("\n".join(parts))
    for expected in expected_texts(meeting):
        assert _squash(expected) in text, expected
    assert document.tables[0].rows[1].cells[0].text == "刘大爷"  # longest speaking time first
    normal = document.styles["Normal"].element.rPr.rFonts
    assert "CJK" in normal.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")


def test_html_escapes_what_was_said(meeting: LogDriver) -> None:
    d = meeting.fork()
    d.do(
        SYS,
        CommitCaption("t6", "p-zhao", "<script>alert(1)</script> **粗** [x](javascript:alert(1))", 30, 31),
    )
    html = export(d.records, "html")[0].decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html
    assert html.count('<li id="c-') == sum(r.type == "CaptionCommitted" for r in d.records)
    for name in NAMES.values():
        assert name in html
    # Speech summaries link to their transcript lines.
    for href in re.findall(r'href="#(c-\d+)"', html):
        assert f'id="{href}"' in html


def test_transcript_as_srt_and_vtt(meeting: LogDriver) -> None:
    srt = export(meeting.records, "srt")[0].decode()
    vtt = export(meeting.records, "vtt")[0].decode()
    assert vtt.startswith("WEBVTT")
    captions = [r.payload["text"] for r in meeting.records if r.type == "CaptionCommitted"]
    for c in captions:
        assert c in srt and c in vtt
    assert "-->" in srt and "王阿姨" in srt


def test_markdown_and_json(meeting: LogDriver) -> None:
    md = export(meeting.records, "md")[0].decode()
    assert md.startswith("# 阳光新城居民议事会 会议纪要")
    doc = json.loads(export(meeting.records, "json")[0])
    assert doc["status"] == "preview" and doc["minutes_hash"] == load_document(meeting.records).minutes_hash


def test_cli_from_a_jsonl_log_and_from_the_data_dir(meeting: LogDriver, tmp_path: Path) -> None:
    log = tmp_path / "meeting.jsonl"
    write_jsonl(meeting.records, log)
    assert read_jsonl(log) == meeting.records
    run = [sys.executable, "-m", "summarizer", "minutes"]
    out = subprocess.run(
        [*run, str(log), "--format", "md"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "刘大爷" in out.stdout and RESOLUTION_TEXT in out.stdout
    # The same meeting in a data directory's SQLite log, by id, to a file.
    data = tmp_path / "data"
    asyncio.run(_store(meeting.records, data))
    pdf = tmp_path / "minutes.pdf"
    cmd = [*run, meeting.meeting_id, "--data-dir", str(data), "--format", "pdf", "-o", str(pdf)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    missing = subprocess.run(
        [*run, "nope", "--data-dir", str(data)], capture_output=True, text=True, cwd=ROOT
    )
    assert missing.returncode == 2 and "no meeting" in missing.stderr


def test_a_broken_jsonl_chain_is_refused(meeting: LogDriver, tmp_path: Path) -> None:
    log = tmp_path / "meeting.jsonl"
    write_jsonl(meeting.records, log)
    lines = log.read_text("utf-8").splitlines()
    i = next(i for i, line in enumerate(lines) if "CaptionCommitted" in line and "p-wang" in line)
    lines[i] = lines[i].replace("东门", "西门")
    log.write_text("\n".join(lines), "utf-8")
    with pytest.raises(ValueError, match="hash chain"):
        read_jsonl(log)
