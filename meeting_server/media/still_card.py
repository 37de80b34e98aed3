"""The picture of a livestream without a camera: a still card with the meeting's title, the current speaker,
the clock and the last vote result, rendered with Pillow (re-rendered only when one of them changes)."""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from summarizer.fonts import FontError, find_cjk_font

WIDTH, HEIGHT = 640, 360


@dataclasses.dataclass(frozen=True)
class CardInfo:
    title: str
    speaker: str = ""  # the name on the floor, "" when no one speaks
    result: str = ""  # the last vote result in words, "" before the first vote


_fonts = threading.local()


def card_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The CJK font at ``size``, one per thread: a FreeType face must not be used by two threads at once
    (the card is drawn on the event loop, the camera's bar in each encoder's worker)."""
    cache: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = _fonts.__dict__.setdefault("by_size", {})
    if size not in cache:
        cache[size] = _load_font(size)
    return cache[size]


def _load_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        font = find_cjk_font()
    except FontError:
        return ImageFont.load_default()
    return ImageFont.truetype(str(font.path), size, index=font.index)


def render_card(info: CardInfo, clock_text: str) -> npt.NDArray[np.uint8]:
    """The card as an RGB array (HEIGHT × WIDTH × 3)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (18, 52, 86))
    draw = ImageDraw.Draw(image)
    draw.text((32, 28), info.title[:24], font=card_font(34), fill=(255, 255, 255))
    draw.text(
        (32, 96), "当前发言：" + (info.speaker[:16] or "暂无"), font=card_font(30), fill=(255, 226, 140)
    )
    if info.result:
        draw.text((32, 160), info.result[:30], font=card_font(24), fill=(200, 230, 255))
    draw.text((32, 290), clock_text, font=card_font(30), fill=(220, 220, 220))
    draw.text((WIDTH - 200, 300), "共治通 · 直播", font=card_font(22), fill=(150, 180, 210))
    return np.asarray(image, dtype=np.uint8)


def clock_text(now: float | None = None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() if now is None else now))
