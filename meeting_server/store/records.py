"""The log's envelope around a domain event, and its hash chain.

Each record's hash is SHA-256 over a canonical JSON of the meeting id, sequence number, time, actor, role,
type, payload (or, for a private type, the payload's digest) and the previous record's hash. Changing any
stored byte breaks the chain from there on. The formats and their one verifier:
``meeting_server.ledger.verify``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from meeting_server.ledger.verify import (
    GENESIS_HASH,
    ChainReport,
    Row,
    body_hash,
    body_v1,
    canonical,
    new_body,
    verify_rows,
)

__all__ = [
    "GENESIS_HASH",
    "ChainReport",
    "EventRecord",
    "Row",
    "canonical",
    "make_record",
    "record_hash",
    "verify_rows",
]


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

    def row(self) -> Row:
        """The record as stored: (seq, ts, actor, role, type, payload_json, prev_hash, hash)."""
        return (
            self.seq,
            self.ts,
            self.actor,
            self.role,
            self.type,
            canonical(self.payload),
            self.prev_hash,
            self.hash,
        )


def record_hash(
    meeting_id: str, seq: int, ts: float, actor: str, role: str, type_: str, payload: str, prev_hash: str
) -> str:
    """The v1 hash (every type but the committed ones, and every record written before v2)."""
    return body_hash(body_v1(meeting_id, seq, ts, actor, role, type_, payload, prev_hash))


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
    h = body_hash(new_body(meeting_id, seq, ts, actor, role, type_, canonical(payload), prev_hash))
    return EventRecord(meeting_id, seq, ts, actor, role, type_, payload, prev_hash, h)
