"""The one way to open the event log: ``open_event_log(settings)`` and the interface every backend meets.

The embedded default is one SQLite file under the data directory; with ``[redis] url`` set, every process
(server, CLI, summariser) opens the same Redis instead. Callers see only ``EventLog`` and ``ConflictError``:
nothing outside this package knows which backend it holds.
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


class ConflictError(Exception):
    """Another writer appended the same sequence number first (compare-and-set failed)."""


class EventLog(Protocol):
    """Append-only, hash-chained records of every meeting."""

    #: True when other processes may append to the same log (then they must be watched and retried).
    shared: bool

    async def append(self, records: Sequence[EventRecord]) -> None:
        """Durably append consecutive records of one meeting; ``ConflictError`` if the head moved."""

    async def read(self, meeting_id: str, after: int = 0, limit: int | None = None) -> list[EventRecord]:
        """Records of a meeting with seq > ``after``, in order."""

    async def meeting_ids(self) -> list[str]:
        """Every meeting in the log, oldest first."""

    async def verify(self, meeting_id: str) -> ChainReport:
        """Walk the meeting's hash chain as stored; report the first broken link."""

    def notifications(self) -> AsyncIterator[tuple[str, int]]:
        """``(meeting_id, head seq)`` after appends by other processes (never ends for a shared log)."""

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
