"""Run by test_crash.py as a subprocess: record at about twice real time, reporting progress.

After every step it prints the recorder's accepted timeline length (seconds) on its own line and flushes
stdout, so whatever the parent reads last is a lower bound of what the recorder had accepted when it was
killed. Usage: ``python -m tests.recordings.crash_writer MODE DATA_DIR`` where MODE is

* ``stream``: one long turn (c01 + c02, four times), written in 40 ms chunks every 20 ms;
* ``gap``: one turn of c01, then ``ended <end_s>`` and 30 s with nobody speaking (idle silence).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from recordings.writer import MeetingRecorder

from .helpers import read_clip

CHUNK = 640  # 40 ms, every 20 ms


def main() -> None:
    mode, data_dir = sys.argv[1], Path(sys.argv[2])
    clips = ["c01.wav", "c02.wav"] * 4 if mode == "stream" else ["c01.wav"]
    pcm = np.concatenate([read_clip(name) for name in clips])
    recorder = MeetingRecorder(data_dir, "crash")
    recorder.start_turn("t1", "alice", "王阿姨")
    print(f"ready {recorder.path}", flush=True)
    for start in range(0, len(pcm), CHUNK):
        recorder.write(pcm[start : start + CHUNK])
        print(f"{recorder.position_s:.4f}", flush=True)
        time.sleep(0.02)
    ended = recorder.end_turn("t1")
    assert ended is not None
    print(f"ended {ended.end_s:.4f}", flush=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.05)
        print(f"{recorder.position_s:.4f}", flush=True)
    recorder.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
