"""The ledger's one writer in this process: appends signed anchors to the community ledgers.

``Ledger.on_events`` is a meeting registry listener: after a ``MeetingClosed``, ``MinutesPublished`` or
``PublicityDecided`` (a 公示 outcome) record is durable it anchors that record (persist, then anchor).
Each ledger stream is appended under one lock with a compare-and-set on its head; another process's
anchor (scale-out) moves the head, and the append is retried on the new one.
``check_ledgers`` is what ``gongzhi verify --ledger`` runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from meeting_server.core.events import MeetingClosed
from meeting_server.core.minutes_events import MinutesPublished, PublicityDecided
from meeting_server.core.registry import Event
from meeting_server.core.state import MeetingState
from meeting_server.store.eventlog import ConflictError, EventLog
from meeting_server.store.records import GENESIS_HASH, EventRecord, make_record

from .anchors import (
    ANCHOR_ACTOR,
    ANCHOR_TYPE,
    KEY_ROTATED,
    LEDGER_HEAD,
    LEDGER_KIND,
    MEETING_CLOSED,
    MINUTES_PUBLISHED,
    PUBLICITY_DECIDED,
    STREET_LEDGER,
    Anchor,
    check_against_meeting,
    ledger_stream,
    public_key_hex,
    rotation_payload,
    signed_payload,
)
from .ledger_file import check_signatures
from .stamp import Stamp

MAX_RETRIES = 8
ROTATION_TYPE = "KeyRotated"


class MeetingView(Protocol):
    """What the listener reads of a meeting runtime (``hub.runtime.MeetingRuntime`` has it)."""

    @property
    def meeting_id(self) -> str: ...
    @property
    def state(self) -> MeetingState | None: ...


def anchors_of(meeting_id: str, records: Sequence[EventRecord]) -> list[Anchor]:
    """The anchors a meeting's durable records call for (read from the records as stored)."""
    out: list[Anchor] = []
    for record in records:
        at = float(record.payload.get("at", record.ts))
        if record.type == MeetingClosed.name:
            out.append(Anchor(MEETING_CLOSED, meeting_id, record.seq, record.hash, at))
        elif record.type == MinutesPublished.name:
            minutes_hash = str(record.payload.get("minutes_hash"))
            out.append(Anchor(MINUTES_PUBLISHED, meeting_id, record.seq, record.hash, at, minutes_hash))
        elif record.type == PublicityDecided.name:
            out.append(Anchor(PUBLICITY_DECIDED, meeting_id, record.seq, record.hash, at))
    return out


