"""Charts of the dashboards as server-rendered SVG: no script, no CDN, painted with the page's first bytes.

Each function takes plain labels and numbers and returns escaped markup (labels are staff-typed titles).
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR = "#0b4fa3"
ALT = "#0a6b2b"
MUTED = "#bbb"


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, int) or float(value).is_integer() else f"{value:.1f}"


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float | None]],
    unit: str = "",
    width: int = 640,
    max_value: float | None = None,
) -> Markup:
    """Horizontal bars, one a row (label, bar, value); a None value is drawn as "—" with no bar."""
    row_h, label_w, value_w = 26, 150, 70
    height = 30 + row_h * max(1, len(bars))
    top = max_value if max_value is not None else max((v or 0 for _, v in bars), default=0) or 1
    plot_w = width - label_w - value_w
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="18" font-size="15" font-weight="700">{escape(title)}</text>',
    ]
    if not bars:
        parts.append('<text x="0" y="48" font-size="13" fill="#444">暂无数据</text>')
    for i, (label, value) in enumerate(bars):
        y = 30 + i * row_h
        w = 0.0 if value is None else max(0.0, plot_w * value / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 17}" font-size="13" text-anchor="end">'
            f"{escape(label[:12])}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{BAR}"><title>'
            f"{escape(label)}：{_num(value)}{escape(unit)}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 17}" font-size="13">{_num(value)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(
    title: str, columns: Sequence[tuple[str, float]], unit: str = "", width: int = 640
) -> Markup:
    """Vertical columns over time (one per month), labels under them."""
    height, base, top_pad = 220, 190, 40
    n = max(1, len(columns))
    slot = (width - 20) / n
    top = max((v for _, v in columns), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="18" font-size="15" font-weight="700">{escape(title)}</text>',
        f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{MUTED}"/>',
    ]
    if not columns:
        parts.append('<text x="10" y="100" font-size="13" fill="#444">暂无数据</text>')
    for i, (label, value) in enumerate(columns):
        h = (base - top_pad) * value / top
        x = 10 + i * slot
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{ALT}"><title>{escape(label)}：{_num(value)}{escape(unit)}</title></rect>'
            f'<text x="{x + slot / 2:.1f}" y="{base - h - 4:.1f}" font-size="11" text-anchor="middle">'
            f"{_num(value)}</text>"
            f'<text x="{x + slot / 2:.1f}" y="{base + 16}" font-size="11" text-anchor="middle">'
            f"{escape(label[2:] if len(label) == 7 else label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def split_bar(title: str, parts_in: Sequence[tuple[str, float]], width: int = 640) -> Markup:
    """One bar split into shares (online vs in the hall), each labelled with its count and share."""
    total = sum(v for _, v in parts_in)
    colors = (BAR, ALT, "#a35a00", MUTED)
    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} 80" width="100%" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="18" font-size="15" font-weight="700">{escape(title)}</text>',
    ]
    x = 0.0
    for i, (label, value) in enumerate(parts_in):
        w = width * value / total if total else 0.0
        share = f"{100 * value / total:.0f}%" if total else "—"
        out.append(
            f'<rect x="{x:.1f}" y="28" width="{w:.1f}" height="22" fill="{colors[i % len(colors)]}"/>'
            f'<text x="{(width / len(parts_in)) * i}" y="70" font-size="13" fill="{colors[i % len(colors)]}">'
            f"■ {escape(label)} {_num(value)}（{share}）</text>"
        )
        x += w
    out.append("</svg>")
    return Markup("".join(out))
