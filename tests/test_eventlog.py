"""The event log through its one factory, on both backends (real SQLite file, real redis-server): ordered
appends, compare-and-set on the sequence, replay, the hash chain."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from meeting_server.settings import Settings, load_settings
from meeting_server.store.eventlog import ConflictError, open_event_log, sqlite_path, stream_kind
from meeting_server.store.records import GENESIS_HASH, EventRecord, make_record
from tests.support.redis import RedisServer


def chain(meeting_id: str, n: int, start: int = 1, prev: str = GENESIS_HASH) -> list[EventRecord]:
    out = []
    for seq in range(start, start + n):
        rec = make_record(meeting_id, seq, 1000.0 + seq, "p1", "moderator", "X", {"n": seq, "名": "王"}, prev)
        out.append(rec)
        prev = rec.hash
    return out


@pytest.fixture(params=["sqlite", "redis"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    base = load_settings(environ={}).with_overrides(store={"data_dir": str(tmp_path / "data")})
    if request.param == "sqlite":
        yield base
        return
    server = RedisServer(tmp_path / "redis")
    try:
        yield base.with_overrides(redis={"url": server.url})
    finally:
        server.stop()


async def test_append_read_verify(settings: Settings) -> None:
    log = open_event_log(settings)
    try:
        assert log.shared == bool(settings.redis.url)
        first = chain("m1", 3)
        await log.append(first)
        await log.append(chain("m1", 2, start=4, prev=first[-1].hash))
        await log.append(chain("m2", 1))
        got = await log.read("m1", after=2)
        assert [r.seq for r in got] == [3, 4, 5]
        assert got[0] == first[2]
        assert [r.seq for r in await log.read("m1", after=1, limit=2)] == [2, 3]
        assert await log.meeting_ids() == ["m1", "m2"]
        report = await log.verify("m1")
        assert report.ok and report.count == 5 and report.head_hash == got[-1].hash
        # A second writer that read the same head cannot append seq 4 again.
        with pytest.raises(ConflictError):
            await log.append(chain("m1", 1, start=4, prev=first[-1].hash))
        with pytest.raises(ConflictError):
            await log.append(chain("m1", 1, start=6, prev="f" * 64))
    finally:
        await log.close()
    # Another opener of the same settings (a CLI command, another process) sees the same log.
    again = open_event_log(settings)
    try:
        assert len(await again.read("m1")) == 5
    finally:
        await again.close()


async def test_sqlite_durable_across_reopen_and_tamper_evident(tmp_path: Path) -> None:
    settings = load_settings(environ={}).with_overrides(store={"data_dir": str(tmp_path)})
    log = open_event_log(settings)
    await log.append(chain("m1", 4))
    await log.close()
    db = sqlite3.connect(sqlite_path(settings.data_dir))
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.execute("UPDATE events SET actor='intruder' WHERE seq=3")
    db.commit()
    db.close()
    log = open_event_log(settings)
    try:
        assert len(await log.read("m1")) == 4
        report = await log.verify("m1")
        assert not report.ok and report.broken_at == 3 and report.count == 2
    finally:
        await log.close()


async def test_streams_have_kinds(settings: Settings) -> None:
    """Meetings, communities and the street directory share one log; each kind is listed apart, so the
    meeting registry never loads a roster as a meeting."""
    log = open_event_log(settings)
    try:
        order = ["m1", "community:c1", "street:directory", "m2", "community:c2"]
        for i, stream in enumerate(order):
            rec = make_record(stream, 1, 2000.0 + i, "a1", "staff", "X", {"i": i}, GENESIS_HASH)
            await log.append([rec])
        assert stream_kind("m1") == "meeting" and stream_kind("community:c1") == "community"
        assert await log.meeting_ids() == ["m1", "m2"]
        assert await log.stream_ids("meeting") == ["m1", "m2"]
        assert await log.stream_ids("community") == ["community:c1", "community:c2"]
        assert await log.stream_ids("street") == ["street:directory"]
        assert await log.stream_ids("ledger") == []
        assert (await log.verify("community:c1")).ok
        # Each stream is its own chain with its own compare-and-set.
        again = make_record("community:c1", 1, 3000.0, "a2", "staff", "X", {}, GENESIS_HASH)
        with pytest.raises(ConflictError):
            await log.append([again])
        assert [r.actor for r in await log.read("community:c1")] == ["a1"]
    finally:
        await log.close()
