"""One meeting's audio path: the floor gate, the caption stream of the current turn, the recording and
the live stream.

Floor events arrive from the meeting's single writer (``on_floor_granted`` / ``on_floor_ended``, called under
the meeting lock, so they only flip state and enqueue work). Audio arrives from the peer manager
(``on_audio``). Everything slow — opening and flushing caption streams, committing final captions to the
log, sending partials — runs in one task per meeting, in order, so a turn's finals are logged in order and
after its ``FloorGranted``. With several server processes, what listeners get of this process's microphones
is also handed to ``publish`` (``hub.audio_relay``), and other processes' comes in through ``hear_remote``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from asr.stream import Caption
from recordings.writer import MeetingRecorder, RecordingError

from .gate import HALL_SOURCE, ONLINE, FloorGate
from .hls import HlsEncoder
from .live import LiveAudio
from .playback import PlaybackTrack

log = logging.getLogger(__name__)

MAX_PENDING_S = 30.0  # audio held while the caption model is still loading
LOCAL_HOLD_S = 0.5  # a source heard from a microphone here this recently is not taken from another process


class CaptionStream(Protocol):
    def feed(self, pcm: npt.NDArray[np.float32]) -> None: ...
    async def close(self) -> None: ...


class CaptionService(Protocol):
    """What a turn needs from captioning: ``asr.service.AsrService`` in one process, or
    ``asr.redis_service.RedisAsrService`` feeding worker processes (scale-out)."""

    def open_stream(
        self,
        *,
        hotwords: Sequence[str] = (),
        on_caption: Callable[[Caption], None],
        live: bool = True,
        hall: bool = False,
    ) -> CaptionStream: ...


CommitFinal = Callable[[str, str, Caption], Awaitable[None]]  # (turn_id, participant_id, caption)
SendPartial = Callable[[dict[str, Any]], Awaitable[None]]


@dataclasses.dataclass
class Turn:
    turn_id: str
    participant_id: str
    name: str
    channel: str = ONLINE
    stream: CaptionStream | None = None
    pending: list[npt.NDArray[np.float32]] = dataclasses.field(default_factory=list)
    pending_samples: int = 0
    ended: bool = False


class MeetingAudio:
    """The audio of one meeting; all methods run on the event loop."""

    def __init__(
        self,
        meeting_id: str,
        *,
        asr: CaptionService | None,
        asr_ready: asyncio.Future[None] | None,
        commit_final: CommitFinal,
        send_partial: SendPartial,
        recordings_dir: Path | None,
        live_bitrate: int | None,
        hotwords: Callable[[], Sequence[str]],
        publish: Callable[[str, npt.NDArray[np.float32]], None] | None = None,
    ) -> None:
        self.meeting_id = meeting_id
        # Scale-out: what the gate lets through to listeners goes to the other processes (``audio_relay``).
        self._publish = publish
        self._local: dict[str, float] = {}  # source → when a microphone here was last heard
        self.gate = FloorGate()
        self._asr = asr
        self._asr_ready = asr_ready
        self._commit_final = commit_final
        self._send_partial = send_partial
        self._recordings_dir = recordings_dir
        self._live_bitrate = live_bitrate
        self._hotwords = hotwords
        self._recorder: MeetingRecorder | None = None
        self._live: LiveAudio | None = None
        self.hls: HlsEncoder | None = None  # the livestream's encoder, set while someone watches
        self._playback: PlaybackTrack | None = None
        self._turn: Turn | None = None
        self._work: asyncio.Queue[Callable[[], Awaitable[None]] | None] = asyncio.Queue()
        self._worker = asyncio.get_running_loop().create_task(self._run())
        self._flushing: set[asyncio.Task[None]] = set()
        self.captions_committed = 0

    # ------------------------------------------------------------------ floor (from the single writer)
    def on_floor_granted(self, turn_id: str, participant_id: str, name: str, channel: str) -> None:
        if self._turn is not None:
            self.on_floor_ended(self._turn.turn_id)
        self.gate.grant(participant_id, channel, turn_id)
        turn = Turn(turn_id, participant_id, name, channel)
        self._turn = turn
        recorder = self._recorder_or_none()
        if recorder is not None:
            recorder.start_turn(turn_id, participant_id, name)
        if self._asr is not None:
            self._work.put_nowait(lambda: self._open_stream(turn))

    def on_floor_ended(self, turn_id: str) -> None:
        """Stop taking the speaker's audio now; flush their captions in the background."""
        self.gate.release(turn_id)
        turn = self._turn
        if turn is None or turn.turn_id != turn_id:
            return
        self._turn = None
        turn.ended = True
        if self._recorder is not None:
            try:
                self._recorder.end_turn(turn_id)
            except RecordingError:
                log.exception("recording of %s failed", self.meeting_id)
        self._work.put_nowait(lambda: self._close_stream(turn))

    # ------------------------------------------------------------------ audio (from the peer manager)
    def on_audio(self, source: str, pcm: npt.NDArray[np.float32]) -> bool:
        """Audio from ``source`` (a participant id or ``"hall"``); True if it belonged to the floor."""
        turn_id = self.gate.route(source)
        turn = self._turn
        if turn_id is None or turn is None or turn.turn_id != turn_id:
            if source == HALL_SOURCE and self.gate.state.channel != ONLINE:
                # Between turns observers hear the room (the moderator, the hall); it is neither captioned
                # nor recorded. While a phone holds the floor the hall is left out, so no one is heard twice.
                self._heard(source, pcm)
            return False
        if turn.stream is not None:
            turn.stream.feed(pcm)
        elif self._asr is not None and turn.pending_samples < MAX_PENDING_S * 16000:
            turn.pending.append(np.array(pcm, dtype=np.float32, copy=True))
            turn.pending_samples += len(pcm)
        if self._recorder is not None:
            try:
                self._recorder.write(pcm)
            except RecordingError:
                log.exception("recording of %s failed; captions go on", self.meeting_id)
                self._recorder = None
        self._heard(source, pcm)
        return True

    def _heard(self, source: str, pcm: npt.NDArray[np.float32]) -> None:
        """A local microphone's audio that listeners get: here, and on the other processes (scale-out)."""
        self._local[source] = time.monotonic()
        self._play(source, pcm)
        if self._publish is not None:
            self._publish(source, pcm)

    def hear_remote(self, source: str, pcm: npt.NDArray[np.float32]) -> None:
        """The same from a microphone on another process (``hub.audio_relay``), unless one of that source
        is heard here (two hall stations on two processes: each process hears its own, never both)."""
        if time.monotonic() - self._local.get(source, -LOCAL_HOLD_S) >= LOCAL_HOLD_S:
            self._play(source, pcm)

    def _play(self, source: str, pcm: npt.NDArray[np.float32]) -> None:
        """Audio the gate let through, of a microphone here or on another process: to the live stream, the
        livestream's encoder and, a phone speaker's, the hall station (the hall's own microphone never is
        played back: feedback)."""
        if self._live is not None:
            self._live.write(pcm)
        if self.hls is not None:
            self.hls.write(pcm)
        if self._playback is not None and source != HALL_SOURCE:
            self._playback.write(pcm)

    @property
    def listened(self) -> bool:
        """Someone here hears the meeting (an MP3 stream, the livestream's encoder, the hall station)."""
        return self._live is not None or self.hls is not None or self._playback is not None

    def new_playback(self) -> PlaybackTrack:
        """The track the hall station plays (one station per meeting: a new one replaces the old)."""
        if self._playback is not None:
            self._playback.stop()
        self._playback = PlaybackTrack()
        return self._playback

    def live(self) -> LiveAudio | None:
        """The meeting's live MP3 stream, started on first use (None when live audio is off)."""
        if self._live is None and self._live_bitrate is not None:
            self._live = LiveAudio(self.meeting_id, bitrate=self._live_bitrate)
        return self._live

    # ------------------------------------------------------------------ the ordered work
    def _recorder_or_none(self) -> MeetingRecorder | None:
        if self._recorder is None and self._recordings_dir is not None:
            try:
                self._recorder = MeetingRecorder(self._recordings_dir, self.meeting_id)
            except (OSError, ValueError):
                log.exception("cannot record meeting %s", self.meeting_id)
                self._recordings_dir = None
        return self._recorder

    async def _open_stream(self, turn: Turn) -> None:
        assert self._asr is not None
        if self._asr_ready is not None:
            await asyncio.shield(self._asr_ready)
        if turn.ended and not turn.pending:
            return

        def on_caption(caption: Caption) -> None:
            self._work.put_nowait(lambda: self._deliver(turn, caption))

        # a turn in the room is heard by the hall microphone (far field): its own caption settings
        turn.stream = self._asr.open_stream(
            hotwords=self._hotwords(), on_caption=on_caption, hall=turn.channel != ONLINE
        )
        for chunk in turn.pending:
            turn.stream.feed(chunk)
        turn.pending.clear()
        if turn.ended:  # the floor ended while the model was loading: flush what was said
            await self._close_stream(turn)

    async def _close_stream(self, turn: Turn) -> None:
        stream, turn.stream = turn.stream, None
        if stream is not None:
            # Close in the background so the next turn need not wait for this one's last decode; its tail
            # finals are enqueued as they come and committed in order.
            task = asyncio.get_running_loop().create_task(self._flush(stream))
            self._flushing.add(task)
            task.add_done_callback(self._flushing.discard)

    async def _flush(self, stream: CaptionStream) -> None:
        try:
            await stream.close()
        except Exception:
            log.exception("caption stream of %s failed while closing", self.meeting_id)

    async def _deliver(self, turn: Turn, caption: Caption) -> None:
        if caption.kind == "final":
            await self._commit_final(turn.turn_id, turn.participant_id, caption)
            self.captions_committed += 1
        elif not turn.ended:
            await self._send_partial(
                {
                    "kind": "caption_partial",
                    "turn_id": turn.turn_id,
                    "participant_id": turn.participant_id,
                    "name": turn.name,
                    "text": caption.text,
                    "start": round(caption.start, 3),
                    "end": round(caption.end, 3),
                }
            )

    async def _run(self) -> None:
        while (job := await self._work.get()) is not None:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("audio work of meeting %s failed", self.meeting_id)

    async def drain(self) -> None:
        """Wait until the work queued so far is done."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def mark() -> None:
            done.set_result(None)

        self._work.put_nowait(mark)
        await done

    async def close(self) -> None:
        """End the turn, flush captions, finish the recording and the live stream."""
        if self._turn is not None:
            self.on_floor_ended(self._turn.turn_id)
        await self.drain()
        while self._flushing:  # streams closing in the background: wait for their finals
            await asyncio.gather(*self._flushing, return_exceptions=True)
            await self.drain()
        self._work.put_nowait(None)
        await self._worker
        if self._recorder is not None:
            try:
                await self._recorder.aclose()
            except RecordingError:
                log.exception("recording of %s failed", self.meeting_id)
        if self._live is not None:
            await self._live.close()
        if self._playback is not None:
            self._playback.stop()
