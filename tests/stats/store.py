"""The hand-made logs written as real records into a real SQLite store under a data directory."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from meeting_server.community.events import CommunityCreated
from meeting_server.core.events import MeetingCreated
from meeting_server.core.registry import Event
from meeting_server.hub.app import create_app
from meeting_server.store.eventlog import sqlite_path
from meeting_server.store.records import GENESIS_HASH
from meeting_server.store.sqlite_log import SqliteEventLog
from meeting_server.store.writer import chain_records
from tests.support.hub import FakeClock, make_settings

from . import logs

TITLES = {"A": "阳光小区", "B": "和平小区"}


def streams() -> dict[str, list[Event]]:
    return {
        "street:directory": [CommunityCreated(cid, title, logs.T0) for cid, title in TITLES.items()],
        "community:A": [*logs.roster(logs.T0), *logs.topics(logs.T0), *logs.execution(logs.T0)],
        "community:B": logs.roster(logs.T0),
        "a1": logs.meeting_a1(),
        "a2": logs.meeting_a2(),
        "b1": logs.meeting_b1(),
    }


async def write(log: SqliteEventLog, stream_id: str, events: list[Event]) -> None:
    """Append ``events`` after the stream's head, as its one writer would."""
    have = await log.read(stream_id)
    seq, head = (have[-1].seq, have[-1].hash) if have else (0, GENESIS_HASH)
    await log.append(chain_records(stream_id, seq, head, "seed", "system", events, logs.T0))


def _renamed(events: list[Event], ids: dict[str, str]) -> list[Event]:
    return [
        dataclasses.replace(ev, community_id=ids[ev.community_id])
        if isinstance(ev, MeetingCreated) and ev.community_id
        else ev
        for ev in events
    ]


async def seed_live(data_dir: Path, ids: dict[str, str]) -> None:
    """The hand-made meetings, rosters and topics of communities "A"/"B" into a running server's log,
    under the ids the server gave those communities (``ids``: "A"/"B" -> id); the directory is the
    server's own."""
    log = SqliteEventLog(sqlite_path(data_dir))
    try:
        for stream_id, events in streams().items():
            if stream_id == "street:directory":
                continue
            _, sep, name = stream_id.partition(":")
            target = f"community:{ids[name]}" if sep else stream_id
            await write(log, target, _renamed(events, ids))
    finally:
        await log.close()


async def seed_into(log: SqliteEventLog) -> None:
    """Write every hand-made stream (the directory too) into ``log``."""
    for stream_id, events in streams().items():
        await write(log, stream_id, events)


def seed(data_dir: Path) -> Path:
    """Write every hand-made stream into ``data_dir``'s log; its path."""

    async def run() -> None:
        log = SqliteEventLog(sqlite_path(data_dir))
        try:
            await seed_into(log)
        finally:
            await log.close()

    asyncio.run(run())
    return sqlite_path(data_dir)


@asynccontextmanager
async def stats_server(data_dir: Path) -> AsyncIterator[str]:
    """The whole app on loopback, reading new events on every request (``store.stats_refresh_s`` 0)."""
    settings = make_settings(data_dir).with_overrides(store={"stats_refresh_s": 0})
    clock = FakeClock()
    runner = web.AppRunner(create_app(settings, clock=clock, limit_clock=clock))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
