"""Upload quotas: how many files and bytes an uploader and a client address may send, and how many bytes
a community's uploads may add in a day. Checked by ``uploads.receive`` before a body is read and again,
counting, before it is kept.

Embedded (no ``redis.url``): counted in this process (``hub.limits`` token buckets; the clocks are passed
in). Scale-out: counted in Redis (``RedisUploadQuota``), so that several server processes share one quota
instead of each granting it anew: one Lua script checks every bucket and the day's budget and, when
charging, takes from all of them at once (atomic across processes); the buckets run on Redis's own clock
and expire with the window, the day's counter two days after it began.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol

import redis.asyncio as aioredis

from meeting_server.hub.http_edge import Refused
from meeting_server.hub.limits import Buckets
from meeting_server.settings import UploadSettings

MIB = 1024 * 1024
_DAY_S = 86400.0
_BEIJING_S = 8 * 3600.0  # the day turns at midnight in China (UTC+8, no daylight saving)
PREFIX = "gongzhi:upload-quota:"


class Quota(Protocol):
    async def check(self, link: str, address: str, community: str, size: int) -> None: ...

    async def charge(self, link: str, address: str, community: str, size: int) -> None: ...

    async def close(self) -> None: ...


def upload_quota(
    settings: UploadSettings,
    redis_url: str,
    limit_clock: Callable[[], float],
    wall_clock: Callable[[], float],
) -> Quota:
    """The quota of this deployment: in Redis when it is configured, else in this process."""
    if redis_url:
        return RedisUploadQuota(settings, aioredis.from_url(redis_url), wall_clock)
    return UploadQuota(settings, limit_clock, wall_clock)


def _day(wall_clock: Callable[[], float]) -> int:
    return int((wall_clock() + _BEIJING_S) // _DAY_S)


def _too_many(wait: float) -> Refused:
    return Refused(429, "too_many", f"上传太频繁，请 {int(wait) // 60 + 1} 分钟后再试")


def _over_budget(day_budget: int) -> Refused:
    return Refused(
        507, "quota_exceeded", f"本社区今天上传的文件已达上限（{day_budget // MIB} MB），请明天再试"
    )


class UploadQuota:
    """Uploads per link and per address in a sliding window, and bytes per community per day (this
    process)."""

    def __init__(
        self, settings: UploadSettings, limit_clock: Callable[[], float], wall_clock: Callable[[], float]
    ) -> None:
        w = settings.window_s
        self._files = (
            Buckets(settings.uploads_per_link / w, settings.uploads_per_link, limit_clock),
            Buckets(settings.uploads_per_address / w, settings.uploads_per_address, limit_clock),
        )
        self._bytes = (
            Buckets(settings.mib_per_link * MIB / w, settings.mib_per_link * MIB, limit_clock),
            Buckets(settings.mib_per_address * MIB / w, settings.mib_per_address * MIB, limit_clock),
        )
        self.day_budget = int(settings.community_mib_per_day * MIB)
        self._wall_clock = wall_clock
        self._day = -1
        self._used: dict[str, int] = {}  # community → bytes added today

    def _today(self) -> dict[str, int]:
        day = _day(self._wall_clock)
        if day != self._day:
            self._day, self._used = day, {}
        return self._used

    def _check(self, link: str, address: str, community: str, size: int) -> None:
        keys = (link, address)
        wait = max(
            *(b.wait(k) for b, k in zip(self._files, keys, strict=True)),
            *(b.wait(k, size) for b, k in zip(self._bytes, keys, strict=True)),
        )
        if wait > 0:
            raise _too_many(wait)
        if self._today().get(community, 0) + size > self.day_budget:
            raise _over_budget(self.day_budget)

    async def check(self, link: str, address: str, community: str, size: int) -> None:
        """Refused(429/507) when an upload of ``size`` bytes would be over a quota; counts nothing."""
        self._check(link, address, community, size)

    async def charge(self, link: str, address: str, community: str, size: int) -> None:
        """Count an upload of ``size`` bytes about to be kept, or Refused(429/507) if over a quota.

        No await between the check and the counting, so concurrent uploads cannot both pass on one budget.
        """
        self._check(link, address, community, size)
        for b, k in zip(self._files, (link, address), strict=True):
            b.take(k)
        for b, k in zip(self._bytes, (link, address), strict=True):
            b.take(k, size)
        used = self._today()
        used[community] = used.get(community, 0) + size

    async def close(self) -> None:
        pass


# KEYS: files per link, files per address, bytes per link, bytes per address, the community's day.
# ARGV: size, window_s, the four buckets' capacities, the day's budget, 1 to charge (0: check only).
# Answers {0} (allowed; charged if asked), {1, wait_s} (a bucket is short) or {2} (over the day's budget).
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local size = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local costs = {1, 1, size, size}
local left = {}
local wait = 0
for i = 1, 4 do
  local cap = tonumber(ARGV[2 + i])
  local rate = cap / window
  local b = redis.call('HMGET', KEYS[i], 'tokens', 'stamp')
  local have = cap
  if b[1] then
    have = math.min(cap, tonumber(b[1]) + math.max(0, now - tonumber(b[2])) * rate)
  end
  left[i] = have - costs[i]
  if left[i] < 0 then wait = math.max(wait, -left[i] / rate) end
end
if wait > 0 then return {1, tostring(wait)} end
local used = tonumber(redis.call('GET', KEYS[5]) or '0')
if used + size > tonumber(ARGV[7]) then return {2, '0'} end
if ARGV[8] == '1' then
  for i = 1, 4 do
    redis.call('HSET', KEYS[i], 'tokens', string.format('%.3f', left[i]), 'stamp', string.format('%.6f', now))
    redis.call('EXPIRE', KEYS[i], math.ceil(window) + 1)
  end
  redis.call('INCRBY', KEYS[5], size)
  redis.call('EXPIRE', KEYS[5], 172800)
end
return {0, '0'}
"""


def _key(kind: str, value: str) -> str:
    """A short key for a link or an address (a link token is long, and need not sit in Redis)."""
    return PREFIX + kind + ":" + hashlib.sha256(value.encode()).hexdigest()[:32]


class RedisUploadQuota:
    """The same quotas, shared by every server process through Redis."""

    def __init__(self, settings: UploadSettings, redis: Any, wall_clock: Callable[[], float]) -> None:
        self._redis = redis
        self._script = redis.register_script(_SCRIPT)
        self._wall_clock = wall_clock
        s = settings
        self.day_budget = int(s.community_mib_per_day * MIB)
        self._caps = (
            s.uploads_per_link,
            s.uploads_per_address,
            s.mib_per_link * MIB,
            s.mib_per_address * MIB,
        )
        self._window_s = s.window_s

    async def _run(self, link: str, address: str, community: str, size: int, charge: bool) -> None:
        keys = [
            _key("files-link", link),
            _key("files-address", address),
            _key("bytes-link", link),
            _key("bytes-address", address),
            f"{PREFIX}day:{_day(self._wall_clock)}:{community}",
        ]
        args = [size, self._window_s, *self._caps, self.day_budget, 1 if charge else 0]
        answer = await self._script(keys=keys, args=args)
        code = int(answer[0])
        if code == 1:
            raise _too_many(float(answer[1]))
        if code == 2:
            raise _over_budget(self.day_budget)

    async def check(self, link: str, address: str, community: str, size: int) -> None:
        await self._run(link, address, community, size, charge=False)

    async def charge(self, link: str, address: str, community: str, size: int) -> None:
        await self._run(link, address, community, size, charge=True)

    async def close(self) -> None:
        await self._redis.aclose()
