"""Signed, expiring tokens: join links (meeting + role), sessions (meeting + participant + role), and
staff sessions (a street or community account + its epoch, see meeting_server.web.auth).

Format ``<kind>.<base64url(json)>.<base64url(hmac-sha256)>``. Verification is constant-time and every failure
has a named reason that the hub sends back to the client at connect.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
from typing import Any

from meeting_server.core.roles import CLIENT_ROLES, Role


class TokenError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclasses.dataclass(frozen=True)
class LinkClaims:
    meeting_id: str
    role: Role
    expires: float


@dataclasses.dataclass(frozen=True)
class SessionClaims:
    meeting_id: str
    participant_id: str
    role: Role
    expires: float


@dataclasses.dataclass(frozen=True)
class StaffClaims:
    account_id: str
    epoch: int  # the account's epoch when signed: a later disable or new password ends the session
    expires: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Signs and verifies tokens with one secret key."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("secret key too short")
        self._secret = secret

    def _sign(self, kind: str, body: dict[str, Any]) -> str:
        payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        mac = hmac.new(self._secret, f"{kind}.{payload}".encode(), hashlib.sha256).digest()
        return f"{kind}.{payload}.{_b64(mac)}"

    def _open(self, kind: str, token: Any, now: float) -> dict[str, Any]:
        if not isinstance(token, str) or len(token) > 1024 or token.count(".") != 2:
            raise TokenError("bad_token", "the link is malformed")
        got_kind, payload, mac = token.split(".")
        if got_kind != kind:
            raise TokenError("bad_token", f"expected a {kind} token")
        want = hmac.new(self._secret, f"{kind}.{payload}".encode(), hashlib.sha256).digest()
        try:
            ok = hmac.compare_digest(want, _unb64(mac))
            body = json.loads(_unb64(payload)) if ok else None
        except (ValueError, UnicodeDecodeError):
            raise TokenError("bad_token", "the link is malformed") from None
        if not ok or not isinstance(body, dict):
            raise TokenError("forged_token", "the link's signature is not valid")
        if not isinstance(body.get("exp"), int | float) or body["exp"] < now:
            raise TokenError("expired_token", "the link has expired")
        return body

    def link(self, meeting_id: str, role: Role, expires: float) -> str:
        return self._sign("j", {"m": meeting_id, "r": role.value, "exp": int(expires)})

    def open_link(self, token: Any, now: float, meeting_id: str | None = None) -> LinkClaims:
        body = self._open("j", token, now)
        claims = LinkClaims(str(body["m"]), _role(body.get("r")), float(body["exp"]))
        if meeting_id is not None and claims.meeting_id != meeting_id:
            raise TokenError("wrong_meeting", "the link belongs to another meeting")
        return claims

    def session(self, meeting_id: str, participant_id: str, role: Role, expires: float) -> str:
        return self._sign("s", {"m": meeting_id, "p": participant_id, "r": role.value, "exp": int(expires)})

    def open_session(self, token: Any, now: float, meeting_id: str) -> SessionClaims:
        body = self._open("s", token, now)
        claims = SessionClaims(str(body["m"]), str(body["p"]), _role(body.get("r")), float(body["exp"]))
        if claims.meeting_id != meeting_id:
            raise TokenError("wrong_meeting", "the session belongs to another meeting")
        return claims

    def staff_session(self, account_id: str, epoch: int, expires: float) -> str:
        return self._sign("a", {"a": account_id, "e": epoch, "exp": int(expires)})

    def open_staff_session(self, token: Any, now: float) -> StaffClaims:
        body = self._open("a", token, now)
        if not isinstance(body.get("a"), str) or not isinstance(body.get("e"), int):
            raise TokenError("bad_token", "the session is malformed")
        return StaffClaims(body["a"], body["e"], float(body["exp"]))


def _role(value: Any) -> Role:
    try:
        role = Role(value)
    except ValueError:
        raise TokenError("bad_token", "the link names an unknown role") from None
    if role not in CLIENT_ROLES:  # the server's own role, a guest's: no link carries them
        raise TokenError("bad_token", "the link names an unknown role")
    return role
