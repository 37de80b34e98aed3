"""The livestream's LL-HLS window: the encoder's 0.5 s partial segments (MPEG-TS), the 1 s segments they make
up, and the playlists over them, held in memory on the event loop; players wait here for a part or a playlist
update (blocking playlist reload, RFC 8216bis §6.2.5.2).

Parts are numbered from the stream's start: part ``g`` is part ``g % PARTS`` of segment ``g // PARTS`` and
covers stream time ``[g·PART_S, (g+1)·PART_S)``; a segment is the bytes of its parts, in order, and the first
part of each segment starts with a key frame (``INDEPENDENT=YES``)."""

from __future__ import annotations

import asyncio

from .hls_playlists import PARTS, SEGMENT_S, media_playlist, subtitles_playlist

WINDOW = 6  # complete segments in the playlist
PART_SEGMENTS = 3  # segments (the one being made and the two before) whose parts are listed
KEPT_PART_SEGMENTS = 6  # segments whose parts are still served (a player running late gets them for 6 s)
HOLD_S = 3 * SEGMENT_S  # a blocking request waits at most three target durations (then 503)


MAX_DIGITS = 9  # segment and part numbers in names and queries: a stream of 15 years at 2 s a segment


def number(text: str) -> int | None:
    """``text`` as a segment or part number: ASCII digits only (``str.isdigit`` also takes 「²」, which
    ``int`` refuses) and at most ``MAX_DIGITS`` of them (``int`` refuses 4,300 and more); None otherwise."""
    if not 0 < len(text) <= MAX_DIGITS or not text.isascii() or not text.isdigit():
        return None
    return int(text)


class TooFar(ValueError):
    """A blocking request for a segment more than two ahead of the playlist's last one."""


class LiveWindow:
    def __init__(self, started_at: float) -> None:
        self.started_at = started_at  # wall time of stream time 0
        self.produced = 0  # parts made so far
        # The MPEG-TS PTS (90 kHz) of stream time 0, read from the muxer's output (the first video frame's
        # PES); the subtitles' X-TIMESTAMP-MAP carries it. None until the first part is out.
        self.first_pts: int | None = None
        self._parts: dict[int, bytes] = {}
        self._segments: dict[int, bytes] = {}
        self.playlist = ""  # "" until the first segment is complete
        self.subtitles = ""
        # The same, encoded once per change: a thousand players fetch each version.
        self.playlist_bytes = b""
        self.subtitles_bytes = b""
        # ``produced`` count -> the one future every request waiting for it awaits (a thousand players wait
        # for each part: one future and one timer for them all, not one each).
        self._waiting: dict[int, asyncio.Future[bool]] = {}

    @property
    def complete(self) -> int:
        """Segments complete so far (the next segment's number)."""
        return self.produced // PARTS

    def add_part(self, data: bytes) -> None:
        g = self.produced
        self._parts[g] = data
        self.produced += 1
        if self.produced % PARTS == 0:
            first = g + 1 - PARTS
            self._segments[g // PARTS] = b"".join(self._parts[i] for i in range(first, g + 1))
        for old in [i for i in self._parts if i < (self.complete - KEPT_PART_SEGMENTS) * PARTS]:
            del self._parts[old]
        for old in [n for n in self._segments if n < self.complete - WINDOW - 2]:
            del self._segments[old]
        if self.complete:
            self.playlist = media_playlist(self.produced, self.started_at, WINDOW, PART_SEGMENTS - 1)
            self.subtitles = subtitles_playlist(self.playlist)
            self.playlist_bytes, self.subtitles_bytes = self.playlist.encode(), self.subtitles.encode()
        waiting = self._waiting.pop(self.produced, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(True)

    def part(self, name: str) -> tuple[int, int] | None:
        """``seg12p3`` → (12, 3); None for any other name."""
        seg, p, part = name.removeprefix("seg").partition("p")
        n, k = number(seg), number(part)
        if p and n is not None and k is not None and k < PARTS:
            return n, k
        return None

    async def _until(self, ready: int, limit_s: float) -> bool:
        """Wait until ``produced >= ready``: at most ``limit_s`` s from the first request waiting for it."""
        if self.produced >= ready:
            return True
        waiting = self._waiting.get(ready)
        if waiting is None:
            loop = asyncio.get_running_loop()
            waiting = self._waiting[ready] = loop.create_future()
            loop.call_later(limit_s, self._expire, ready, waiting)
        return await asyncio.shield(waiting)  # a request given up on leaves the others waiting

    def _expire(self, ready: int, waiting: asyncio.Future[bool]) -> None:
        if not waiting.done():
            waiting.set_result(False)
        if self._waiting.get(ready) is waiting:
            del self._waiting[ready]

    async def reload(self, msn: int, part: int | None) -> bool:
        """Hold a playlist request until segment ``msn`` (its part ``part`` when given) is listed.

        Raises :class:`TooFar` for a segment more than two past the last one; False when the wait ran out."""
        if msn > self.complete + 2:
            raise TooFar(msn)
        ready = (msn + 1) * PARTS if part is None else msn * PARTS + part + 1
        return await self._until(ready, HOLD_S)

    async def part_bytes(self, msn: int, part: int) -> bytes | None:
        """A part's bytes; the next few parts (the preload hint) are waited for; None if gone or too far."""
        g = msn * PARTS + part
        if g >= self.produced + PARTS or not await self._until(g + 1, HOLD_S):
            return None
        return self._parts.get(g)

    def segment_bytes(self, msn: int) -> bytes | None:
        return self._segments.get(msn)
