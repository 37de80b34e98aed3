"""One meeting's livestream as LL-HLS: the meeting audio (the same mix the MP3 gets) and a picture — the hall
camera when there is one, otherwise a still card — encoded once per meeting into 0.5 s MPEG-TS partial
segments that make up 1 s segments (``hls_parts``), held in memory; every observer gets the same bytes.

The encoder is PyAV (libx264 + AAC + FFmpeg's ``mpegts`` muxer writing into memory) in one worker thread
behind a queue with a stop sentinel: no ffmpeg binary is needed (PyAV ships FFmpeg). The audio keeps real time
like the MP3 stream (silence is padded while no one speaks) and drives the stream clock: a video frame is
emitted every ``1/FPS`` s of audio, so part ``g`` covers exactly ``[g·PART_S, (g+1)·PART_S)`` of stream time,
and stream time ``t`` is wall time ``started_at + t``. The muxer's output is cut just after a part's first
video frame is handed to it: FFmpeg's interleaver still holds that frame, and everything written so far is
the previous part's (its frames and the audio before the cut). Captions are not encoded: the server writes
the WebVTT rendition from the same clock (``hls_playlists``). With ``rtmp_url`` the same packets are also
pushed over RTMP (``rtmp``).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from .hls_parts import LiveWindow
from .hls_playlists import PART_S, SEGMENT_S
from .rtmp import RtmpPush
from .still_card import CardInfo, clock_text, render_card

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
FPS = 2  # the still card changes at most once a second
FRAMES_PER_PART = round(FPS * PART_S)
CHUNK_S = 0.1
_STOP = object()
__all__ = ["FPS", "SEGMENT_S", "HlsEncoder"]


class _Sink:
    """The muxer's output file: bytes accumulate until the encoder takes them as a part."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, b: bytes) -> int:
        self.data += b
        return len(b)

    def take(self) -> bytes:
        out = bytes(self.data)
        self.data.clear()
        return out


