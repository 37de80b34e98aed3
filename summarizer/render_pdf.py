"""The minutes as PDF (fpdf2), with a CJK font embedded (subset) so the Chinese text shows and can be
searched and copied. Transcript times in the sections are links to the transcript lines in the appendix.
With a ledger ``Stamp``, the record section ends with the ledger's public key and head, as text and as a
QR code of ``Stamp.qr_text()``."""

from __future__ import annotations

import io

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from meeting_server.ledger.stamp import Stamp, stamp_qr_png

from .blocks import Block, Span, parse
from .document import STATUS_LABELS, Document
from .fmt import clock, cn_date
from .fonts import FontFile, find_cjk_font

FAMILY = "cjk"
QR_MM = 34.0
BODY = 10.5
LINE = 6.0


class _Pdf(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.doc_title = title
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(18, 16, 18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(120)
        self.cell(0, 6, f"{self.doc_title}  ·  第 {self.page_no()} 页", align="C")
        self.set_text_color(0)


def _setup(doc: Document, font: FontFile) -> tuple[_Pdf, bool]:
    pdf = _Pdf(doc.heading)
    pdf.set_title(doc.heading)
    pdf.set_creator("Gongzhi (共治通)")
    pdf.add_font(FAMILY, "", str(font.path), collection_font_number=font.index)
    bold = font.bold
    if bold is not None:
        pdf.add_font(FAMILY, "B", str(bold.path), collection_font_number=bold.index)
    return pdf, bold is not None


def _stamp(pdf: _Pdf, stamp: Stamp) -> None:
    """The ledger stamp: its QR code at the left, the lines (full hex, wrapped anywhere) beside it."""
    if pdf.get_y() + QR_MM > pdf.h - pdf.b_margin:
        pdf.add_page()
    top, left = pdf.get_y() + 1, pdf.l_margin
    pdf.image(io.BytesIO(stamp_qr_png(stamp)), x=left, y=top, w=QR_MM, h=QR_MM)
    pdf.set_font(FAMILY, "", BODY - 2)
    pdf.set_xy(left + QR_MM + 3, top + 2)
    for line in stamp.lines():
        pdf.multi_cell(0, 4.6, line, wrapmode=WrapMode.CHAR, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(left, max(pdf.get_y(), top + QR_MM) + 2)


def render_pdf(doc: Document, font: str = "", stamp: Stamp | None = None) -> bytes:
    """The PDF file's bytes. ``font``: a font file (``path`` or ``path:index``); default: fc-match's;
    ``stamp``: the ledger's key and head to print in the record section."""
    pdf, has_bold = _setup(doc, find_cjk_font(font))
    pdf.add_page()
    # Targets are placed when the appendix is written; until then they point at the first page.
    links = {f"#c-{c.seq}": pdf.add_link(page=1) for c in doc.transcript}

    def style(bold: bool) -> str:
        return "B" if bold and has_bold else ""

    def write(spans: tuple[Span, ...], size: float = BODY) -> None:
        for s in spans:
            pdf.set_font(FAMILY, style(s.bold), size)
            link = links.get(s.href or "")
            if link is not None:
                pdf.set_text_color(20, 70, 160)
                pdf.write(LINE, s.text, link=link, wrapmode=WrapMode.CHAR)
                pdf.set_text_color(0)
            else:
                pdf.write(LINE, s.text, wrapmode=WrapMode.CHAR)
        pdf.ln(LINE)

    def heading(text: str, size: float) -> None:
        pdf.set_font(FAMILY, style(True), size)
        pdf.ln(2)
        pdf.multi_cell(0, size * 0.6, text, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    def block(b: Block) -> None:
        if b.kind == "heading":
            heading(b.text, 12.5)
        elif b.kind == "item":
            left = pdf.l_margin
            indent = 5.0 * (b.level + 1)
            pdf.set_left_margin(left + indent)
            pdf.set_x(left + indent - 4)
            pdf.set_font(FAMILY, "", BODY)
            pdf.write(LINE, f"{b.number}." if b.number else "•")
            pdf.set_x(left + indent + (2 if b.number else 0))
            write(b.spans)
            pdf.set_left_margin(left)
        elif b.kind == "table":
            pdf.set_font(FAMILY, "", BODY - 1)
            with pdf.table(line_height=LINE, text_align="LEFT", first_row_as_headings=has_bold) as table:
                for row in b.rows:
                    cells = table.row()
                    for cell in row:
                        cells.cell("".join(s.text for s in cell))
            pdf.ln(2)
        else:
            if b.kind == "note":
                pdf.set_text_color(90)
            write(b.spans)
            pdf.set_text_color(0)

    heading(doc.heading, 17)
    pdf.set_font(FAMILY, "", BODY)
    pdf.set_text_color(90)
    pdf.multi_cell(0, LINE, f"{STATUS_LABELS.get(doc.status, doc.status)}（{cn_date(doc.date)}）")
    pdf.set_text_color(0)
    for section, body in doc.bodies():
        heading(section.title, 14)
        for b in parse(body):
            block(b)
    heading("记录核验", 14)
    for b in parse("\n".join(f"- {line}" for line in doc.record)):
        block(b)
    if stamp is not None:
        _stamp(pdf, stamp)
    heading("附录：会议记录全文", 14)
    if not doc.transcript:
        write((Span("（无字幕记录）"),))
    for c in doc.transcript:
        pdf.set_link(links[f"#c-{c.seq}"], y=pdf.get_y())
        write((Span(f"{clock(c.start)}  "), Span(c.speaker, bold=True), Span(f"：{c.text}")), size=BODY - 0.5)
    return bytes(pdf.output())
