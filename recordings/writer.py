"""One meeting's floor audio as Ogg Opus files that survive ``kill -9``, plus an index of turns.

Layout: ``<data_dir>/recordings/<meeting_id>/floor-<n>.ogg`` and ``turns.jsonl`` beside it.

* **Format**: Opus at 16 kHz mono, 24 kb/s VBR (``application=voip``). The audio reaching the recorder is the
  16 kHz mono the PeerManager and the ASR use; encoding it at 48 kHz would add bytes and no information.
  Players and FFmpeg decode it like any Ogg Opus file.
* **Crash safety**: the Ogg muxer closes a page every 80 ms of audio (``page_duration``; FFmpeg's default
  is 1 s, which is what loses seconds) and flushes its I/O buffer at each page boundary; the file is an
  unbuffered ``FileIO``, so every page reaches the kernel at once and survives the process being killed.
  Measured: a ``kill -9`` loses ≤ 0.17 s of what ``write`` had accepted (tests/recordings/test_crash.py).
  ``fsync`` (for power loss, not needed for kill -9) runs when a turn ends and at most every
  ``fsync_interval`` seconds otherwise.
* **Timeline**: one file is one continuous timeline from the recorder's start. Between turns the worker
  pads it with silence up to the (monotonic) clock as time passes, so turn offsets line up with the
  meeting's time and a crash between turns loses no speech (the silence after a turn pushes its last page
  out). Within a turn the audio is appended as it comes. A restart starts a new file ``floor-<n+1>.ogg``
  rather than appending to one whose last page may be torn; the index names the file of each turn.
* A recording that never got any audio is deleted at :meth:`MeetingRecorder.close` (a headers-only Ogg
  file does not open); after a crash before the first audio page, such a file may remain (~130 bytes).
* **Index**: ``turns.jsonl`` gets a line when a turn starts (``end_s`` null) and one when it ends, each
  flushed and fsynced; :func:`read_turns` keeps the last line per (file, turn).
* **Event loop**: ``start_turn``/``write``/``end_turn`` only enqueue; encoding and file I/O run on one
  worker thread that stops at a sentinel (as aiortc's ``decoder_worker`` does).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import av
import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
FRAME_SAMPLES = SAMPLE_RATE // 50  # Opus frames of 20 ms
PAGE_DURATION_US = 80_000
BIT_RATE = 24_000
IDLE_PAD_SAMPLES = SAMPLE_RATE // 10  # between turns, silence is added in steps of ≥ 100 ms
_SAFE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class RecordingError(Exception):
    """The recorder failed (disk full, encoder error …) or was used after close."""


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """One turn on a recording's timeline; ``end_s``/``ended_at`` are None while (or if) it never ended."""

    turn_id: str
    participant_id: str
    name: str
    file: str
    start_s: float
    end_s: float | None
    started_at: float
    ended_at: float | None


@dataclass(frozen=True, slots=True)
class _Audio:
    pcm: npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class _Silence:
    samples: int


@dataclass(frozen=True, slots=True)
class _Index:
    record: TurnRecord


_STOP = object()


