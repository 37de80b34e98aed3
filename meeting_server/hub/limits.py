"""Rate limits and connection caps: token buckets and counters, pure (the clock is passed in).

The socket edge (``admission.py``) decides what is counted under which key; this module only counts.
Memory stays bounded: a bucket that has refilled completely is the same as no bucket, so idle ones are
forgotten, and a counter at zero is removed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable


@dataclasses.dataclass(slots=True)
class TokenBucket:
    """``burst`` tokens at most, refilled at ``rate`` per second; each allowed action takes one."""

    rate: float
    burst: float
    tokens: float
    stamp: float

    @classmethod
    def full(cls, rate: float, burst: float, now: float) -> TokenBucket:
        return cls(rate, burst, burst, now)

    def refill(self, now: float) -> None:
        # A clock that went backwards (it should not: buckets run on a monotonic clock) refills nothing.
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.stamp = max(self.stamp, now)

    def take(self, now: float, cost: float = 1.0) -> bool:
        self.refill(now)
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False

    def retry_after(self, cost: float = 1.0) -> float:
        """Seconds until ``cost`` tokens are there (0 when they are)."""
        return max(0.0, (cost - self.tokens) / self.rate)


class Buckets:
    """One token bucket per key (a link, an address), all with the same rate and burst. An action may cost
    more than one token (an upload's bytes); one that costs more than ``burst`` is never allowed."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float], *, max_keys: int = 10_000
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[Hashable, TokenBucket] = {}

    def take(self, key: Hashable, cost: float = 1.0) -> float:
        """0.0 when the action is allowed (its tokens are taken), else the seconds until it would be."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_full(now)
            bucket = self._buckets[key] = TokenBucket.full(self.rate, self.burst, now)
        if bucket.take(now, cost):
            return 0.0
        return bucket.retry_after(cost)

    def wait(self, key: Hashable, cost: float = 1.0) -> float:
        """The seconds until ``take(key, cost)`` would be allowed, taking nothing (0.0: now)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return max(0.0, (cost - self.burst) / self.rate)  # a full bucket
        bucket.refill(self.clock())
        return bucket.retry_after(cost)

    def _forget_full(self, now: float) -> None:
        for key, bucket in list(self._buckets.items()):
            bucket.refill(now)
            if bucket.tokens >= bucket.burst:
                del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


class Counter:
    """How many of something each key holds now (connections per link or per address), with a cap."""

    def __init__(self, cap: int) -> None:
        if cap < 1:
            raise ValueError("a cap must be at least 1")
        self.cap = cap
        self._counts: dict[Hashable, int] = {}

    def acquire(self, key: Hashable, cap: int | None = None) -> bool:
        """Count one more for ``key`` unless it holds ``cap`` (default: the counter's) already."""
        count = self._counts.get(key, 0)
        if count >= (self.cap if cap is None else cap):
            return False
        self._counts[key] = count + 1
        return True

    def release(self, key: Hashable) -> None:
        count = self._counts.get(key, 0) - 1
        if count > 0:
            self._counts[key] = count
        else:
            self._counts.pop(key, None)

    def __getitem__(self, key: Hashable) -> int:
        return self._counts.get(key, 0)