class Ledger:
    def __init__(self, log: EventLog, key: Ed25519PrivateKey, clock: Callable[[], float]) -> None:
        self._log = log
        self._key = key
        self._clock = clock
        self._lock = asyncio.Lock()
        self._heads: dict[str, tuple[int, str]] = {}
        self._anchored: set[tuple[str, str, int]] = set()  # (kind, meeting, seq) of every anchor seen
        self._roots: dict[str, str] = {}  # stream -> the public key its first entry was signed with

    async def _head(self, stream: str) -> tuple[int, str]:
        seq, head = self._heads.get(stream, (0, GENESIS_HASH))
        for record in await self._log.read(stream, after=seq):  # the rest, appended by other processes
            seq, head = record.seq, record.hash
            self._anchored.add(_anchor_key(record.payload))
            if seq == 1:
                self._roots[stream] = str(record.payload.get("key"))
        self._heads[stream] = (seq, head)
        return seq, head

    async def anchor(self, community_id: str | None, anchor: Anchor) -> EventRecord | None:
        """Append ``anchor`` (signed) to its community's ledger, and that ledger's new head to the street
        ledger; durable when this returns. None when the ledger holds it already (a backfill, or another
        process anchored it first)."""
        async with self._lock:
            record = await self._append(ledger_stream(community_id), anchor)
            if record is not None:
                head = Anchor(LEDGER_HEAD, record.meeting_id, record.seq, record.hash, record.ts)
                await self._append(STREET_LEDGER, head)
            return record

    async def _append(self, stream: str, anchor: Anchor) -> EventRecord | None:
        key = (anchor.kind, anchor.meeting_id, anchor.seq)
        for attempt in range(MAX_RETRIES):
            seq, head = await self._head(stream)
            if key in self._anchored:
                return None
            # A new ledger opens with the key's rotation certificates, so it verifies from the first
            # key like every older one.
            now = self._clock()
            batch = [] if seq else await self._rotation_records(stream, now)
            prev, at = (batch[-1].hash, batch[-1].seq) if batch else (head, seq)
            payload = signed_payload(self._key, stream, at + 1, prev, anchor)
            record = make_record(stream, at + 1, now, ANCHOR_ACTOR, "server", ANCHOR_TYPE, payload, prev)
            try:
                await self._log.append([*batch, record])
            except ConflictError:
                if attempt == MAX_RETRIES - 1:
                    raise
                continue  # another process appended first: catch up, then anchor (or find it there)
            self._heads[stream] = (record.seq, record.hash)
            self._anchored.add(key)
            self._roots.setdefault(stream, str((batch[0].payload if batch else payload)["key"]))
            return record
        raise AssertionError("unreachable")

    async def _rotation_records(self, stream: str, now: float) -> list[EventRecord]:
        """The first records of a new ledger: every rotation certificate of this key, oldest first."""
        certs: list[dict[str, Any]] = []
        for other in await self._log.stream_ids(LEDGER_KIND):
            found = [r.payload for r in await self._log.read(other) if r.payload.get("kind") == KEY_ROTATED]
            if len(found) > len(certs):
                certs = found
        out: list[EventRecord] = []
        prev = GENESIS_HASH
        for seq, cert in enumerate(certs, start=1):
            out.append(make_record(stream, seq, now, ANCHOR_ACTOR, "server", ROTATION_TYPE, cert, prev))
            prev = out[-1].hash
        return out

    async def stamp_for(self, community_id: str | None) -> Stamp:
        """What a printed page carries of ``community_id``'s ledger now: the key its first entry was
        signed with (the key to check it from; this server's while it is empty), its newest entry, head."""
        stream = ledger_stream(community_id)
        async with self._lock:
            seq, head = await self._head(stream)
        root = self._roots.get(stream, public_key_hex(self._key.public_key()))
        return Stamp(root, stream, seq, head)

    async def on_events(
        self, rt: MeetingView, records: Sequence[EventRecord], events: Sequence[Event]
    ) -> None:
        """Registry listener: anchor what this batch of durable records calls for."""
        community = rt.state.community_id if rt.state is not None else None
        for anchor in anchors_of(rt.meeting_id, records):
            await self.anchor(community, anchor)

    async def backfill(self, meetings: Sequence[MeetingView]) -> int:
        """Anchor what the ledger lacks of closed ``meetings`` (closed before the ledger existed, or the
        server stopped between a close and its anchor); returns how many anchors were added."""
        added = 0
        for rt in meetings:
            if rt.state is None or rt.state.closed_at is None:
                continue
            for anchor in anchors_of(rt.meeting_id, await self._log.read(rt.meeting_id)):
                added += await self.anchor(rt.state.community_id, anchor) is not None
        # Community ledgers older than the street ledger: their current head, anchored once.
        async with self._lock:
            await self._head(STREET_LEDGER)
            for stream in await self._log.stream_ids(LEDGER_KIND):
                if stream == STREET_LEDGER:
                    continue
                seq, head = await self._head(stream)
                if seq and (LEDGER_HEAD, stream, seq) not in self._anchored:
                    at = self._clock()
                    added += (
                        await self._append(STREET_LEDGER, Anchor(LEDGER_HEAD, stream, seq, head, at))
                        is not None
                    )
        return added