class MeetingRecorder:
    """Records the floor audio of one meeting (see the module docstring for the guarantees).

    Methods are meant to be called from one thread (the event loop) and never block, except :meth:`close`.
    ``clock`` (monotonic) places turns on the timeline; ``wall_clock`` stamps the index.
    """

    def __init__(
        self,
        data_dir: Path,
        meeting_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        fsync_interval: float = 2.0,
    ) -> None:
        if not _SAFE_ID.fullmatch(meeting_id) or meeting_id.strip(".") == "":
            raise ValueError(f"meeting id is not a safe directory name: {meeting_id!r}")
        self.directory = Path(data_dir) / "recordings" / meeting_id
        self.directory.mkdir(parents=True, exist_ok=True)
        self.index_path = self.directory / "turns.jsonl"
        self.path, file = _create_next_segment(self.directory)
        self._clock = clock
        self._wall_clock = wall_clock
        self._t0 = clock()
        # Caller and worker both extend the timeline (audio / idle silence): the lock keeps the position and
        # the queue order in step. It is held only for arithmetic and a queue put.
        self._lock = threading.Lock()
        self._position = 0  # samples on the timeline, counted when queued (not when encoded)
        self._turn: TurnRecord | None = None
        self._closed = False
        self.dropped_samples = 0  # audio written while no turn was open
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._worker = _Worker(file, self.path, self.index_path, fsync_interval)
        self._thread = threading.Thread(
            target=self._run, name=f"recorder-{meeting_id}-{self.path.stem}", daemon=True
        )
        self._thread.start()

    # ------------------------------------------------------------------ caller side

    @property
    def position_s(self) -> float:
        """Length of the timeline accepted so far (audio and silence), in seconds."""
        return self._position / SAMPLE_RATE

    @property
    def current_turn(self) -> str | None:
        return None if self._turn is None else self._turn.turn_id

    def start_turn(self, turn_id: str, participant_id: str, name: str) -> TurnRecord:
        """Open a turn: pad silence up to now, then index the turn. An open turn is ended first."""
        self._check_open()
        if self._turn is not None:
            self.end_turn(self._turn.turn_id)
        with self._lock:
            self._pad_to_clock(0)
            self._turn = TurnRecord(
                turn_id, participant_id, name, self.path.name, self.position_s, None, self._wall_clock(), None
            )
            self._queue.put(_Index(self._turn))
        return self._turn

    def write(self, pcm16k: npt.NDArray[np.float32]) -> None:
        """Append 16 kHz mono float32 audio to the open turn. Audio outside a turn is counted and dropped:
        the recording is the floor's audio, and the gate decides what belongs to a turn."""
        self._check_open()
        samples = np.array(pcm16k, dtype=np.float32, copy=True).reshape(-1)  # the caller may reuse its buffer
        if self._turn is None:
            self.dropped_samples += samples.shape[0]
            return
        if samples.shape[0]:
            with self._lock:
                self._position += samples.shape[0]
                self._queue.put(_Audio(samples))

    def end_turn(self, turn_id: str) -> TurnRecord | None:
        """Close the turn if it is the open one (a late end for an earlier turn is ignored)."""
        self._check_open()
        with self._lock:
            turn = self._turn
            if turn is None or turn.turn_id != turn_id:
                return None
            self._turn = None
            ended = dataclasses.replace(turn, end_s=self.position_s, ended_at=self._wall_clock())
            self._queue.put(_Index(ended))
        return ended

    def close(self) -> None:
        """End the open turn, finish the file and wait for the worker (blocking: from async code use
        :meth:`aclose`). Raises :class:`RecordingError` if the worker failed at any point."""
        if not self._closed:
            if self._turn is not None:
                self.end_turn(self._turn.turn_id)
            with self._lock:
                self._closed = True
                self._queue.put(_STOP)
        self._thread.join()
        if self._error is not None:
            raise RecordingError(f"recording {self.path} failed: {self._error!r}") from self._error

    async def aclose(self) -> None:
        """:meth:`close` on a thread, so the event loop keeps running while the file is finished."""
        await asyncio.to_thread(self.close)

    def _pad_to_clock(self, minimum: int) -> None:
        """Queue silence up to the clock if the timeline is at least ``minimum`` samples behind it. Called
        with the lock held."""
        behind = round((self._clock() - self._t0) * SAMPLE_RATE) - self._position
        if behind > 0 and behind >= minimum:
            self._position += behind
            self._queue.put(_Silence(behind))

    def _pad_idle(self) -> None:
        # Between turns the worker keeps the timeline up with the clock, a little at a time: silence costs
        # ~1 % of a core in real time, while a whole gap encoded at the next turn would delay that turn's
        # audio (and its crash safety) by seconds. It also pushes the last turn's final page to disk.
        with self._lock:
            if self._turn is None and not self._closed:
                self._pad_to_clock(IDLE_PAD_SAMPLES)

    def _check_open(self) -> None:
        if self._closed:
            raise RecordingError("recorder is closed")
        if self._error is not None:
            raise RecordingError(f"recording {self.path} failed: {self._error!r}")

    # ------------------------------------------------------------------ worker thread

    def _run(self) -> None:
        try:
            self._worker.open()
            while True:
                try:
                    item = self._queue.get(timeout=IDLE_PAD_SAMPLES / SAMPLE_RATE)
                except queue.Empty:
                    item = None
                if item is _STOP:
                    break
                if item is not None:
                    self._worker.handle(item)
                self._pad_idle()
            self._worker.finish()
        except (
            BaseException
        ) as exc:  # reported by close() and the next call; the thread must not die silently
            log.exception("recorder %s failed", self.path)
            self._error = exc
            self._worker.abort()


