"""The HTTP edge's one link check and one error shape.

Every endpoint that a join link opens (pages, downloads, QR codes, the live stream) checks ``?t=`` here,
against the meeting in the path and with the registry's injected clock, so link expiry over HTTP follows
the same clock as the meeting. Refusals are ``{"ok": false, "error": {"code", "message"}}`` with a status.
"""

from __future__ import annotations

from aiohttp import web

from meeting_server.core.errors import DomainError, ErrorCode

from .invites import check_current
from .runtime import MeetingRegistry, MeetingRuntime
from .tokens import LinkClaims, TokenError, TokenSigner


class Refused(Exception):
    """A request the edge will not serve; becomes ``json_error(status, code, message)``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> web.Response:
        return json_error(self.status, self.code, self.message)

    def payload(self) -> dict[str, object]:
        return error_payload(self.code, self.message)


def error_payload(code: str, message: str) -> dict[str, object]:
    return {"ok": False, "error": {"code": code, "message": message}}


def json_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(error_payload(code, message), status=status)


# How a refusal of the rules reads over HTTP: its code as sent, with the status it means.
DOMAIN_STATUS = {
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.DUPLICATE: 409,
    ErrorCode.WRONG_STATE: 409,
}


def refused(error: DomainError) -> Refused:
    """A DomainError as the edge answers it: 400 unless its code says more."""
    return Refused(DOMAIN_STATUS.get(error.code, 400), str(error.code), error.message)


async def open_meeting_link(
    request: web.Request, signer: TokenSigner, registry: MeetingRegistry, *, token: str | None = None
) -> tuple[LinkClaims, MeetingRuntime]:
    """The claims of the request's ``?t=`` link for the meeting in its path, and that meeting.

    ``token`` is the link's token when it travels in the path rather than in ``?t=`` (the livestream).
    Raises ``Refused``: 403 with the token's error code (``no_token`` when there is none), 404 when the
    meeting does not exist.
    """
    return await open_link(
        request.match_info["meeting_id"], token or request.query.get("t"), signer, registry
    )


async def open_link(
    meeting_id: str, token: str | None, signer: TokenSigner, registry: MeetingRegistry
) -> tuple[LinkClaims, MeetingRuntime]:
    """:func:`open_meeting_link` for a meeting id and token already taken from the request."""
    if not token:
        raise Refused(403, "no_token", "a join link token (?t=…) is required")
    try:
        claims = signer.open_link(token, registry.clock(), meeting_id)
    except TokenError as e:
        raise Refused(403, e.code, e.message) from None
    rt = await registry.get(meeting_id)
    if rt is None or rt.state is None:
        raise Refused(404, "not_found", "no such meeting")
    if registry.shared:
        await registry.catch_up(rt)  # a revocation may have been written through another process
    assert rt.state is not None
    try:
        check_current(claims, rt.state)  # revoked or rotated since it was signed
    except TokenError as e:
        raise Refused(403, e.code, e.message) from None
    return claims, rt


def still_open(claims: LinkClaims, rt: MeetingRuntime, now: float) -> bool:
    """Whether a link checked at the start of a long answer (the live audio) may still be served: not
    expired, and not revoked or rotated since (as its sockets are dropped then)."""
    if rt.state is None or claims.expires < now:
        return False
    try:
        check_current(claims, rt.state)
    except TokenError:
        return False
    return True
