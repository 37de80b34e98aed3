"""RTMP push of the livestream (视频号 / 抖音 live and any RTMP ingest): the HLS encoder's own packets,
remuxed to FLV by PyAV — the same encode, no second one and no ffmpeg binary.

The HLS encoder hands each packet to :meth:`RtmpPush.send` (a copy, never blocking); one worker thread
connects, writes and, when the ingest refuses or drops the connection, reconnects every ``retry_s``
(starting again at a keyframe). A push that falls behind (a slow uplink) drops packets up to the next
keyframe rather than buffering without bound: the HLS stream is never held up by RTMP.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

import av
from av.audio.stream import AudioStream
from av.video.stream import VideoStream

log = logging.getLogger(__name__)

MAX_QUEUED = 256  # packets (~25 s at 2 fps video + 16 kHz AAC); past that the push skips to a keyframe
_STOP = object()


class RtmpPush:
    def __init__(self, url: str, video: VideoStream, audio: AudioStream, *, retry_s: float = 5.0) -> None:
        """``video`` and ``audio`` are the encoder's opened output streams (their parameters, extradata
        included, become the FLV streams'; the x264 encoder needs the global-header flag for that)."""
        self.url = url
        self.retry_s = retry_s
        self._video, self._audio = video, audio
        self._queue: queue.Queue[object] = queue.Queue(MAX_QUEUED)
        self._skip = True  # until the next video keyframe
        self.sent = 0  # packets written to the ingest
        self.connects = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rtmp-push", daemon=True)
        self._thread.start()

    def send(self, packet: av.Packet[Any]) -> None:
        """From the encoder thread, before the packet is muxed into HLS (muxing consumes it)."""
        is_video = packet.stream is self._video
        if self._skip:
            if not (is_video and packet.is_keyframe):
                return
            self._skip = False
        copy = av.Packet(bytes(packet))
        copy.pts, copy.dts, copy.time_base = packet.pts, packet.dts, packet.time_base
        copy.is_keyframe = packet.is_keyframe
        try:
            self._queue.put_nowait((is_video, copy))
        except queue.Full:
            self._skip = True

    def close(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            pass
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._push()
            except Exception as exc:
                log.warning(
                    "RTMP push to %s failed (%s); retrying in %g s", _redact(self.url), exc, self.retry_s
                )
            if self._stopping.wait(self.retry_s):
                break
            self._drain()

    def _push(self) -> None:
        out = av.open(self.url, "w", format="flv")  # connects when the header is written (first packet)
        try:
            video = out.add_stream_from_template(self._video)
            audio = out.add_stream_from_template(self._audio)
            # The template copies the parameters, not the extradata (SPS/PPS, AudioSpecificConfig) FLV needs.
            video.codec_context.extradata = self._video.codec_context.extradata
            audio.codec_context.extradata = self._audio.codec_context.extradata
            started = False
            while (item := self._queue.get()) is not _STOP:
                assert isinstance(item, tuple)
                is_video, packet = item
                if not started and not (is_video and packet.is_keyframe):
                    continue  # a fresh connection starts at a keyframe
                packet.stream = video if is_video else audio
                out.mux(packet)
                if not started:
                    started = True
                    self.connects += 1
                    log.info("RTMP push to %s connected", _redact(self.url))
                self.sent += 1
        finally:
            try:
                out.close()
            except Exception:
                log.debug("closing the RTMP push failed", exc_info=True)

    def _drain(self) -> None:
        """Packets queued while disconnected are stale: drop them (the next connection starts fresh)."""
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is _STOP:
                self._stopping.set()
                return


def _redact(url: str) -> str:
    """The URL without its stream key (the last path part is the secret on every platform)."""
    return url.rsplit("/", 1)[0] + "/…"
