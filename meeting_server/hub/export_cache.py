"""Downloads of a meeting's minutes and transcripts, made once per version of its log.

A PDF of the minutes costs seconds of CPU; anyone holding any link of the meeting may ask for it, again and
again. The file only changes when the log does, so each file is keyed by (meeting, format, head sequence,
head hash): repeated and concurrent requests for one version share one export (single flight), a small
LRU keeps the recent ones, and at most ``workers`` exports run at once so a burst of requests for many
meetings cannot take every core.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

Key = tuple[str, str, int, str]  # meeting id, format, head seq, head hash
Body = tuple[bytes, str]  # the file and its content type


class ExportCache:
    def __init__(self, *, entries: int = 32, workers: int = 2) -> None:
        self._done: OrderedDict[Key, Body] = OrderedDict()
        self._running: dict[Key, asyncio.Future[Body]] = {}
        self._entries = entries
        self._slots = asyncio.Semaphore(workers)
        self.exports = 0  # how many exports actually ran (for tests and the log)

    async def get(self, key: Key, make: Callable[[], Awaitable[Body]]) -> Body:
        if key in self._done:
            self._done.move_to_end(key)
            return self._done[key]
        running = self._running.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[Body] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            async with self._slots:
                self.exports += 1
                body = await make()
        except BaseException as e:
            future.set_exception(e)
            future.exception()  # retrieved: a failure with no other waiter is not "never retrieved"
            raise
        finally:
            del self._running[key]
        future.set_result(body)
        self._done[key] = body
        while len(self._done) > self._entries:
            self._done.popitem(last=False)
        return body
