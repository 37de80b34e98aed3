"""The community ledger: a hash chain of anchors, each signed with the server's Ed25519 key.

An anchor fixes one record of a meeting's log — the ``MeetingClosed`` record (the head at the close) and
each ``MinutesPublished`` record (with its ``minutes_hash``) and each ``PublicityDecided`` record (a
resolution's 公示 outcome) — by its seq and hash. The anchors of a
community's meetings form one stream, ``ledger:<community id>`` (``ledger:-`` for meetings without one),
chained like every stream. Each anchor's payload carries an Ed25519 signature over the ledger stream, its
seq, the previous anchor's record hash and the anchor itself: rewriting a meeting's log (every hash
recomputed) no longer matches its anchor; rewriting the ledger too needs the signing key.

Pure: the key is passed in; ``check_anchor`` and ``check_against_meeting`` say what is wrong, or None.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Mapping
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .verify import canonical

LEDGER_KIND: Final = "ledger"
ANCHOR_TYPE: Final = "Anchored"
ANCHOR_ACTOR: Final = "server"
MEETING_CLOSED: Final = "meeting-closed"
MINUTES_PUBLISHED: Final = "minutes-published"
PUBLICITY_DECIDED: Final = "publicity-decided"  # a resolution's 公示 outcome (its record fixes it)
KEY_ROTATED: Final = "key-rotated"
LEDGER_HEAD: Final = "ledger-head"  # in the street ledger: a community ledger's new head
STREET_LEDGER: Final = "ledger:@street"  # "@" is in no community id
_SIGNED_FIELDS: Final = ("kind", "meeting_id", "seq", "record_hash", "minutes_hash", "at", "key")


def ledger_stream(community_id: str | None) -> str:
    """The ledger stream a meeting of ``community_id`` is anchored in."""
    return f"{LEDGER_KIND}:{community_id or '-'}"


def public_key_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


@dataclasses.dataclass(frozen=True, slots=True)
class Anchor:
    kind: str  # MEETING_CLOSED, MINUTES_PUBLISHED, PUBLICITY_DECIDED or LEDGER_HEAD
    meeting_id: str  # the anchored stream: a meeting, or (LEDGER_HEAD) a community ledger
    seq: int  # of the anchored record in that stream
    record_hash: str
    at: float
    minutes_hash: str | None = None  # MINUTES_PUBLISHED only

    def fields(self, key_hex: str) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "meeting_id": self.meeting_id,
            "seq": self.seq,
            "record_hash": self.record_hash,
            "minutes_hash": self.minutes_hash,
            "at": self.at,
            "key": key_hex,
        }


def _message(stream_id: str, seq: int, prev: str, fields: Mapping[str, Any]) -> bytes:
    body = {
        "ledger": stream_id,
        "seq": seq,
        "prev": prev,
        "anchor": {k: fields.get(k) for k in _SIGNED_FIELDS},
    }
    return canonical(body).encode("utf-8")


def signed_payload(
    key: Ed25519PrivateKey, stream_id: str, seq: int, prev: str, anchor: Anchor
) -> dict[str, Any]:
    """The payload of ledger record ``seq`` (after ``prev``) holding ``anchor``, signed with ``key``."""
    fields = anchor.fields(public_key_hex(key.public_key()))
    signature = key.sign(_message(stream_id, seq, prev, fields))
    return {**fields, "sig": base64.b64encode(signature).decode("ascii")}


def check_anchor(
    key: Ed25519PublicKey, stream_id: str, seq: int, prev: str, payload: Mapping[str, Any]
) -> str | None:
    """Why ledger record ``seq`` is not an anchor signed by ``key`` at that place, or None."""
    if payload.get("key") != public_key_hex(key):
        return f"signed with another key ({str(payload.get('key'))[:16]}…)"
    try:
        signature = base64.b64decode(str(payload.get("sig", "")), validate=True)
        key.verify(signature, _message(stream_id, seq, prev, payload))
    except (InvalidSignature, binascii.Error, ValueError):
        return "the signature does not verify"
    return None


def check_against_meeting(
    payload: Mapping[str, Any], record_hashes: Mapping[int, str], minutes: Mapping[int, str]
) -> str | None:
    """Why an anchor does not match the meeting's log as stored, or None. ``record_hashes``: the meeting's
    seq -> hash; ``minutes``: seq -> ``minutes_hash`` of its MinutesPublished records."""
    seq = payload.get("seq")
    what = "ledger" if payload.get("kind") == LEDGER_HEAD else "meeting"
    if not isinstance(seq, int) or seq not in record_hashes:
        return f"{what} {payload.get('meeting_id')} has no event {seq}"
    if record_hashes[seq] != payload.get("record_hash"):
        return f"{what} {payload.get('meeting_id')} event {seq} differs from its anchor"
    if payload.get("kind") == MINUTES_PUBLISHED and minutes.get(seq) != payload.get("minutes_hash"):
        return f"meeting {payload.get('meeting_id')}: the published minutes differ from their anchor"
    return None


def _rotation_message(old_hex: str, new_hex: str, at: float) -> bytes:
    return canonical({"rotated_from": old_hex, "rotated_to": new_hex, "at": at}).encode("utf-8")


def rotation_payload(old: Ed25519PrivateKey, new: Ed25519PrivateKey, at: float) -> dict[str, Any]:
    """The payload of a ``key-rotated`` entry: the old key's signature over "rotated to <new key>" (the
    authority) and the new key's over the same (it is held). Not bound to a place in one ledger, so the
    same certificate opens every ledger stream, also one created after the rotation; the next anchor's
    signature covers this entry's hash like any other."""
    old_hex, new_hex = public_key_hex(old.public_key()), public_key_hex(new.public_key())
    message = _rotation_message(old_hex, new_hex, at)
    return {
        "kind": KEY_ROTATED,
        "key": old_hex,
        "new_key": new_hex,
        "at": at,
        "sig": base64.b64encode(old.sign(message)).decode("ascii"),
        "new_sig": base64.b64encode(new.sign(message)).decode("ascii"),
    }


def check_rotation(
    key: Ed25519PublicKey, stream_id: str, seq: int, prev: str, payload: Mapping[str, Any]
) -> tuple[str | None, Ed25519PublicKey | None]:
    """(why the ``key-rotated`` entry is not a rotation signed by ``key``, None) or (None, the new key)."""
    if payload.get("key") != public_key_hex(key):
        return f"a rotation signed with another key ({str(payload.get('key'))[:16]}…)", None
    try:
        new_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(payload.get("new_key"))))
        message = _rotation_message(public_key_hex(key), public_key_hex(new_key), float(payload["at"]))
        key.verify(base64.b64decode(str(payload.get("sig", "")), validate=True), message)
        new_key.verify(base64.b64decode(str(payload.get("new_sig", "")), validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError, KeyError, TypeError):
        return "the rotation's signatures do not verify", None
    return None, new_key