class HlsEncoder:
    """Encodes a meeting to LL-HLS parts in memory (``window``); all public methods run on the event loop.
    ``directory`` is the meeting's folder under the data directory (kept for what else a stream may write)."""

    def __init__(
        self,
        meeting_id: str,
        directory: Path,
        card: Callable[[], CardInfo],
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        rtmp_url: str = "",
    ) -> None:
        self.meeting_id = meeting_id
        self.rtmp_url = rtmp_url
        self.rtmp: RtmpPush | None = None  # set in the worker once the codecs are open
        self.directory = directory
        self._card = card
        self._clock = clock
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._t0 = clock()
        self.started_at = wall()  # wall time of stream time 0
        self._samples = 0
        self._closed = False
        self.last_used = clock()
        self._info: CardInfo | None = None
        self._clock_text = ""
        self._camera: npt.NDArray[np.uint8] | None = None
        self._loop = asyncio.get_running_loop()
        self.window = LiveWindow(self.started_at)
        self.ready = asyncio.Event()  # set once the first segment is listed
        self._thread = threading.Thread(target=self._run, name=f"hls-{meeting_id}", daemon=True)
        self._thread.start()
        self._pad_task = asyncio.get_running_loop().create_task(self._pad())

    @property
    def playlist_text(self) -> str:
        """The media playlist ("" until the first segment is complete)."""
        return self.window.playlist

    def touch(self) -> None:
        """Someone watched just now (the idle timer restarts)."""
        self.last_used = self._clock()

    def write(self, pcm16k: npt.NDArray[np.float32]) -> None:
        """Meeting audio (16 kHz mono float32), in order; never blocks."""
        if self._closed or not len(pcm16k):
            return
        samples = np.clip(np.asarray(pcm16k, dtype=np.float32).reshape(-1), -1.0, 1.0)
        self._samples += samples.shape[0]
        self._queue.put((samples * 32767).astype(np.int16))

    def camera_frame(self, rgb: npt.NDArray[np.uint8] | None) -> None:
        """The hall camera's latest picture (640×360 RGB), or None to go back to the still card."""
        if rgb is None and self._camera is None:
            return  # the card is already the picture
        self._camera = rgb
        if rgb is None and self._info is None:
            return  # the first card is on its way (_pad)
        self._queue.put(("picture", rgb if rgb is not None else self._render()))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._pad_task.cancel()
        try:
            await self._pad_task
        except asyncio.CancelledError:
            pass
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)

    # ------------------------------------------------------------------ internals
    def _render(self) -> npt.NDArray[np.uint8]:
        assert self._info is not None
        return render_card(self._info, self._clock_text)

    def _refresh_card(self) -> None:
        info, text = self._card(), clock_text()
        if self._camera is None and (info != self._info or text != self._clock_text):
            self._info, self._clock_text = info, text
            self._queue.put(("picture", self._render()))

    async def _pad(self) -> None:
        self._refresh_card()
        while True:
            await asyncio.sleep(CHUNK_S)
            due = int((self._clock() - self._t0) * SAMPLE_RATE)
            missing = due - self._samples
            if missing > int(2 * CHUNK_S * SAMPLE_RATE):
                pad = missing - int(CHUNK_S * SAMPLE_RATE)
                self._samples += pad
                self._queue.put(np.zeros(pad, dtype=np.int16))
            try:
                self._refresh_card()
            except Exception:
                log.exception("still card of %s failed", self.meeting_id)

    def _run(self) -> None:
        try:
            self._encode()
        except Exception:
            log.exception("HLS encoder of %s failed", self.meeting_id)

    def _publish(self, part: bytes) -> None:
        self.window.add_part(part)
        if self.window.playlist:
            self.ready.set()

    def _encode(self) -> None:
        sink = _Sink()
        # Each packet reaches the sink as it is muxed (flush_packets), audio in small PES (pes_payload_size).
        out = av.open(sink, "w", format="mpegts", options={"flush_packets": "1", "pes_payload_size": "0"})
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = 640, 360, "yuv420p"
        video.codec_context.gop_size = FPS * SEGMENT_S
        video.codec_context.options = {
            "preset": "veryfast",
            "tune": "stillimage,zerolatency",  # no lookahead: at 2 fps it would hold 5 s
            "profile": "baseline",
            "x264-params": f"keyint={FPS * SEGMENT_S}:min-keyint={FPS * SEGMENT_S}:scenecut=0",
        }
        audio = out.add_stream("aac", rate=SAMPLE_RATE)
        audio.codec_context.layout = "mono"
        audio.codec_context.bit_rate = 32000
        push = self._start_rtmp(video, audio) if self.rtmp_url else None

        def mux(packet: av.Packet[Any]) -> None:
            if push is not None:
                push.send(packet)
            out.mux(packet)

        picture: av.VideoFrame | None = None
        frames = 0
        samples = 0
        pending = np.zeros(0, dtype=np.int16)
        aac_samples = 1024
        while (item := self._queue.get()) is not _STOP:
            if isinstance(item, tuple):
                picture = av.VideoFrame.from_ndarray(item[1], format="rgb24").reformat(format="yuv420p")
                continue
            assert isinstance(item, np.ndarray)
            pending = np.concatenate([pending, item])
            while pending.shape[0] >= aac_samples:
                chunk, pending = pending[:aac_samples], pending[aac_samples:]
                frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
                frame.sample_rate = SAMPLE_RATE
                frame.pts = samples
                frame.time_base = Fraction(1, SAMPLE_RATE)
                samples += aac_samples
                for packet in audio.encode(frame):
                    mux(packet)
                # A picture every 1/FPS s of audio: the audio is the clock.
                while picture is not None and frames * SAMPLE_RATE <= samples * FPS:
                    picture.pts = frames
                    picture.time_base = Fraction(1, FPS)
                    frames += 1
                    for packet in video.encode(picture):
                        mux(packet)
                        if packet.pts and packet.pts % FRAMES_PER_PART == 0:  # this packet starts a part
                            self._loop.call_soon_threadsafe(self._publish, sink.take())
        out.close()
        if push is not None:
            push.close()

    def _start_rtmp(self, video: av.VideoStream, audio: av.AudioStream) -> RtmpPush:
        # FLV needs SPS/PPS as extradata: x264 with a global header (MPEG-TS then repeats it before each IDR).
        video.codec_context.flags |= av.codec.context.Flags.global_header
        video.codec_context.open()
        audio.codec_context.open()
        self.rtmp = RtmpPush(self.rtmp_url, video, audio)
        return self.rtmp
