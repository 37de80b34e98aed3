"""One entry point for every output format: ``export(records, fmt)`` → (bytes, content type, file suffix)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from meeting_server.ledger.stamp import Stamp
from meeting_server.store.records import EventRecord
from meeting_server.transcript import render as render_transcript

from .build import TurnSummarizer
from .document import Document, load_document, to_markdown
from .editor import editor_sections

FORMATS = ("md", "html", "docx", "pdf", "json", "srt", "vtt")
CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "json": "application/json; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
}


def document_json(doc: Document) -> dict[str, object]:
    """The document for the minutes page (sections as the editor shows them, status, hashes)."""
    return {
        "meeting_id": doc.meeting_id,
        "title": doc.heading,
        "status": doc.status,
        "version": doc.version,
        "sections": editor_sections(doc.sections),
        "record": list(doc.record),
        "minutes_hash": doc.minutes_hash,
        "published_hash": doc.published_hash,
        "captions": len(doc.transcript),
    }


def export(
    records: Sequence[EventRecord],
    fmt: str,
    *,
    font: str = "",
    summarizer: TurnSummarizer | None = None,
    stamp: Stamp | None = None,
) -> tuple[bytes, str]:
    """The minutes (or, for srt/vtt, the transcript) of the meeting in ``fmt``, and its content type;
    ``stamp``: the ledger's key and head, printed on the PDF."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if fmt in ("srt", "vtt"):
        text, _ = render_transcript(records, fmt)
        return text.encode("utf-8"), CONTENT_TYPES[fmt]
    doc = load_document(records, summarizer)
    if fmt == "md":
        body = to_markdown(doc).encode("utf-8")
    elif fmt == "html":
        from .render_html import render_html

        body = render_html(doc).encode("utf-8")
    elif fmt == "docx":
        from .render_docx import render_docx

        body = render_docx(doc)
    elif fmt == "pdf":
        from .render_pdf import render_pdf

        body = render_pdf(doc, font, stamp)
    else:
        body = json.dumps(document_json(doc), ensure_ascii=False).encode("utf-8")
    return body, CONTENT_TYPES[fmt]
