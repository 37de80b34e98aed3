"""Invitation slips as an A4 PDF (fpdf2, the minutes' CJK font): eight to a page, with cut lines, for
楼栋长 to hand to residents who do not read links — each with the person's name and household, the
meeting, its time and place, the QR code of their personal link, their short code for the door, and one
line of instructions in large type. The link itself is printed small under the code, so a slip still
works when the QR code is smudged (and a test can read it back)."""

from __future__ import annotations

import dataclasses
import io

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from meeting_server.hub.links import qr_png
from summarizer.fonts import find_cjk_font

FAMILY = "cjk"
COLUMNS, ROWS = 2, 4
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 8.0
SLIP_W = (PAGE_W - 2 * MARGIN) / COLUMNS
SLIP_H = (PAGE_H - 2 * MARGIN) / ROWS
PAD = 4.0
QR_MM = 34.0
INSTRUCTIONS = "用手机扫描二维码即可进入会议，无需输入姓名。到会场请报签到码。"


@dataclasses.dataclass(frozen=True, slots=True)
class Slip:
    name: str
    household: str
    meeting_title: str
    when: str
    place: str
    url: str
    code: str


def render_slips(slips: list[Slip], title: str, font: str = "") -> bytes:
    """The PDF's bytes; an empty list gives one page saying so."""
    face = find_cjk_font(font)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(title)
    pdf.set_creator("Gongzhi (共治通)")
    pdf.add_font(FAMILY, "", str(face.path), collection_font_number=face.index)
    if not slips:
        pdf.add_page()
        pdf.set_font(FAMILY, size=14)
        pdf.cell(0, 10, "名册中没有居民，没有邀请单可打印。")
    per_page = COLUMNS * ROWS
    for i, slip in enumerate(slips):
        if i % per_page == 0:
            pdf.add_page()
            _cut_lines(pdf)
        cell = i % per_page
        _slip(pdf, slip, MARGIN + (cell % COLUMNS) * SLIP_W, MARGIN + (cell // COLUMNS) * SLIP_H)
    return bytes(pdf.output())


def _cut_lines(pdf: FPDF) -> None:
    pdf.set_draw_color(150)
    pdf.set_line_width(0.2)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=2, gap=1.5)
        for c in range(COLUMNS + 1):
            x = MARGIN + c * SLIP_W
            pdf.line(x, MARGIN, x, PAGE_H - MARGIN)
        for r in range(ROWS + 1):
            y = MARGIN + r * SLIP_H
            pdf.line(MARGIN, y, PAGE_W - MARGIN, y)
    pdf.set_draw_color(0)


def _text(
    pdf: FPDF, x: float, y: float, w: float, size: float, text: str, line: float | None = None
) -> float:
    """Write ``text`` wrapped in a box ``w`` wide at (x, y); returns the y below it."""
    pdf.set_font(FAMILY, size=size)
    pdf.set_xy(x, y)
    pdf.multi_cell(w, line or size * 0.45, text, wrapmode=WrapMode.CHAR, new_x=XPos.LEFT, new_y=YPos.NEXT)
    return pdf.get_y()


def _slip(pdf: FPDF, slip: Slip, x: float, y: float) -> None:
    left, top = x + PAD, y + PAD
    text_w = SLIP_W - 2 * PAD - QR_MM - 2
    qr_x = x + SLIP_W - PAD - QR_MM
    pdf.image(io.BytesIO(qr_png(slip.url, scale=4)), x=qr_x, y=top, w=QR_MM, h=QR_MM)
    below = _text(pdf, left, top, text_w, 17, slip.name, 8)
    below = _text(pdf, left, below + 0.5, text_w, 10.5, slip.household or "", 5)
    below = _text(pdf, left, below + 1.5, text_w, 10, slip.meeting_title, 4.8)
    below = _text(pdf, left, below + 0.5, text_w, 9.5, f"时间：{slip.when}", 4.5)
    _text(pdf, left, below + 0.5, text_w, 9.5, f"地点：{slip.place}", 4.5)
    code_y = top + QR_MM + 1
    _text(pdf, qr_x - 6, code_y, QR_MM + 6, 12, f"签到码 {slip.code}", 6)
    instructions_y = y + SLIP_H - PAD - 16
    _text(pdf, left, instructions_y, SLIP_W - 2 * PAD, 12.5, INSTRUCTIONS, 6)
    pdf.set_text_color(110)
    _text(pdf, left, y + SLIP_H - PAD - 3.6, SLIP_W - 2 * PAD, 4.2, slip.url, 1.8)
    pdf.set_text_color(0)