class _Worker:
    """Owns the PyAV container and the index file; used from the worker thread only."""

    def __init__(self, file: BinaryIO, path: Path, index_path: Path, fsync_interval: float) -> None:
        self.file = file
        self.path = path
        self.index_path = index_path
        self.fsync_interval = fsync_interval
        self.pending = np.zeros(0, dtype=np.float32)
        self.pts = 0
        self.last_fsync = time.monotonic()
        self.container: Any = None
        self.stream: Any = None

    def open(self) -> None:
        self.container = av.open(
            self.file, "w", format="ogg", options={"page_duration": str(PAGE_DURATION_US)}
        )
        stream = self.container.add_stream("libopus", rate=SAMPLE_RATE)
        stream.layout = "mono"
        stream.bit_rate = BIT_RATE
        stream.codec_context.options = {"application": "voip"}
        self.stream = stream
        self.container.start_encoding()

    def handle(self, item: object) -> None:
        if isinstance(item, _Audio):
            self._append(item.pcm)
        elif isinstance(item, _Silence):
            left = item.samples
            while left > 0:  # in 10 s slices, so a long gap does not allocate its full length at once
                n = min(left, 10 * SAMPLE_RATE)
                self._append(np.zeros(n, dtype=np.float32))
                left -= n
        elif isinstance(item, _Index):
            self._index(item.record)
        else:
            raise TypeError(f"unexpected item {item!r}")
        if time.monotonic() - self.last_fsync >= self.fsync_interval:
            self._fsync()

    def _append(self, pcm: npt.NDArray[np.float32]) -> None:
        data = np.concatenate([self.pending, pcm]) if self.pending.shape[0] else pcm
        whole = data.shape[0] - data.shape[0] % FRAME_SAMPLES
        for start in range(0, whole, FRAME_SAMPLES):
            self._encode(data[start : start + FRAME_SAMPLES])
        self.pending = data[whole:].copy()

    def _encode(self, frame_pcm: npt.NDArray[np.float32] | None) -> None:
        frame = None
        if frame_pcm is not None:
            frame = av.AudioFrame.from_ndarray(
                np.clip(frame_pcm, -1.0, 1.0).reshape(1, -1), format="flt", layout="mono"
            )
            frame.sample_rate = SAMPLE_RATE
            frame.pts = self.pts
            self.pts += frame.samples
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def _index(self, record: TurnRecord) -> None:
        line = json.dumps(dataclasses.asdict(record), ensure_ascii=False) + "\n"
        with self.index_path.open("a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        if record.end_s is not None:
            self._fsync()  # a finished turn's audio is worth an fsync too

    def _fsync(self) -> None:
        os.fsync(self.file.fileno())
        self.last_fsync = time.monotonic()

    def finish(self) -> None:
        if self.pending.shape[0]:
            padded = np.zeros(FRAME_SAMPLES, dtype=np.float32)
            padded[: self.pending.shape[0]] = self.pending
            self.pending = padded[:0]
            self._encode(padded)
        self._encode(None)  # drain the encoder
        self.container.close()
        self._fsync()
        self.file.close()
        if self.pts == 0:
            # Headers only: no decoder opens such a file, and every restart would leave one behind.
            self.path.unlink()

    def abort(self) -> None:
        try:
            if self.container is not None:
                self.container.close()
        except Exception:
            log.exception("closing a failed recording")
        finally:
            self.file.close()


def _create_next_segment(directory: Path) -> tuple[Path, BinaryIO]:
    """Create ``floor-<n>.ogg`` with the next free n. Exclusive creation, so two recorders never share one."""
    taken = [
        int(m.group(1))
        for p in directory.glob("floor-*.ogg")
        if (m := re.fullmatch(r"floor-(\d+)\.ogg", p.name))
    ]
    n = max(taken, default=0) + 1
    while True:
        path = directory / f"floor-{n}.ogg"
        try:
            # Unbuffered: each Ogg page PyAV hands over goes straight to the kernel (survives kill -9).
            return path, open(path, "xb", buffering=0)  # closed by the worker
        except FileExistsError:
            n += 1


def read_turns(index_path: Path) -> list[TurnRecord]:
    """The turns of ``turns.jsonl``, last line per (file, turn) winning, in order of first appearance. A
    torn last line (crash mid-write) is skipped."""
    turns: dict[tuple[str, str], TurnRecord] = {}
    if not index_path.exists():
        return []
    for line in index_path.read_text(encoding="utf-8").splitlines():
        try:
            record = TurnRecord(**json.loads(line))
        except (ValueError, TypeError):
            log.warning("skipping unreadable line in %s", index_path)
            continue
        turns[(record.file, record.turn_id)] = record
    return list(turns.values())
