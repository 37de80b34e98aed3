"""Signed, expiring tokens: join links (meeting + role + generation), personal links (meeting + roster
person + generation; they open the resident's page as that person), sessions (meeting + participant +
role), staff sessions (a street or community account + its epoch, see meeting_server.web.auth), and a
community's topics link (议题征集: anyone holding it submits and supports topics under a typed name and
building, see meeting_server.web.topics_identity), and a supervision group member's execution link
(执行监督: one record, one member, see meeting_server.web.execution_api).

A link's generation is checked against the meeting's record at the edge (``hub.invites``): revoking or
rotating a link moves it on, so the signature alone no longer opens the meeting.

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
    generation: int = 0  # tokens signed before generations existed carry none: the first
    person_id: str | None = None  # a personal link's roster person (its role is always the participant's)

    @property
    def personal(self) -> bool:
        return self.person_id is not None


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


@dataclasses.dataclass(frozen=True)
class TopicsClaims:
    community_id: str
    expires: float
    generation: int = 0  # checked against the community's record (revoked links are refused)


@dataclasses.dataclass(frozen=True)
class ExecutionClaims:
    community_id: str
    record_id: str
    member_id: str
    expires: float
    generation: int = 0  # checked against the record's (a revoked link is refused)


LINKS_KEPT = 4096  # verified link tokens remembered (then forgotten all at once)


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
        # Link tokens whose signature checked out -> their claims: a livestream player presents the same
        # token a few times a second. Expiry (and, at the edge, revocation) is checked on every use.
        self._links: dict[str, LinkClaims] = {}

    def _sign(self, kind: str, body: dict[str, Any]) -> str:
        payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        mac = hmac.new(self._secret, f"{kind}.{payload}".encode(), hashlib.sha256).digest()
        return f"{kind}.{payload}.{_b64(mac)}"

    def _open(self, kind: str, token: Any, now: float) -> dict[str, Any]:
        return self._open_kind((kind,), token, now)[1]

    def _open_kind(self, kinds: tuple[str, ...], token: Any, now: float) -> tuple[str, dict[str, Any]]:
        if not isinstance(token, str) or len(token) > 1024 or token.count(".") != 2:
            raise TokenError("bad_token", "the link is malformed")
        kind, payload, mac = token.split(".")
        if kind not in kinds:
            raise TokenError("bad_token", f"expected a {'/'.join(kinds)} token")
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
        return kind, body

    def link(self, meeting_id: str, role: Role, expires: float, generation: int = 0) -> str:
        body: dict[str, Any] = {"m": meeting_id, "r": role.value, "exp": int(expires)}
        if generation:
            body["g"] = generation
        return self._sign("j", body)

    def personal_link(self, meeting_id: str, person_id: str, generation: int, expires: float) -> str:
        """One roster person's link to one meeting: the resident's page, joined as that person."""
        return self._sign("p", {"m": meeting_id, "u": person_id, "g": generation, "exp": int(expires)})

    def open_link(self, token: Any, now: float, meeting_id: str | None = None) -> LinkClaims:
        """A role link's or a personal link's claims (both open a meeting's pages and its socket)."""
        claims = self._links.get(token) if isinstance(token, str) else None
        if claims is None:
            claims = self._link_claims(token, now)
            if len(self._links) >= LINKS_KEPT:
                self._links.clear()
            self._links[token] = claims
        elif claims.expires < now:
            raise TokenError("expired_token", "the link has expired")
        if meeting_id is not None and claims.meeting_id != meeting_id:
            raise TokenError("wrong_meeting", "the link belongs to another meeting")
        return claims

    def _link_claims(self, token: Any, now: float) -> LinkClaims:
        kind, body = self._open_kind(("j", "p"), token, now)
        generation = body.get("g", 0)
        if isinstance(generation, bool) or not isinstance(generation, int) or generation < 0:
            raise TokenError("bad_token", "the link is malformed")
        if kind == "p":
            person_id = body.get("u")
            if not isinstance(person_id, str) or not person_id:
                raise TokenError("bad_token", "the link is malformed")
            return LinkClaims(str(body["m"]), Role.PARTICIPANT, float(body["exp"]), generation, person_id)
        return LinkClaims(str(body["m"]), _role(body.get("r")), float(body["exp"]), generation)

    def session(self, meeting_id: str, participant_id: str, role: Role, expires: float) -> str:
        return self._sign("s", {"m": meeting_id, "p": participant_id, "r": role.value, "exp": int(expires)})

    def open_session(self, token: Any, now: float, meeting_id: str) -> SessionClaims:
        body = self._open("s", token, now)
        claims = SessionClaims(str(body["m"]), str(body["p"]), _role(body.get("r")), float(body["exp"]))
        if claims.meeting_id != meeting_id:
            raise TokenError("wrong_meeting", "the session belongs to another meeting")
        return claims

    def keyed_digest(self, purpose: str, text: str) -> bytes:
        """An HMAC of ``text`` under the server key, separated by ``purpose`` from every token's MAC (the
        invitation slips' short codes)."""
        return hmac.new(self._secret, f"{purpose}\x00{text}".encode(), hashlib.sha256).digest()

    def staff_session(self, account_id: str, epoch: int, expires: float) -> str:
        return self._sign("a", {"a": account_id, "e": epoch, "exp": int(expires)})

    def open_staff_session(self, token: Any, now: float) -> StaffClaims:
        body = self._open("a", token, now)
        if not isinstance(body.get("a"), str) or not isinstance(body.get("e"), int):
            raise TokenError("bad_token", "the session is malformed")
        return StaffClaims(body["a"], body["e"], float(body["exp"]))

    def topics_link(self, community_id: str, expires: float, generation: int = 0) -> str:
        """A community-wide link to its 议题征集 page (no person: they type their name and building)."""
        return self._sign("t", {"c": community_id, "g": generation, "exp": int(expires)})

    def open_topics_link(self, token: Any, now: float, community_id: str) -> TopicsClaims:
        body = self._open("t", token, now)
        if not isinstance(body.get("c"), str):
            raise TokenError("bad_token", "the link is malformed")
        generation = body.get("g", 0)
        if isinstance(generation, bool) or not isinstance(generation, int) or generation < 0:
            raise TokenError("bad_token", "the link is malformed")
        if body["c"] != community_id:
            raise TokenError("wrong_community", "the link belongs to another community")
        return TopicsClaims(body["c"], float(body["exp"]), generation)

    def execution_link(
        self, community_id: str, record_id: str, member_id: str, generation: int, expires: float
    ) -> str:
        """A supervision group member's link to one execution record (report, stop, restart)."""
        body = {"c": community_id, "r": record_id, "u": member_id, "g": generation, "exp": int(expires)}
        return self._sign("x", body)

    def open_execution_link(
        self, token: Any, now: float, community_id: str, record_id: str
    ) -> ExecutionClaims:
        body = self._open("x", token, now)
        if not all(isinstance(body.get(k), str) and body[k] for k in ("c", "r", "u")):
            raise TokenError("bad_token", "the link is malformed")
        generation = body.get("g", 0)
        if isinstance(generation, bool) or not isinstance(generation, int) or generation < 0:
            raise TokenError("bad_token", "the link is malformed")
        if body["c"] != community_id or body["r"] != record_id:
            raise TokenError("wrong_record", "the link belongs to another execution record")
        return ExecutionClaims(body["c"], body["r"], body["u"], float(body["exp"]), generation)

    def token_kind(self, token: Any) -> str | None:
        """The kind letter a token claims (``j``, ``p``, ``t`` …), before any check; None if malformed."""
        if not isinstance(token, str) or token.count(".") != 2:
            return None
        return token.split(".", 1)[0]


def _role(value: Any) -> Role:
    try:
        role = Role(value)
    except ValueError:
        raise TokenError("bad_token", "the link names an unknown role") from None
    if role not in CLIENT_ROLES:  # the server's own role, a guest's: no link carries them
        raise TokenError("bad_token", "the link names an unknown role")
    return role
