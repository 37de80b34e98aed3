"""What a printed page carries of the ledger: the public key, the ledger, its newest entry and head.

A minutes PDF (``summarizer.render_pdf``) and a 公示 notice print a ``Stamp`` as text and as a QR code
of ``Stamp.qr_text()`` (compact canonical JSON). Whoever keeps the paper can later run ``gongzhi verify
--ledger-file`` on the served ledger with the printed key: a rewritten ledger no longer passes through the
printed head (``Stamp.seq`` must hold ``Stamp.head``), and a rewrite that drops the key no longer verifies.
"""

from __future__ import annotations

import dataclasses

from meeting_server.hub.links import qr_png

from .verify import canonical


@dataclasses.dataclass(frozen=True, slots=True)
class Stamp:
    public_key_hex: str
    ledger_id: str  # the ledger stream, e.g. ``ledger:c1``
    seq: int  # of its newest entry (0: the ledger is still empty)
    head: str  # that entry's hash

    def qr_text(self) -> str:
        """The QR payload: ``{"head","key","ledger","seq"}`` as canonical JSON."""
        return canonical(
            {"key": self.public_key_hex, "ledger": self.ledger_id, "seq": self.seq, "head": self.head}
        )

    def lines(self) -> tuple[str, ...]:
        """The stamp as printed text (Chinese labels, full hex values to copy)."""
        return (
            f"存证台账 {self.ledger_id} · 第 {self.seq} 条",
            f"台账末条哈希 {self.head}",
            f"签名公钥 {self.public_key_hex}",
            f"核验：gongzhi verify --ledger-file <台账文件> --public-key {self.public_key_hex}",
        )


def stamp_qr_png(stamp: Stamp, scale: int = 4) -> bytes:
    """The stamp's QR code as PNG bytes (``hub.links.qr_png``: error level M, a 2-module border)."""
    return qr_png(stamp.qr_text(), scale=scale)
