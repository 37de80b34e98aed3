"""Upload quotas: how many files and bytes an uploader and a client address may send, and how many bytes
a community's uploads may add in a day. Counted per server process (``hub.limits`` token buckets; the
clocks are passed in), checked by ``uploads.receive`` before a body is read and again before it is kept.
"""

from __future__ import annotations

from collections.abc import Callable

from meeting_server.hub.http_edge import Refused
from meeting_server.hub.limits import Buckets
from meeting_server.settings import UploadSettings

MIB = 1024 * 1024
_DAY_S = 86400.0
_BEIJING_S = 8 * 3600.0  # the day turns at midnight in China (UTC+8, no daylight saving)


class UploadQuota:
    """Uploads per link and per address in a sliding window, and bytes per community per day."""

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
        day = int((self._wall_clock() + _BEIJING_S) // _DAY_S)
        if day != self._day:
            self._day, self._used = day, {}
        return self._used

    def check(self, link: str, address: str, community: str, size: int) -> None:
        """Refused(429/507) when an upload of ``size`` bytes would be over a quota; counts nothing."""
        keys = (link, address)
        wait = max(
            *(b.wait(k) for b, k in zip(self._files, keys, strict=True)),
            *(b.wait(k, size) for b, k in zip(self._bytes, keys, strict=True)),
        )
        if wait > 0:
            raise Refused(429, "too_many", f"上传太频繁，请 {int(wait) // 60 + 1} 分钟后再试")
        if self._today().get(community, 0) + size > self.day_budget:
            mib = self.day_budget // MIB
            raise Refused(507, "quota_exceeded", f"本社区今天上传的文件已达上限（{mib} MB），请明天再试")

    def charge(self, link: str, address: str, community: str, size: int) -> None:
        """Count an upload of ``size`` bytes about to be kept, or Refused(429/507) if over a quota.

        No await between the check and the counting, so concurrent uploads cannot both pass on one budget.
        """
        self.check(link, address, community, size)
        for b, k in zip(self._files, (link, address), strict=True):
            b.take(k)
        for b, k in zip(self._bytes, (link, address), strict=True):
            b.take(k, size)
        used = self._today()
        used[community] = used.get(community, 0) + size
