"""Finding a font with Chinese glyphs for the PDF (and naming one for the DOCX).

Order: a configured file (``path`` or ``path:index`` for a collection), then fontconfig (``fc-match``) for
Noto Sans CJK SC / any font covering zh-cn, then the usual Debian paths of ``fonts-noto-cjk`` and
``fonts-wqy-zenhei``. ``scripts/bootstrap`` installs ``fonts-noto-cjk``.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import subprocess
from pathlib import Path

DOCX_FONT = "Noto Sans CJK SC"  # the name Word/LibreOffice look up; the fallback is their own CJK font

_KNOWN: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # index 2 = Noto Sans CJK SC
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)
_BOLD = {
    "NotoSansCJK-Regular.ttc": "NotoSansCJK-Bold.ttc",
    "NotoSerifCJK-Regular.ttc": "NotoSerifCJK-Bold.ttc",
}


class FontError(Exception):
    """No font with Chinese glyphs was found."""


@dataclasses.dataclass(frozen=True, slots=True)
class FontFile:
    path: Path
    index: int = 0  # face number inside a .ttc collection

    @property
    def bold(self) -> FontFile | None:
        """The bold face of the same family, if installed next to it."""
        name = _BOLD.get(self.path.name)
        candidate = self.path.with_name(name) if name else None
        return FontFile(candidate, self.index) if candidate is not None and candidate.exists() else None


def _parse(spec: str) -> FontFile:
    path, sep, index = spec.rpartition(":")
    if sep and index.isdigit() and path:
        return FontFile(Path(path).expanduser(), int(index))
    return FontFile(Path(spec).expanduser(), 0)


def _fc_match(pattern: str) -> FontFile | None:
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "-f", "%{file}:%{index}", pattern], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    if not out:
        return None
    found = _parse(out)
    # fontconfig answers with *some* font even when none covers Chinese; only CJK families are taken.
    if found.path.suffix.lower() not in (".ttc", ".otf", ".ttf") or not found.path.exists():
        return None
    if not any(k in found.path.name.lower() for k in ("cjk", "wqy", "han", "hei", "song", "kai", "ming")):
        return None
    return found


@functools.lru_cache(maxsize=8)
def find_cjk_font(configured: str = "") -> FontFile:
    """The font file to embed for Chinese text; FontError naming what to install if there is none."""
    if configured:
        font = _parse(configured)
        if not font.path.exists():
            raise FontError(f"minutes font {configured!r} does not exist")
        return font
    for pattern in ("Noto Sans CJK SC", "sans-serif:lang=zh-cn"):
        found = _fc_match(pattern)
        if found is not None:
            return found
    for path, index in _KNOWN:
        if Path(path).exists():
            return FontFile(Path(path), index)
    raise FontError("no Chinese font found: install fonts-noto-cjk (apt) or set [minutes] font")
