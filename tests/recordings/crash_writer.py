"""Run by test_crash.py as a subprocess: record clips at about twice real time, reporting progress.

After every ``write`` it prints the recorder's accepted timeline length (seconds) on its own line and
flushes stdout, so whatever the parent reads last is a lower bound of what the recorder had accepted when
it was killed. Usage: ``python crash_writer.py DATA_DIR WAV [WAV ...]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from recordings.writer import MeetingRecorder

from .helpers import read_clip


def main() -> None:
    data_dir, clips = Path(sys.argv[1]), sys.argv[2:]
    pcm = np.concatenate([read_clip(name) for name in clips] * 4)
    recorder = MeetingRecorder(data_dir, "crash")
    recorder.start_turn("t1", "alice", "王阿姨")
    print(f"ready {recorder.path}", flush=True)
    chunk = 640  # 40 ms, every 20 ms
    for start in range(0, len(pcm), chunk):
        recorder.write(pcm[start : start + chunk])
        print(f"{recorder.position_s:.4f}", flush=True)
        time.sleep(0.02)
    recorder.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
