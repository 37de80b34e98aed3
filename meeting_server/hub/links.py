"""Join links and their QR codes, one per role, signed and bound to a meeting."""

from __future__ import annotations

import io

import segno

from meeting_server.core.roles import CLIENT_ROLES, Role

from .tokens import TokenSigner

# The projector's page: not a role of its own, it opens with the observer's link token (read-only).
HALL_PAGE = "hall"


def page_url(base_url: str, meeting_id: str, page: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/m/{meeting_id}/{page}?t={token}"


def join_url(base_url: str, meeting_id: str, role: Role, token: str) -> str:
    return page_url(base_url, meeting_id, role.value, token)


def make_links(
    signer: TokenSigner, base_url: str, meeting_id: str, expires: float
) -> dict[str, dict[str, str]]:
    """``{role: {"url": join link, "token": link token}}`` for every client role.

    The observer's entry also carries ``hall_url``: the same token opens the hall display, so the
    command line and the admin page show that link without building it themselves.
    """
    out: dict[str, dict[str, str]] = {}
    for role in CLIENT_ROLES:
        token = signer.link(meeting_id, role, expires)
        out[role.value] = {"url": join_url(base_url, meeting_id, role, token), "token": token}
        if role is Role.OBSERVER:
            out[role.value]["hall_url"] = page_url(base_url, meeting_id, HALL_PAGE, token)
    return out


def qr_png(text: str, scale: int = 6) -> bytes:
    """A QR code of ``text`` as PNG bytes (segno writes PNG without Pillow)."""
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()
