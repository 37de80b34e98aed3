"""One meeting's livestream as HLS: the meeting audio (the same mix the MP3 gets) and a picture — the hall
camera when there is one, otherwise a still card — encoded once per meeting into 2 s MPEG-TS segments with a
sliding-window playlist in the data directory; every observer fetches the same files.

The encoder is PyAV (libx264 + AAC + FFmpeg's ``hls`` muxer) in one worker thread behind a queue with a stop
sentinel: no ffmpeg binary is needed (PyAV ships FFmpeg). The audio keeps real time like the MP3 stream
(silence is padded while no one speaks) and drives the stream clock: a video frame is emitted every
``1/FPS`` s of audio, so segment ``n`` covers exactly ``[n·SEGMENT_S, (n+1)·SEGMENT_S)`` of stream time, and
stream time ``t`` is wall time ``started_at + t``. Captions are not encoded: the server writes the WebVTT
rendition from the same clock (``hls_playlists``). With ``rtmp_url`` the same packets are also pushed over
RTMP (``rtmp``).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from .rtmp import RtmpPush
from .still_card import CardInfo, clock_text, render_card

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
FPS = 2  # the still card changes at most once a second
SEGMENT_S = 2
WINDOW = 6  # segments in the playlist
CHUNK_S = 0.1
PLAYLIST = "stream.m3u8"
_STOP = object()


class HlsEncoder:
    """Encodes a meeting to HLS files under ``directory``; all public methods run on the event loop."""

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
        shutil.rmtree(directory, ignore_errors=True)  # an earlier run's segments would confuse players
        directory.mkdir(parents=True)
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
        self.playlist_text = ""  # the media playlist as last written by the muxer ("" until the first)
        self.ready = asyncio.Event()  # set once the first segment is listed
        self._thread = threading.Thread(target=self._run, name=f"hls-{meeting_id}", daemon=True)
        self._thread.start()
        self._pad_task = asyncio.get_running_loop().create_task(self._pad())

    @property
    def playlist(self) -> Path:
        return self.directory / PLAYLIST

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

    def _publish(self, text: str) -> None:
        self.playlist_text = text
        self.ready.set()

    def _check_playlist(self, seen: int) -> int:
        """In the worker: hand a rewritten playlist to the loop (players read it from memory)."""
        try:
            mtime = self.playlist.stat().st_mtime_ns
            if mtime != seen:
                text = self.playlist.read_text(encoding="utf-8")
                self._loop.call_soon_threadsafe(self._publish, text)
        except FileNotFoundError:
            return seen
        return mtime

    def _encode(self) -> None:
        out = av.open(
            str(self.playlist),
            "w",
            format="hls",
            options={
                "hls_time": str(SEGMENT_S),
                "hls_list_size": str(WINDOW),
                "hls_flags": "delete_segments+independent_segments+temp_file+program_date_time",
                "hls_segment_filename": str(self.directory / "seg%d.ts"),
            },
        )
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
        seen = 0
        while (item := self._queue.get()) is not _STOP:
            seen = self._check_playlist(seen)
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
        for packet in [*video.encode(None), *audio.encode(None)]:
            mux(packet)
        out.close()
        if push is not None:
            push.close()
        self._check_playlist(seen)

    def _start_rtmp(self, video: av.VideoStream, audio: av.AudioStream) -> RtmpPush:
        # FLV needs SPS/PPS as extradata: x264 with a global header (MPEG-TS then repeats it before each IDR).
        video.codec_context.flags |= av.codec.context.Flags.global_header
        video.codec_context.open()
        audio.codec_context.open()
        self.rtmp = RtmpPush(self.rtmp_url, video, audio)
        return self.rtmp
