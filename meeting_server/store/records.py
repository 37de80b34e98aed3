"""The log's envelope around a domain event, and its hash chain.

Each record's hash is SHA-256 over a canonical JSON of the meeting id, sequence number, time, actor, role,
type, payload and the previous record's hash. Changing any stored byte breaks the chain from there on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from typing import Any

GENESIS_HASH = "0" * 64


@dataclasses.dataclass(frozen=True, slots=True)
class EventRecord:
    meeting_id: str
    seq: int
    ts: float
    actor: str
    role: str
    type: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def wire(self) -> dict[str, Any]:
        """The record as sent to clients (the meeting id is implied by the connection)."""
        return {
            "seq": self.seq,
            "ts": self.ts,
            "actor": self.actor,
            "type": self.type,
            "payload": self.payload,
            "hash": self.hash,
        }


def canonical(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record_hash(
    meeting_id: str, seq: int, ts: float, actor: str, role: str, type_: str, payload: str, prev_hash: str
) -> str:
    body = canonical(
        {
            "meeting_id": meeting_id,
            "seq": seq,
            "ts": repr(float(ts)),
            "actor": actor,
            "role": role,
            "type": type_,
            "payload": payload,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def make_record(
    meeting_id: str,
    seq: int,
    ts: float,
    actor: str,
    role: str,
    type_: str,
    payload: dict[str, Any],
    prev_hash: str,
) -> EventRecord:
    h = record_hash(meeting_id, seq, ts, actor, role, type_, canonical(payload), prev_hash)
    return EventRecord(meeting_id, seq, ts, actor, role, type_, payload, prev_hash, h)


@dataclasses.dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    head_hash: str
    broken_at: int | None = None
    reason: str = ""


def verify_rows(
    meeting_id: str, rows: Iterable[tuple[int, float, str, str, str, str, str, str]]
) -> ChainReport:
    """Check a meeting's chain from stored rows (seq, ts, actor, role, type, payload_json, prev, hash)."""
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for seq, ts, actor, role, type_, payload, prev_hash, h in rows:
        if seq != expected_seq:
            return ChainReport(False, count, prev, seq, f"sequence gap: expected {expected_seq}, found {seq}")
        if prev_hash != prev:
            return ChainReport(False, count, prev, seq, "previous-hash link does not match")
        if record_hash(meeting_id, seq, ts, actor, role, type_, payload, prev_hash) != h:
            return ChainReport(False, count, prev, seq, "record content does not match its hash")
        prev = h
        expected_seq += 1
        count += 1
    return ChainReport(True, count, prev)
