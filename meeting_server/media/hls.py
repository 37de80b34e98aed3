"""One meeting's livestream as LL-HLS: the meeting audio (the same mix the MP3 gets) and a picture — the hall
camera when there is one, otherwise a still card — encoded once per meeting into 0.5 s MPEG-TS partial
segments that make up 1 s segments (``hls_parts``), held in memory; every observer gets the same bytes.

The encoder is PyAV (libx264 + AAC + FFmpeg's ``mpegts`` muxer writing into memory) in one worker thread
behind a queue with a stop sentinel: no ffmpeg binary is needed (PyAV ships FFmpeg). The audio keeps real time
like the MP3 stream (silence is padded while no one speaks) and drives the stream clock: the video clock
ticks every ``1/fps`` s of audio (``fps``: ``[live] camera_fps``), so part ``g`` covers exactly
``[g·PART_S, (g+1)·PART_S)`` of stream time, and stream time ``t`` is wall time ``started_at + t``. The frame
rate is variable in one stream (MPEG-TS carries each frame's time): while the camera sends, a frame at every
tick; while the still card shows, a frame at every part's start (``CARD_FPS``) and at the first tick after it
changes (a floor change is on screen within ``1/fps`` s, not at the next part), so the card costs what it
cost at 2 fps. Key frames are forced at each segment's start, whatever the rate. The muxer's output is
cut where a part's first video frame begins in the byte stream (``ts_cut``), whatever FFmpeg's interleaver
still holds. Captions are not encoded: the server writes the WebVTT rendition from the same clock
(``hls_playlists``). With ``rtmp_url`` the same packets are also
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
from av.video.frame import PictureType

from .camera import fit, overlay
from .hls_parts import LiveWindow
from .hls_playlists import PART_S, SEGMENT_S
from .rtmp import RtmpPush
from .still_card import CardInfo, clock_text, render_card
from .ts_cut import PartCutter

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
CARD_FPS = 2  # the still card: one frame at each part's start (it changes at most once a second)
CHUNK_S = 0.1
_STOP = object()
__all__ = ["CARD_FPS", "SEGMENT_S", "HlsEncoder"]


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
        fps: int = 12,
    ) -> None:
        # Every part's start must be a tick (settings.LiveSettings checks camera_fps).
        assert fps % CARD_FPS == 0 and round(fps * PART_S) * CARD_FPS == fps, fps
        self.meeting_id = meeting_id
        self.fps = fps
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
        self._camera: av.VideoFrame | None = None
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

    @property
    def stream_time(self) -> float:
        """Seconds of audio handed to the encoder so far: a picture queued now is in every frame from here."""
        return self._samples / SAMPLE_RATE

    def card_info(self) -> CardInfo:
        """What the still card shows now (the speaker a camera picture's bar names)."""
        return self._card()

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

    def camera_frame(self, frame: av.VideoFrame | None, speaker: str = "") -> None:
        """The hall camera's latest frame and the speaker to draw on it, or None to go back to the still card.
        The frame is scaled and the bar drawn in the worker (``camera.fit``, ``camera.overlay``), off the
        event loop."""
        if frame is None and self._camera is None:
            return  # the card is already the picture
        self._camera = frame
        if frame is not None:
            self._queue.put(("camera", frame, speaker, clock_text()))
        elif self._info is not None:  # else the first card is on its way (_pad)
            self._info = None  # what the card shows was not followed while the camera sent: render it anew
            self.refresh_card()

    def refresh_card(self) -> None:
        """Render the card again if what it shows changed (the floor, a result, the clock's second). Called
        when the meeting's state changes and every ``CHUNK_S``. A change of the meeting is encoded at the next
        tick; the clock's second waits for the next part's frame (it would double the card's frames)."""
        info, text = self._card(), clock_text()
        if self._camera is None and (info != self._info or text != self._clock_text):
            urgent = info != self._info
            self._info, self._clock_text = info, text
            self._queue.put(("card", info, text, urgent))  # rendered in the worker (~4 ms with Pillow)

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
    async def _pad(self) -> None:
        self.refresh_card()
        while True:
            await asyncio.sleep(CHUNK_S)
            due = int((self._clock() - self._t0) * SAMPLE_RATE)
            missing = due - self._samples
            if missing > int(2 * CHUNK_S * SAMPLE_RATE):
                pad = missing - int(CHUNK_S * SAMPLE_RATE)
                self._samples += pad
                self._queue.put(np.zeros(pad, dtype=np.int16))
            try:
                self.refresh_card()
            except Exception:
                log.exception("still card of %s failed", self.meeting_id)

    def _run(self) -> None:
        try:
            self._encode()
        except Exception:
            log.exception("HLS encoder of %s failed", self.meeting_id)

    def _publish(self, part: bytes, first_pts: int | None) -> None:
        if self.window.first_pts is None:
            self.window.first_pts = first_pts
        self.window.add_part(part)
        if self.window.playlist:
            self.ready.set()

    def _encode(self) -> None:
        fps = self.fps
        ticks_per_part = round(fps * PART_S)
        # FFmpeg's mpegts muxer gives the first stream (the video) PID 0x100.
        sink = PartCutter(0x100, fps, ticks_per_part)
        # Each packet reaches the sink as it is muxed (flush_packets), audio in small PES (pes_payload_size).
        out = av.open(sink, "w", format="mpegts", options={"flush_packets": "1", "pes_payload_size": "0"})
        ticks_per_segment = fps * SEGMENT_S
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 640, 360, "yuv420p"
        video.codec_context.gop_size = ticks_per_segment
        video.codec_context.options = {
            "preset": "veryfast",
            "tune": "zerolatency",  # no lookahead: at the card's 2 fps it would hold 5 s
            "profile": "baseline",
            # A segment's first frame is forced to be an IDR (below); no other key frame.
            "forced-idr": "1",
            "x264-params": f"keyint={ticks_per_segment}:scenecut=0",
        }
        audio = out.add_stream("aac", rate=SAMPLE_RATE)
        audio.codec_context.layout = "mono"
        audio.codec_context.bit_rate = 32000
        push = self._start_rtmp(video, audio) if self.rtmp_url else None

        def mux(packet: av.Packet[Any]) -> None:
            if push is not None:
                push.send(packet)
            out.mux(packet)
            for part in sink.parts():
                self._loop.call_soon_threadsafe(self._publish, part, sink.first_pts)

        picture: av.VideoFrame | None = None
        camera = False  # the picture is the camera's: a frame at every tick
        fresh = False  # a changed card not yet encoded: its frame is the next tick, not the next part
        tick = 0
        samples = 0
        pending = np.zeros(0, dtype=np.int16)
        aac_samples = 1024
        while (item := self._queue.get()) is not _STOP:
            if isinstance(item, tuple):
                if item[0] == "camera":
                    rgb, camera, fresh = overlay(fit(item[1]), item[2], item[3]), True, True
                else:
                    rgb, camera, fresh = render_card(item[1], item[2]), False, item[3]
                picture = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
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
                # The video clock ticks every 1/fps s of audio: the audio is the clock. The camera gets a
                # frame at every tick, the card one at each part's start.
                while picture is not None and tick * SAMPLE_RATE <= samples * fps:
                    t, tick = tick, tick + 1
                    if not camera and not fresh and t % ticks_per_part:
                        continue
                    fresh = False
                    picture.pts = t
                    picture.time_base = Fraction(1, fps)
                    key = t % ticks_per_segment == 0
                    picture.pict_type = PictureType.I if key else PictureType.NONE
                    for packet in video.encode(picture):
                        mux(packet)
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
