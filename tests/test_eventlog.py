"""The SQLite event log: ordered appends, compare-and-set on the sequence, replay, the hash chain."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from meeting_server.store.records import GENESIS_HASH, EventRecord, make_record
from meeting_server.store.sqlite_log import ConflictError, SqliteEventLog


def chain(meeting_id: str, n: int, start: int = 1, prev: str = GENESIS_HASH) -> list[EventRecord]:
    out = []
    for seq in range(start, start + n):
        rec = make_record(meeting_id, seq, 1000.0 + seq, "p1", "moderator", "X", {"n": seq, "名": "王"}, prev)
        out.append(rec)
        prev = rec.hash
    return out


async def test_append_read_verify(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "log.sqlite3")
    try:
        first = chain("m1", 3)
        await log.append(first)
        await log.append(chain("m1", 2, start=4, prev=first[-1].hash))
        await log.append(chain("m2", 1))
        got = await log.read("m1", after=2)
        assert [r.seq for r in got] == [3, 4, 5]
        assert got[0] == first[2]
        assert await log.meeting_ids() == ["m1", "m2"]
        report = log.verify_sync("m1")
        assert report.ok and report.count == 5
        # A second writer that read the same head cannot append seq 4 again.
        with pytest.raises(ConflictError):
            await log.append(chain("m1", 1, start=4, prev=first[-1].hash))
        with pytest.raises(ConflictError):
            await log.append(chain("m1", 1, start=7, prev="f" * 64))
    finally:
        log.close()


async def test_durable_across_reopen_and_tamper_evident(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log = SqliteEventLog(path)
    await log.append(chain("m1", 4))
    log.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.execute("UPDATE events SET actor='intruder' WHERE seq=3")
    db.commit()
    db.close()
    log = SqliteEventLog(path)
    try:
        assert len(log.read_sync("m1")) == 4
        report = log.verify_sync("m1")
        assert not report.ok and report.broken_at == 3 and report.count == 2
    finally:
        log.close()
