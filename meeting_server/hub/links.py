"""Join links and their QR codes, one per role, signed and bound to a meeting."""

from __future__ import annotations

import io
from collections.abc import Callable

import segno

from meeting_server.core.roles import CLIENT_ROLES, Role

from .tokens import TokenSigner

# Pages of devices that open with another role's link token: the hall audio station with the recorder's
# (it sends the hall microphone). The projector has a role and link of its own (``Role.HALL``): the public
# observer link is shared widely, and flooding it must not stall the screen in the hall.
DEVICE_PAGES: dict[str, Role] = {"station": Role.RECORDER}


def page_url(base_url: str, meeting_id: str, page: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/m/{meeting_id}/{page}?t={token}"


def join_url(base_url: str, meeting_id: str, role: Role, token: str) -> str:
    return page_url(base_url, meeting_id, role.value, token)


def make_links(
    signer: TokenSigner,
    base_url: str,
    meeting_id: str,
    expires: float,
    generation: Callable[[Role], int] = lambda role: 0,
) -> dict[str, dict[str, str]]:
    """``{role: {"url": join link, "token": link token}}`` for every client role.

    A role whose token also opens a device page carries ``<page>_url`` (the recorder's ``station_url``), so
    the command line and the admin page show those links without building them themselves. The observer's
    entry keeps ``hall_url``, where the projector's link was given before it had a role of its own: it is
    the hall link's URL, not the observer token's.
    ``generation`` is each role link's current one (rotated links, ``hub.invites``).
    """
    out: dict[str, dict[str, str]] = {}
    for role in CLIENT_ROLES:
        token = signer.link(meeting_id, role, expires, generation(role))
        out[role.value] = {"url": join_url(base_url, meeting_id, role, token), "token": token}
        for page, opener in DEVICE_PAGES.items():
            if opener is role:
                out[role.value][f"{page}_url"] = page_url(base_url, meeting_id, page, token)
    if Role.HALL.value in out and Role.OBSERVER.value in out:
        # Where the projector's link used to be given (``links.observer.hall_url``): now the hall's own.
        out[Role.OBSERVER.value]["hall_url"] = out[Role.HALL.value]["url"]
    return out


def qr_png(text: str, scale: int = 6) -> bytes:
    """A QR code of ``text`` as PNG bytes (segno writes PNG without Pillow)."""
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()
