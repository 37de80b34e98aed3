"""Cutting the livestream's MPEG-TS byte stream into LL-HLS parts: a part starts at the first TS packet of
the video frame that begins it, found by that frame's PES time stamp.

The muxer (FFmpeg's interleaver) writes packets in time order but holds each one until every stream has
one queued, so when a frame is handed to it, earlier frames may still be unwritten (the AAC encoder's delay
makes the audio lag the video by more than a frame at camera rates). Cutting at the byte where the part's
first frame begins, instead of at the moment it is handed over, puts every frame in its own part whatever
the interleaver holds. Pure byte work, no I/O.
"""

from __future__ import annotations

TS_PACKET = 188
SYNC = 0x47
PTS_HZ = 90_000


class PartCutter:
    """A file-like sink for the muxer; :meth:`parts` returns the complete parts written so far.

    ``video_pid``: the video stream's PID; a part starts at each video frame whose tick (``1/fps`` s since the
    first video frame, tick 0) is a multiple of ``ticks_per_part``; tick 0 starts the first part, which also
    carries the stream's tables written before it."""

    def __init__(self, video_pid: int, fps: int, ticks_per_part: int) -> None:
        self.video_pid = video_pid
        self.fps = fps
        self.ticks_per_part = ticks_per_part
        self._buf = bytearray()
        self._scanned = 0  # bytes of _buf already looked at
        self._base: int | None = None  # the PTS of tick 0

    @property
    def first_pts(self) -> int | None:
        """The 90 kHz PTS the muxer gave the first video frame (stream time 0), once it is written: FFmpeg
        shifts every time stamp by the audio encoder's priming delay (AAC: 1024 samples), so it is not 0."""
        return self._base

    def write(self, b: bytes) -> int:
        self._buf += b
        return len(b)

    def parts(self) -> list[bytes]:
        """Parts whose end (the next part's first frame) has been written, in order."""
        out = []
        while self._scanned + TS_PACKET <= len(self._buf):
            at = self._scanned
            self._scanned += TS_PACKET
            if self._buf[at] != SYNC:
                raise ValueError(f"MPEG-TS out of sync at byte {at}")
            tick = self._frame_tick(memoryview(self._buf)[at : at + TS_PACKET])
            if tick is not None and tick > 0 and tick % self.ticks_per_part == 0:
                out.append(bytes(self._buf[:at]))
                del self._buf[:at]
                self._scanned -= at
        return out

    def rest(self) -> bytes:
        """What is left after the last cut (the stream's end)."""
        data = bytes(self._buf)
        self._buf.clear()
        self._scanned = 0
        return data

    def _frame_tick(self, packet: memoryview) -> int | None:
        """The tick of the video frame whose PES starts in this TS packet, else None."""
        pusi = packet[1] & 0x40
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        if not pusi or pid != self.video_pid or not packet[3] & 0x10:
            return None
        start = 4 + (1 + packet[4] if packet[3] & 0x20 else 0)
        pes = packet[start:]
        if len(pes) < 14 or bytes(pes[0:3]) != b"\x00\x00\x01" or not pes[7] & 0x80:
            return None
        p = pes[9:14]
        pts = ((p[0] >> 1) & 7) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1
        if self._base is None:
            self._base = pts
        return round((pts - self._base) * self.fps / PTS_HZ)
