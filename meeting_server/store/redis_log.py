"""The scale-out event log: each meeting's records in a Redis list, appended by a Lua compare-and-set.

Several server processes may hold the same meeting; the script refuses an append whose first sequence
number is not the list's length + 1 or whose previous hash is not the stored head, so two processes can
never both append event N. The same script publishes ``<meeting> <head seq>`` on a channel so the other
processes catch up at once (and they poll too: pub/sub is at-most-once).

Durability: run Redis with ``appendonly yes`` and ``appendfsync always`` (see README) — then an append has
reached Redis's disk before this returns, and before any client is told.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from .eventlog import MEETING, ConflictError, stream_kind
from .records import ChainReport, EventRecord, canonical, verify_rows

log = logging.getLogger(__name__)

PREFIX = "gongzhi:"
MEETINGS_KEY = PREFIX + "meetings"  # every stream's id by creation time (named when meetings were all)
CHANNEL = PREFIX + "appended"

_APPEND = """
local len = redis.call('LLEN', KEYS[1])
if len ~= tonumber(ARGV[1]) then return -1 end
if len > 0 then
  local last = cjson.decode(redis.call('LINDEX', KEYS[1], -1))
  if last[8] ~= ARGV[2] then return -2 end
end
for i = 5, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
if len == 0 then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4]) end
local head = len + #ARGV - 4
redis.call('PUBLISH', KEYS[3], ARGV[4] .. ' ' .. head)
return head
"""


def _row(r: EventRecord) -> str:
    # The same row shape as the SQLite table, payload kept as its canonical text so the chain verifies.
    return json.dumps(
        [r.seq, r.ts, r.actor, r.role, r.type, canonical(r.payload), r.prev_hash, r.hash], ensure_ascii=False
    )


class RedisEventLog:
    """Event log of every stream in one Redis (shared by every server process)."""

    shared = True

    def __init__(self, url: str) -> None:
        self.url = url
        self._redis: aioredis.Redis = aioredis.from_url(url, decode_responses=True)
        self._append = self._redis.register_script(_APPEND)

    async def close(self) -> None:
        await self._redis.aclose()

    def _key(self, meeting_id: str) -> str:
        return f"{PREFIX}log:{meeting_id}"

    async def append(self, records: Sequence[EventRecord]) -> None:
        """Append consecutive records of one meeting; ConflictError if another process got there first."""
        if not records:
            return
        first = records[0]
        args: list[Any] = [first.seq - 1, first.prev_hash, first.ts, first.meeting_id, *map(_row, records)]
        head = await self._append(keys=[self._key(first.meeting_id), MEETINGS_KEY, CHANNEL], args=args)
        if int(head) < 0:
            raise ConflictError(
                f"meeting {first.meeting_id}: seq {first.seq} was appended by another process"
            )

    async def read(self, meeting_id: str, after: int = 0, limit: int | None = None) -> list[EventRecord]:
        stop = -1 if limit is None else after + limit - 1
        rows = await self._redis.lrange(self._key(meeting_id), after, stop)
        out = []
        for raw in rows:
            seq, ts, actor, role, type_, payload, prev, h = json.loads(raw)
            out.append(EventRecord(meeting_id, seq, ts, actor, role, type_, json.loads(payload), prev, h))
        return out

    async def stream_ids(self, kind: str) -> list[str]:
        return [str(i) for i in await self._redis.zrange(MEETINGS_KEY, 0, -1) if stream_kind(str(i)) == kind]

    async def meeting_ids(self) -> list[str]:
        return await self.stream_ids(MEETING)

    async def verify(self, meeting_id: str) -> ChainReport:
        rows = [tuple(json.loads(raw)) for raw in await self._redis.lrange(self._key(meeting_id), 0, -1)]
        return verify_rows(meeting_id, rows)

    async def notifications(self) -> AsyncIterator[tuple[str, int]]:
        """``(meeting_id, head seq)`` after every append by any process; reconnects after a Redis outage."""
        delay = 0.2
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                delay = 0.2
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    meeting_id, _, seq = str(message["data"]).partition(" ")
                    yield meeting_id, int(seq)
            except (RedisError, OSError) as e:
                log.warning("event notifications interrupted (%s); retrying in %.1f s", e, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                try:
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                except (RedisError, OSError):
                    pass
