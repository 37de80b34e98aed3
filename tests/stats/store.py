"""The hand-made logs written as real records into a real SQLite store under a data directory."""

from __future__ import annotations

import asyncio
from pathlib import Path

from meeting_server.community.events import CommunityCreated
from meeting_server.core.registry import Event
from meeting_server.store.eventlog import sqlite_path
from meeting_server.store.records import GENESIS_HASH
from meeting_server.store.sqlite_log import SqliteEventLog
from meeting_server.store.writer import chain_records

from . import logs

TITLES = {"A": "阳光小区", "B": "和平小区"}


def streams() -> dict[str, list[Event]]:
    return {
        "street:directory": [CommunityCreated(cid, title, logs.T0) for cid, title in TITLES.items()],
        "community:A": [*logs.roster(logs.T0), *logs.topics(logs.T0)],
        "community:B": logs.roster(logs.T0),
        "a1": logs.meeting_a1(),
        "a2": logs.meeting_a2(),
        "b1": logs.meeting_b1(),
    }


async def write(
    log: SqliteEventLog, stream_id: str, events: list[Event], after: int = 0, head: str = GENESIS_HASH
) -> None:
    await log.append(chain_records(stream_id, after, head, "seed", "system", events, logs.T0))


def seed(data_dir: Path) -> Path:
    """Write every hand-made stream into ``data_dir``'s log; its path."""

    async def run() -> None:
        log = SqliteEventLog(sqlite_path(data_dir))
        try:
            for stream_id, events in streams().items():
                await write(log, stream_id, events)
        finally:
            await log.close()

    asyncio.run(run())
    return sqlite_path(data_dir)
