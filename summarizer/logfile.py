"""Meeting logs as JSON Lines: one record per line (``seq, ts, actor, role, type, payload, prev_hash, hash``
and optionally ``meeting_id``), for minutes made away from the server's database."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from meeting_server.store.records import EventRecord, canonical, verify_rows

FIELDS = ("seq", "ts", "actor", "role", "type", "payload", "prev_hash", "hash")


def read_jsonl(path: Path) -> list[EventRecord]:
    """Records from a JSONL file, checked: in sequence, one meeting, and the hash chain intact."""
    records: list[EventRecord] = []
    meeting_id = ""
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            missing = [k for k in FIELDS if k not in row]
            if missing:
                raise ValueError(f"{path}:{n}: missing {', '.join(missing)}")
            if not meeting_id:
                meeting_id = row.get("meeting_id") or row["payload"].get("meeting_id", "")
            records.append(
                EventRecord(
                    meeting_id,
                    int(row["seq"]),
                    float(row["ts"]),
                    str(row["actor"]),
                    str(row["role"]),
                    str(row["type"]),
                    dict(row["payload"]),
                    str(row["prev_hash"]),
                    str(row["hash"]),
                )
            )
    report = verify_rows(
        meeting_id,
        ((r.seq, r.ts, r.actor, r.role, r.type, canonical(r.payload), r.prev_hash, r.hash) for r in records),
    )
    if not report.ok:
        raise ValueError(
            f"{path}: the log's hash chain is broken at event {report.broken_at}: {report.reason}"
        )
    return records


def write_jsonl(records: Iterable[EventRecord], path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            row = {"meeting_id": r.meeting_id, **{k: getattr(r, k) for k in FIELDS}}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
