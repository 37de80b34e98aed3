"""A ledger as served (``GET /api/ledger/<community>.jsonl``) checked offline with nothing but its public key.

The file is a ``log.jsonl`` of the ledger stream (``verify.verify_text`` checks its chain); each entry's
payload is an anchor signed with the key in force at that place (``anchors.check_anchor``). The key in
force starts as the public key the checker brings (printed on every minutes PDF) and changes only at a
``key-rotated`` entry that the key in force signed (``anchors.check_rotation``). Pure: json and the
signature checks only.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .anchors import KEY_ROTATED, check_anchor, check_rotation
from .verify import verify_text


@dataclasses.dataclass(frozen=True)
class SignedReport:
    """Every entry's signature, followed along the rotations from the first key."""

    problems: tuple[str, ...]
    key_hex: str  # the key in force after the last entry
    rotations: int
    bad: frozenset[int]  # seqs of the entries whose signature fails


def check_signatures(
    first_key: Ed25519PublicKey, stream: str, entries: Iterable[tuple[int, str, Mapping[str, Any]]]
) -> SignedReport:
    """``entries``: (seq, prev hash, payload) of a ledger stream in order."""
    key = first_key
    problems: list[str] = []
    bad: set[int] = set()
    rotations = 0
    for seq, prev, payload in entries:
        if payload.get("kind") == KEY_ROTATED:
            why, new_key = check_rotation(key, stream, seq, prev, payload)
            if new_key is not None:
                key, rotations = new_key, rotations + 1
        else:
            why = check_anchor(key, stream, seq, prev, payload)
        if why is not None:
            problems.append(f"ledger entry {seq}: {why}")
            bad.add(seq)
    return SignedReport(tuple(problems), key.public_bytes_raw().hex(), rotations, frozenset(bad))


@dataclasses.dataclass(frozen=True)
class LedgerFileReport:
    stream: str
    count: int
    head_hash: str
    problems: tuple[str, ...]
    key_hex: str
    rotations: int

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_ledger_text(text: str, first_key: Ed25519PublicKey) -> LedgerFileReport:
    """The chain of a served ledger file and every signature in it, from ``first_key`` on."""
    chain = verify_text(text)
    problems: list[str] = []
    if not chain.ok:
        problems.append(f"ledger entry {chain.broken_at}: {chain.reason}")
    lines = [json.loads(raw) for raw in text.split("\n") if raw.strip()][: chain.count]
    stream = str(lines[0]["meeting_id"]) if lines else ""
    entries: list[tuple[int, str, Mapping[str, Any]]] = []
    for line in lines:
        payload = json.loads(line["payload"]) if "payload" in line else None
        if not isinstance(payload, dict):
            problems.append(f"ledger entry {line['seq']}: not an anchor")
            break
        entries.append((int(line["seq"]), str(line["prev"]), payload))
    signed = check_signatures(first_key, stream, entries)
    return LedgerFileReport(
        stream,
        chain.count,
        chain.head_hash,
        tuple(problems) + signed.problems,
        signed.key_hex,
        signed.rotations,
    )