def _anchor_key(payload: dict[str, Any]) -> tuple[str, str, int]:
    seq = payload.get("seq")
    return str(payload.get("kind")), str(payload.get("meeting_id")), seq if isinstance(seq, int) else -1


@dataclasses.dataclass(frozen=True)
class LedgerReport:
    stream: str
    count: int
    head_hash: str
    problems: tuple[str, ...]  # empty: the ledger and every meeting it anchors verify
    key_hex: str = ""  # the key in force at its head (after the rotations it records)
    rotations: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


async def check_ledgers(
    log: EventLog, key: Ed25519PublicKey, *, key_at_head: bool = False
) -> list[LedgerReport]:
    """Every ledger stream: its chain, each entry's signature by ``key`` (or the key a signed rotation
    passed it on to), and each anchored meeting's log (its chain verifies and its record at the anchored
    seq is the anchored one). ``key_at_head``: ``key`` is the key the ledgers must end at (this server's,
    after its rotations); each stream is followed from the key its first entry names."""
    reports: list[LedgerReport] = []
    meetings: dict[str, tuple[dict[int, str], dict[int, str], str | None]] = {}
    for stream in await log.stream_ids(LEDGER_KIND):
        problems: list[str] = []
        chain = await log.verify(stream)
        if not chain.ok:
            problems.append(f"ledger entry {chain.broken_at}: {chain.reason}")
        records = await log.read(stream)
        first = key
        if key_at_head and any(r.payload.get("kind") == KEY_ROTATED for r in records):
            first = _named_key(records[0].payload) or key
        signed = check_signatures(first, stream, [(r.seq, r.prev_hash, r.payload) for r in records])
        problems.extend(signed.problems)
        if key_at_head and signed.key_hex != public_key_hex(key):
            problems.append(f"the ledger ends at key {signed.key_hex[:16]}…, not this server's key")
        for record in records:
            if record.seq in signed.bad or record.payload.get("kind") == KEY_ROTATED:
                continue
            mid = str(record.payload.get("meeting_id"))
            if mid not in meetings:
                meetings[mid] = await _meeting_facts(log, mid)
                if (broken := meetings[mid][2]) is not None:
                    problems.append(broken)
            hashes, minutes, _ = meetings[mid]
            why = check_against_meeting(record.payload, hashes, minutes)
            if why is not None:
                problems.append(f"ledger entry {record.seq}: {why}")
        head = records[-1].hash if records else GENESIS_HASH
        reports.append(
            LedgerReport(stream, len(records), head, tuple(problems), signed.key_hex, signed.rotations)
        )
    return reports


def _named_key(payload: dict[str, Any]) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(payload.get("key"))))
    except ValueError:
        return None


async def _meeting_facts(log: EventLog, mid: str) -> tuple[dict[int, str], dict[int, str], str | None]:
    """A meeting's seq -> hash, seq -> minutes hash of its publications, and why its chain is broken."""
    stored = await log.read(mid)
    report = await log.verify(mid)
    broken = None if report.ok else f"meeting {mid}: BROKEN at event {report.broken_at}: {report.reason}"
    minutes = {r.seq: str(r.payload.get("minutes_hash")) for r in stored if r.type == MinutesPublished.name}
    return {r.seq: r.hash for r in stored}, minutes, broken


async def rotate_key(
    log: EventLog, old: Ed25519PrivateKey, new: Ed25519PrivateKey, now: float
) -> list[EventRecord]:
    """Record in every ledger that ``old`` hands the signing on to ``new`` (signed by both). The server
    must be stopped: a running one would go on signing with ``old``."""
    cert = rotation_payload(old, new, now)
    out: list[EventRecord] = []
    for stream in await log.stream_ids(LEDGER_KIND):
        records = await log.read(stream)
        seq, prev = (records[-1].seq, records[-1].hash) if records else (0, GENESIS_HASH)
        record = make_record(stream, seq + 1, now, ANCHOR_ACTOR, "server", ROTATION_TYPE, cert, prev)
        await log.append([record])
        out.append(record)
    return out
