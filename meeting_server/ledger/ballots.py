"""Secret ballots as the chain stores them: a keyed voter tag and the sealed (voter, choice).

The pure rules decide a ``BallotCast`` with the choice; before it is written, ``seal`` turns it into a
``SecretBallotCast`` that names neither the voter nor the choice:

- ``voter`` = HMAC-SHA256(key, "voter" | meeting | motion | participant): the same person gives the same
  tag within a motion (anyone can count distinct tags and see no one voted twice), but without the key a
  tag cannot be linked to a person, nor tested against a guess;
- ``sealed`` = AES-256-GCM(key, nonce, plaintext, aad = meeting | motion | voter) with a fresh random
  nonce, the plaintext padded to a fixed size so its length says nothing about the choice.

The record's hash then covers only ciphertext under a random nonce: re-hashing it with every choice
recovers nothing. ``open_sealed`` turns it back (the writer folds choices; an auditor with the key
recounts them). Pure: the key and the nonce are passed in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from meeting_server.core.motion_events import (
    SECRET_BALLOT_ACTOR,
    SECRET_BALLOT_ROLE,
    BallotCast,
    SealedHallCount,
    SecretBallotCast,
    ShowOfHandsRecorded,
)
from meeting_server.core.values import Choice

KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
# Every sealed plaintext is padded to this many bytes: room for two 64-character ids (the voter, and the
# recorder who entered an in-room ballot); see ``_plaintext``.
PLAINTEXT_BYTES: Final = 192
# The envelope of a secret ballot record names no one: these replace the voter's id and role.
SEALED_ACTOR: Final = SECRET_BALLOT_ACTOR
SEALED_ROLE: Final = SECRET_BALLOT_ROLE
_VERSION: Final = "v1"


class SealError(Exception):
    """A sealed ballot that this key cannot open (a wrong key, or a changed record)."""


def _field(*parts: str) -> bytes:
    # Length-prefixed, so ("ab", "c") and ("a", "bc") never give the same bytes.
    return b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)


def voter_tag(key: bytes, meeting_id: str, motion_id: str, participant_id: str) -> str:
    """The voter's tag in one motion: stable for the same person, unlinkable without ``key``."""
    mac = hmac.new(key, _field("voter", meeting_id, motion_id, participant_id), hashlib.sha256)
    return mac.hexdigest()


def _aad(meeting_id: str, motion_id: str, voter: str) -> bytes:
    return _field(_VERSION, meeting_id, motion_id, voter)


def _plaintext(participant_id: str, choice: Choice, entered_by: str | None) -> bytes:
    fields = {"c": choice.value, "p": participant_id}
    if entered_by is not None:  # the recorder who entered an in-room ballot: sealed with it, never shown
        fields["e"] = entered_by
    body = json.dumps(fields, separators=(",", ":")).encode()
    if len(body) > PLAINTEXT_BYTES:
        raise ValueError(f"participant id too long to seal: {participant_id[:40]!r}")
    return body + b" " * (PLAINTEXT_BYTES - len(body))  # JSON ignores the trailing blanks


def _box(key: bytes, nonce: bytes, plain: bytes, aad: bytes) -> str:
    """``plain`` sealed as the chain stores it: ``<version>:base64(nonce + AES-GCM box)``."""
    if len(nonce) != NONCE_BYTES:
        raise ValueError("nonce must be 12 bytes")
    return _VERSION + ":" + base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plain, aad)).decode("ascii")


def _unbox(key: bytes, sealed: str, aad: bytes, what: str) -> bytes:
    """What ``_box`` sealed; ``SealError`` naming ``what`` if this key did not seal it (or it changed)."""
    version, _, data = sealed.partition(":")
    if version != _VERSION:
        raise SealError(f"{what}: unknown seal version {version[:10]!r}")
    try:
        raw = base64.b64decode(data, validate=True)
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError) as e:
        raise SealError(f"{what} does not open with this key") from e


def seal(key: bytes, meeting_id: str, ballot: BallotCast, nonce: bytes) -> SecretBallotCast:
    """``ballot`` as the chain stores it; ``nonce``: NONCE_BYTES fresh random bytes, never reused."""
    voter = voter_tag(key, meeting_id, ballot.motion_id, ballot.participant_id)
    plain = _plaintext(ballot.participant_id, ballot.choice, ballot.entered_by)
    sealed = _box(key, nonce, plain, _aad(meeting_id, ballot.motion_id, voter))
    return SecretBallotCast(ballot.motion_id, voter, sealed, ballot.at)


def open_sealed(key: bytes, meeting_id: str, ballot: SecretBallotCast) -> BallotCast:
    """The ballot a ``SecretBallotCast`` holds; ``SealError`` if this key did not seal it (or it changed)."""
    aad = _aad(meeting_id, ballot.motion_id, ballot.voter)
    plain = _unbox(key, ballot.sealed, aad, f"a sealed ballot of motion {ballot.motion_id}")
    body = json.loads(plain)
    entered_by = body.get("e")
    opened = BallotCast(
        ballot.motion_id,
        str(body["p"]),
        Choice(body["c"]),
        ballot.at,
        str(entered_by) if entered_by is not None else None,
    )
    if voter_tag(key, meeting_id, opened.motion_id, opened.participant_id) != ballot.voter:
        raise SealError(f"a sealed ballot of motion {ballot.motion_id} does not match its voter tag")
    return opened


# A secret vote's hall count is sealed the same way (``SealedHallCount``): the number of its ballots is
# public, the choices are padded to this many bytes and encrypted, bound to the meeting, the motion and
# that number.
COUNT_PLAINTEXT_BYTES: Final = 64


def _count_aad(meeting_id: str, motion_id: str, ballots: int) -> bytes:
    return _field(_VERSION, "hall", meeting_id, motion_id, str(ballots))


def seal_count(key: bytes, meeting_id: str, count: ShowOfHandsRecorded, nonce: bytes) -> SealedHallCount:
    """A secret vote's hall count as the chain stores it; ``nonce``: NONCE_BYTES fresh random bytes."""
    ballots = count.yes + count.no + count.abstain
    body = json.dumps({"y": count.yes, "n": count.no, "a": count.abstain}, separators=(",", ":")).encode()
    plain = body + b" " * (COUNT_PLAINTEXT_BYTES - len(body))
    sealed = _box(key, nonce, plain, _count_aad(meeting_id, count.motion_id, ballots))
    return SealedHallCount(count.motion_id, ballots, sealed, count.by, count.at)


def open_count(key: bytes, meeting_id: str, count: SealedHallCount) -> ShowOfHandsRecorded:
    """The hall count a ``SealedHallCount`` holds; ``SealError`` if this key did not seal it (or it
    changed)."""
    what = f"the hall count of motion {count.motion_id}"
    plain = _unbox(key, count.sealed, _count_aad(meeting_id, count.motion_id, count.ballots), what)
    try:
        body = json.loads(plain)
        yes, no, abstain = (int(body[k]) for k in ("y", "n", "a"))
    except (ValueError, KeyError, TypeError) as e:
        raise SealError(f"{what} does not open with this key") from e
    return ShowOfHandsRecorded(count.motion_id, yes, no, abstain, count.by, count.at)
