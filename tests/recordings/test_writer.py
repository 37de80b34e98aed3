"""MeetingRecorder on fake clocks: timeline, silence between turns, the index, and the audio itself."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from recordings.writer import MeetingRecorder, RecordingError, read_turns

from .helpers import correlation, decode, read_clip

WALL = 1_767_000_000.0


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _write_in_odd_chunks(recorder: MeetingRecorder, pcm: np.ndarray, size: int = 777) -> None:
    for start in range(0, len(pcm), size):
        recorder.write(pcm[start : start + size])


def test_two_turns_on_one_timeline(tmp_path: Path) -> None:
    c01, c02 = read_clip("c01.wav"), read_clip("c02.wav")
    clock, wall = FakeClock(100.0), FakeClock(WALL)
    recorder = MeetingRecorder(tmp_path, "m1", clock=clock, wall_clock=wall)
    assert recorder.path == tmp_path / "recordings" / "m1" / "floor-1.ogg"

    recorder.write(c02[:1600])  # nobody holds the floor: not recorded
    assert recorder.dropped_samples == 1600 and recorder.position_s == 0

    clock.now, wall.now = 101.0, WALL + 1
    first = recorder.start_turn("t1", "alice", "王阿姨")
    _write_in_odd_chunks(recorder, c01)
    ended = recorder.end_turn("t1")
    assert ended is not None and ended.end_s == pytest.approx(1.0 + len(c01) / 16000)
    assert recorder.end_turn("t1") is None  # late/duplicate end: ignored

    clock.now, wall.now = 110.0, WALL + 10
    second = recorder.start_turn("t2", "bob", "李师傅")
    _write_in_odd_chunks(recorder, c02, 320)
    recorder.close()  # ends t2 as well
    recorder.close()  # idempotent
    total = recorder.position_s

    assert (first.start_s, second.start_s) == (1.0, 10.0)
    turns = read_turns(recorder.index_path)
    assert [(t.turn_id, t.participant_id, t.name, t.file) for t in turns] == [
        ("t1", "alice", "王阿姨", "floor-1.ogg"),
        ("t2", "bob", "李师傅", "floor-1.ogg"),
    ]
    assert turns[0].started_at == WALL + 1 and turns[0].ended_at == WALL + 1
    assert turns[1].end_s == pytest.approx(10.0 + len(c02) / 16000)
    lines = recorder.index_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and json.loads(lines[0])["end_s"] is None

    audio = decode(recorder.path)
    assert abs(len(audio) / 16000 - total) < 0.05
    silence = audio[: 16000 - 400]
    assert float(np.sqrt(np.mean(silence**2))) < 1e-3
    for turn, clip in ((turns[0], c01), (turns[1], c02)):
        start = int(turn.start_s * 16000)
        assert correlation(clip, audio[start : start + len(clip) + 1600]) > 0.9
    gap = audio[int((turns[0].end_s or 0) * 16000) + 800 : int(turns[1].start_s * 16000) - 400]
    assert len(gap) > 16000 * 2 and float(np.sqrt(np.mean(gap**2))) < 1e-3


def test_restart_starts_a_new_segment_and_turns_can_overlap_files(tmp_path: Path) -> None:
    first = MeetingRecorder(tmp_path, "m1")
    first.start_turn("t1", "alice", "A")
    first.write(np.zeros(3200, dtype=np.float32))
    first.close()
    second = MeetingRecorder(tmp_path, "m1")
    assert second.path.name == "floor-2.ogg"
    second.start_turn("t1", "alice", "A")  # the floor was still held across the restart
    second.close()
    assert [t.file for t in read_turns(second.index_path)] == ["floor-1.ogg", "floor-2.ogg"]


def test_start_turn_ends_the_open_one(tmp_path: Path) -> None:
    clock = FakeClock(0.0)
    recorder = MeetingRecorder(tmp_path, "m1", clock=clock)
    recorder.start_turn("t1", "alice", "A")
    recorder.write(np.full(8000, 0.1, dtype=np.float32))
    recorder.start_turn("t2", "bob", "B")  # the clock did not move: t2 follows t1 directly
    assert recorder.current_turn == "t2" and recorder.position_s == 0.5
    recorder.close()
    turns = read_turns(recorder.index_path)
    assert [(t.turn_id, t.start_s, t.end_s) for t in turns] == [("t1", 0.0, 0.5), ("t2", 0.5, 0.5)]


def test_silence_is_written_as_time_passes_between_turns(tmp_path: Path) -> None:
    clock = FakeClock(0.0)
    recorder = MeetingRecorder(tmp_path, "m1", clock=clock)
    recorder.start_turn("t1", "alice", "A")
    recorder.write(np.full(1600, 0.1, dtype=np.float32))
    recorder.end_turn("t1")
    clock.now = 2.0  # nobody speaks for two seconds: the worker catches up by itself, no call needed
    deadline = time.monotonic() + 30
    while recorder.position_s < 2.0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert recorder.position_s == 2.0
    clock.now = 2.05  # less than the 100 ms step: not padded yet
    time.sleep(0.3)
    assert recorder.position_s == 2.0
    recorder.close()
    audio = decode(recorder.path)
    assert abs(len(audio) / 16000 - 2.0) < 0.03
    assert float(np.sqrt(np.mean(audio[3200:] ** 2))) < 1e-3


def test_empty_recording_is_removed_and_misuse_is_refused(tmp_path: Path) -> None:
    recorder = MeetingRecorder(tmp_path, "m1", clock=FakeClock(0.0))
    recorder.start_turn("t1", "alice", "A")
    recorder.close()
    assert not recorder.path.exists()  # headers only: no decoder would open it
    assert [t.end_s for t in read_turns(recorder.index_path)] == [0.0]
    with pytest.raises(RecordingError):
        recorder.write(np.zeros(10, dtype=np.float32))
    with pytest.raises(RecordingError):
        recorder.start_turn("t1", "a", "A")
    for bad in ("../x", "", ".", "..", "a/b", "x" * 65):
        with pytest.raises(ValueError):
            MeetingRecorder(tmp_path, bad)


def test_torn_index_line_is_skipped(tmp_path: Path) -> None:
    recorder = MeetingRecorder(tmp_path, "m1")
    recorder.start_turn("t1", "alice", "A")
    recorder.close()
    with recorder.index_path.open("a", encoding="utf-8") as f:
        f.write('{"turn_id": "t2", "partic')  # what a crash mid-write leaves
    assert [t.turn_id for t in read_turns(recorder.index_path)] == ["t1"]
