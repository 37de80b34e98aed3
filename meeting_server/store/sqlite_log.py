"""The embedded event log: one SQLite file in WAL mode, one writer thread.

``append`` is a compare-and-set on the sequence number (the primary key refuses a second event N), and
returns only once the transaction is committed with ``synchronous=FULL`` — an event is durable before any
client hears of it. Blocking SQLite calls run on a dedicated thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from .eventlog import MEETING, ConflictError, stream_kind
from .private import FILE_MODE, private_dir, private_file, tighten
from .records import ChainReport, EventRecord, canonical, verify_rows

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    meeting_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ts REAL NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (meeting_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meetings (
    meeting_id TEXT PRIMARY KEY,
    created_ts REAL NOT NULL
);
"""


class SqliteEventLog:
    """Append-only, hash-chained event log of every stream in one SQLite database."""

    shared = False  # one process writes it (the embedded default)

    def __init__(self, path: Path) -> None:
        self.path = path
        # Every name and ballot of every meeting: the server's user alone reads it. SQLite gives its -wal and
        # -shm files the database file's mode; ones left by an older version are tightened here.
        private_dir(path.parent)
        private_file(path)
        for suffix in ("-wal", "-shm"):
            tighten(path.with_name(path.name + suffix), FILE_MODE)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eventlog")
        self._local = threading.local()
        self._closed = False
        # The schema exists before the first await, so opening the log cannot race its first use.
        self._run_sync(self._init_schema)

    # ------------------------------------------------------------------ plumbing
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
        return conn

    def _run_sync(self, fn: Callable[[], T]) -> T:
        return self._executor.submit(fn).result()

    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    def _init_schema(self) -> None:
        self._conn().executescript(SCHEMA)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True

        def _close() -> None:
            conn = getattr(self._local, "conn", None)
            if conn is not None:
                conn.close()
                self._local.conn = None

        await self._run(_close)
        self._executor.shutdown(wait=True)

    # ------------------------------------------------------------------ writes
    def _append(self, records: Sequence[EventRecord]) -> None:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            first = records[0]
            row = conn.execute(
                "SELECT seq, hash FROM events WHERE meeting_id=? ORDER BY seq DESC LIMIT 1",
                (first.meeting_id,),
            ).fetchone()
            head_seq, head_hash = row if row else (0, None)
            if first.seq != head_seq + 1 or (head_hash is not None and first.prev_hash != head_hash):
                raise ConflictError(
                    f"meeting {first.meeting_id}: expected to append seq {head_seq + 1}, got {first.seq}"
                )
            if head_seq == 0:
                conn.execute(
                    "INSERT OR IGNORE INTO meetings(meeting_id, created_ts) VALUES (?, ?)",
                    (first.meeting_id, first.ts),
                )
            conn.executemany(
                "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        r.meeting_id,
                        r.seq,
                        r.ts,
                        r.actor,
                        r.role,
                        r.type,
                        canonical(r.payload),
                        r.prev_hash,
                        r.hash,
                    )
                    for r in records
                ],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    async def append(self, records: Sequence[EventRecord]) -> None:
        """Durably append consecutive records of one meeting; ConflictError if the head moved."""
        if records:
            await self._run(lambda: self._append(records))

    # ------------------------------------------------------------------ reads
    def _read(self, meeting_id: str, after: int, limit: int | None) -> list[EventRecord]:
        q = (
            "SELECT seq, ts, actor, role, type, payload, prev_hash, hash FROM events "
            "WHERE meeting_id=? AND seq>? ORDER BY seq"
        )
        args: tuple[Any, ...] = (meeting_id, after)
        if limit is not None:
            q += " LIMIT ?"
            args += (limit,)
        return [
            EventRecord(meeting_id, s, ts, a, ro, ty, json.loads(p), ph, h)
            for s, ts, a, ro, ty, p, ph, h in self._conn().execute(q, args)
        ]

    async def read(self, meeting_id: str, after: int = 0, limit: int | None = None) -> list[EventRecord]:
        """Records of a meeting with seq > ``after``, in order."""
        return await self._run(lambda: self._read(meeting_id, after, limit))

    def _streams(self, kind: str) -> list[str]:
        # The ``meetings`` table lists every stream (its name is older than the other kinds).
        ids = [r[0] for r in self._conn().execute("SELECT meeting_id FROM meetings ORDER BY created_ts")]
        return [i for i in ids if stream_kind(i) == kind]

    async def stream_ids(self, kind: str) -> list[str]:
        return await self._run(lambda: self._streams(kind))

    async def meeting_ids(self) -> list[str]:
        return await self.stream_ids(MEETING)

    def _verify(self, meeting_id: str) -> ChainReport:
        rows = self._conn().execute(
            "SELECT seq, ts, actor, role, type, payload, prev_hash, hash FROM events "
            "WHERE meeting_id=? ORDER BY seq",
            (meeting_id,),
        )
        return verify_rows(meeting_id, rows)

    async def verify(self, meeting_id: str) -> ChainReport:
        """Walk the meeting's hash chain; report the first broken link."""
        return await self._run(lambda: self._verify(meeting_id))

    async def notifications(self) -> AsyncIterator[tuple[str, int]]:
        """Nothing: this process is the log's only writer."""
        return
        yield
