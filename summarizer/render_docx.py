"""The minutes as DOCX (python-docx), for the recorder to print or archive in Word/WPS/LibreOffice.

The East Asian font of every style is set (Word otherwise picks a Latin-only face for the ``w:eastAsia``
range and Chinese falls back to whatever is installed); headings, lists and tables use built-in styles.
"""

from __future__ import annotations

import io
import re

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from .blocks import Block, Span, parse
from .document import STATUS_LABELS, Document
from .fmt import clock, cn_date
from .fonts import DOCX_FONT

_STYLES = (
    "Normal",
    "Title",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "List Bullet",
    "List Number",
    "Table Grid",
)


# XML 1.0 has no place for C0 controls other than tab/newline/CR, for surrogates or for U+FFFE/U+FFFF, and
# lxml refuses to write them; anything said or typed in a meeting may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: str) -> str:
    """``text`` as Word can hold it: each character XML cannot carry shown as U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _east_asian(docx: DocxDocument, font: str) -> None:
    for name in _STYLES:
        try:
            style = docx.styles[name]
        except KeyError:
            continue
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), font)
        fonts.set(qn("w:ascii"), font)
        fonts.set(qn("w:hAnsi"), font)


def _spans(paragraph: Paragraph, spans: tuple[Span, ...]) -> None:
    for s in spans:
        run = paragraph.add_run(_x(s.text))
        run.bold = s.bold or None
        if s.href:
            run.font.color.rgb = RGBColor(0x14, 0x46, 0xA0)


def _block(docx: DocxDocument, b: Block) -> None:
    if b.kind == "heading":
        docx.add_heading(_x(b.text), level=3)
    elif b.kind == "item":
        style = "List Number" if b.number else "List Bullet"
        paragraph = docx.add_paragraph(style=style)
        if b.level:
            paragraph.paragraph_format.left_indent = Pt(18 * (b.level + 1))
        _spans(paragraph, b.spans)
    elif b.kind == "table":
        columns = max(len(r) for r in b.rows)
        table = docx.add_table(rows=0, cols=columns)
        table.style = docx.styles["Table Grid"]
        for i, row in enumerate(b.rows):
            cells = table.add_row().cells
            for j, cell in enumerate(row):
                paragraph = cells[j].paragraphs[0]
                _spans(paragraph, tuple(Span(s.text, s.bold or i == 0) for s in cell))
    else:
        paragraph = docx.add_paragraph()
        _spans(paragraph, b.spans)
        if b.kind == "note":
            for run in paragraph.runs:
                run.italic = True


def render_docx(doc: Document, font: str = DOCX_FONT) -> bytes:
    """The DOCX file's bytes."""
    docx = new_docx()
    _east_asian(docx, font)
    docx.core_properties.title = _x(doc.heading)
    docx.core_properties.author = "Gongzhi (共治通)"
    docx.add_heading(_x(doc.heading), level=0)
    docx.add_paragraph(f"{STATUS_LABELS.get(doc.status, doc.status)}（{cn_date(doc.date)}）")
    for section, body in doc.bodies():
        docx.add_heading(_x(section.title), level=1)
        for b in parse(body):
            _block(docx, b)
    docx.add_heading("记录核验", level=1)
    for b in parse("\n".join(f"- {line}" for line in doc.record)):
        _block(docx, b)
    docx.add_heading("附录：会议记录全文", level=1)
    if not doc.transcript:
        docx.add_paragraph("（无字幕记录）")
    for c in doc.transcript:
        paragraph = docx.add_paragraph()
        paragraph.add_run(f"{clock(c.start)}  ").font.color.rgb = RGBColor(0x66, 0x66, 0x66)
        paragraph.add_run(_x(c.speaker)).bold = True
        paragraph.add_run(_x(f"：{c.text}"))
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()
