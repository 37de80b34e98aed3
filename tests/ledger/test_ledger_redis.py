"""The ledger in scale-out: two writers (as two server processes) on one real redis-server anchor the same
closes at once; each anchor lands once, the chain links, and ``check_ledgers`` verifies it all."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from meeting_server.ledger.service import Ledger, anchors_of, check_ledgers
from meeting_server.store.records import GENESIS_HASH, EventRecord, make_record
from meeting_server.store.redis_log import RedisEventLog, _row
from tests.support.redis import RedisServer


def _closed_meeting(mid: str, at: float) -> list[EventRecord]:
    opened = make_record(mid, 1, at, "m1", "moderator", "MeetingOpened", {"by": "m1", "at": at}, GENESIS_HASH)
    closed = make_record(
        mid, 2, at + 60, "m1", "moderator", "MeetingClosed", {"by": "m1", "at": at + 60}, opened.hash
    )
    return [opened, closed]


async def test_two_processes_anchor_each_close_once(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")
    key = Ed25519PrivateKey.generate()
    logs = [RedisEventLog(server.url), RedisEventLog(server.url)]
    try:
        meetings = {f"m{i}": _closed_meeting(f"m{i}", 1764000000.0 + i) for i in range(6)}
        for records in meetings.values():
            await logs[0].append(records)
        ledgers = [Ledger(log, key, lambda: 1764100000.0) for log in logs]
        # Both "processes" anchor every close, interleaved: every anchor once, whoever wins.
        results = await asyncio.gather(
            *(
                ledger.anchor("c-1", anchor)
                for mid, records in meetings.items()
                for anchor in anchors_of(mid, records)
                for ledger in ledgers
            )
        )
        assert sum(r is not None for r in results) == len(meetings)
        entries = await logs[1].read("ledger:c-1")
        assert sorted(e.payload["meeting_id"] for e in entries) == sorted(meetings)
        reports = await check_ledgers(logs[1], key.public_key())
        # One street entry per new head of the community ledger, whichever process appended it.
        assert sorted((r.stream, r.count, r.ok) for r in reports) == [
            ("ledger:@street", len(meetings), True),
            ("ledger:c-1", len(meetings), True),
        ], reports
        # A meeting changed in Redis behind the ledger's back: named.
        forged = make_record(
            "m3",
            2,
            1764000063.0,
            "m1",
            "moderator",
            "MeetingClosed",
            {"by": "x", "at": 1.0},
            meetings["m3"][0].hash,
        )
        server.client.lset("gongzhi:log:m3", 1, _row(forged))  # the attacker writes Redis directly
        by_stream = {r.stream: r for r in await check_ledgers(logs[1], key.public_key())}
        community = by_stream["ledger:c-1"]
        assert not community.ok and any("meeting m3 event 2 differs" in p for p in community.problems)
        assert by_stream["ledger:@street"].ok  # the community ledger itself is intact
    finally:
        for log in logs:
            await log.close()
        server.stop()
