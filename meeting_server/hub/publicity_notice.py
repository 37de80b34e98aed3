"""The printable A4 notice (公告) of a resolution's 公示, for the 公告栏: title, resolution text, the vote's
result and rule, the dates, a QR code to the public page and the record's head hash (the meeting log's
head at publication: whoever holds the log can check the notice against it) and, beside the page's code,
the community ledger's stamp (``ledger.stamp``: key, ledger, seq and head, as text and QR code), which
``gongzhi verify --ledger`` / ``--ledger-file`` checks the served ledger against. Same approach and font as
the invitation slips (fpdf2, the minutes' CJK font, ``hub.links.qr_png``); the page URL and the hash are
printed under the code so the notice still works when the code is smudged, and a test can read them."""

from __future__ import annotations

import dataclasses
import io

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from meeting_server.ledger.stamp import Stamp, stamp_qr_png
from summarizer.fonts import find_cjk_font

from .links import qr_png

FAMILY = "cjk"
MARGIN = 18.0
WIDTH = 210.0 - 2 * MARGIN
QR_MM = 48.0
GAP_MM = 12.0  # between the page's code and the ledger stamp's


@dataclasses.dataclass(frozen=True, slots=True)
class Notice:
    meeting_title: str
    title: str
    text: str
    vote: str
    published_at: str
    until: str
    base: int
    percent: int
    url: str
    head_hash: str
    outcome: str = ""
    stamp: Stamp | None = None  # the community ledger's key and head when the notice is printed


def render_notice(n: Notice, font: str = "") -> bytes:
    """The notice's PDF bytes (one A4 page)."""
    face = find_cjk_font(font)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(f"决议公示：{n.title}")
    pdf.set_creator("Gongzhi (共治通)")
    pdf.add_font(FAMILY, "", str(face.path), collection_font_number=face.index)
    pdf.add_page()
    _line(pdf, 26, "决议公示", 14, align="C")
    _line(pdf, 12, n.meeting_title, 7, align="C")
    pdf.ln(4)
    _line(pdf, 17, n.title, 9)
    _line(pdf, 13, n.text, 7)
    pdf.ln(2)
    _line(pdf, 11, "表决结果：" + n.vote, 6)
    _line(pdf, 13, f"公示期：{n.published_at} 至 {n.until}", 7)
    rule = (
        f"受影响居民（表决范围内）共 {n.base} 人。公示期内如有异议，请扫描下方二维码，用社区发给您的"
        f"个人链接提出，或到社区服务台登记（须写明理由）。超过 {n.percent}% 的受影响居民提出异议，"
        "该决议将重新协商。"
    )
    _line(pdf, 12, rule, 6.5)
    if n.outcome:
        _line(pdf, 14, "公示结果：" + n.outcome, 8)
    pdf.ln(3)
    if pdf.get_y() + QR_MM + 40 > pdf.h - pdf.b_margin:
        pdf.add_page()
    y = pdf.get_y()
    if n.stamp is None:
        pdf.image(io.BytesIO(qr_png(n.url, scale=6)), x=(210 - QR_MM) / 2, y=y, w=QR_MM, h=QR_MM)
        pdf.set_y(y + QR_MM + 2)
        _line(pdf, 12, "扫码查看公示、倒计时与异议情况", 6, align="C")
    else:
        left = (210 - 2 * QR_MM - GAP_MM) / 2
        right = left + QR_MM + GAP_MM
        pdf.image(io.BytesIO(qr_png(n.url, scale=6)), x=left, y=y, w=QR_MM, h=QR_MM)
        pdf.image(io.BytesIO(stamp_qr_png(n.stamp, scale=6)), x=right, y=y, w=QR_MM, h=QR_MM)
        pdf.set_font(FAMILY, size=10)
        for x, label in ((left, "扫码查看公示、倒计时与异议情况"), (right, "存证台账（核验用）")):
            pdf.set_xy(x - GAP_MM / 2, y + QR_MM + 1)
            pdf.cell(QR_MM + GAP_MM, 5, label, align="C")
        pdf.set_y(y + QR_MM + 7)
    pdf.set_text_color(90)
    _line(pdf, 8, n.url, 4, align="C")
    _line(pdf, 8, "会议记录哈希（发布时）：" + n.head_hash, 4, align="C")
    if n.stamp is not None:
        for text in n.stamp.lines():
            _line(pdf, 8, text, 4, align="C")
    pdf.set_text_color(0)
    return bytes(pdf.output())


def _line(pdf: FPDF, size: float, text: str, height: float, align: str = "L") -> None:
    pdf.set_font(FAMILY, size=size)
    pdf.set_x(MARGIN)
    pdf.multi_cell(
        WIDTH, height, text, align=align, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
