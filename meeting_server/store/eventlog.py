"""The one way to open the event log: ``open_event_log(settings)`` and the interface every backend meets.

The embedded default is one SQLite file under the data directory; with ``[redis] url`` set, every process
(server, CLI, summariser) opens the same Redis instead. Callers see only ``EventLog`` and ``ConflictError``:
nothing outside this package knows which backend it holds.

One log holds many streams, each its own hash chain with one writer. A stream's kind is in its id:
``<kind>:<name>`` (``community:3f2a…``, ``street:directory``), and a bare id is a meeting's (the meeting
streams came first and keep their ids). ``stream_ids(kind)`` lists one kind, so whoever loads meetings
never meets a roster.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .records import ChainReport, EventRecord

if TYPE_CHECKING:
    from meeting_server.settings import Settings

SQLITE_FILE = "gongzhi.sqlite3"


MEETING = "meeting"


def stream_kind(stream_id: str) -> str:
    """The kind of a stream from its id: the part before ``:``, or ``meeting`` for a bare id."""
    kind, sep, _ = stream_id.partition(":")
    return kind if sep else MEETING


class ConflictError(Exception):
    """Another writer appended the same sequence number first (compare-and-set failed)."""


class EventLog(Protocol):
    """Append-only, hash-chained records of every stream (meetings, communities, the street directory).

    The parameters are named ``meeting_id`` for the meeting streams that came first; any stream id works.
    """

    #: True when other processes may append to the same log (then they must be watched and retried).
    shared: bool

    async def append(self, records: Sequence[EventRecord]) -> None:
        """Durably append consecutive records of one stream; ``ConflictError`` if the head moved."""

    async def read(self, meeting_id: str, after: int = 0, limit: int | None = None) -> list[EventRecord]:
        """Records of a stream with seq > ``after``, in order."""

    async def stream_ids(self, kind: str) -> list[str]:
        """Every stream of ``kind`` in the log, oldest first."""

    async def meeting_ids(self) -> list[str]:
        """Every meeting in the log, oldest first: ``stream_ids(MEETING)``."""

    async def verify(self, meeting_id: str) -> ChainReport:
        """Walk the stream's hash chain as stored; report the first broken link."""

    def notifications(self) -> AsyncIterator[tuple[str, int]]:
        """``(stream_id, head seq)`` after appends by other processes (never ends for a shared log)."""

    async def close(self) -> None: ...


def sqlite_path(data_dir: Path) -> Path:
    """Where the embedded log of a data directory lives."""
    return data_dir / SQLITE_FILE


def open_event_log(settings: Settings) -> EventLog:
    """The configured event log: Redis when ``[redis] url`` is set, else SQLite in the data directory."""
    if settings.redis.url:
        from .redis_log import RedisEventLog

        return RedisEventLog(settings.redis.url)
    from .sqlite_log import SqliteEventLog

    return SqliteEventLog(sqlite_path(settings.data_dir))


@asynccontextmanager
async def opened_event_log(settings: Settings) -> AsyncIterator[EventLog]:
    """``open_event_log`` for a command that uses the log and is done: closed however it ends."""
    event_log = open_event_log(settings)
    try:
        yield event_log
    finally:
        await event_log.close()
