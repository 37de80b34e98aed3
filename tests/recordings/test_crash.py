"""kill -9 while recording: the file must open and lose at most 0.25 s of what the recorder accepted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import correlation, decode, read_clip

ROOT = Path(__file__).resolve().parents[2]
MAX_LOSS_S = 0.25


@pytest.mark.parametrize("kill_after_s", [1.3, 2.9, 4.45])
def test_kill_9_loses_at_most_a_quarter_second(tmp_path: Path, kill_after_s: float) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "tests.recordings.crash_writer", str(tmp_path), "c01.wav", "c02.wav"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            ready = proc.stdout.readline().split()
            assert ready[0] == "ready", ready
            path = Path(ready[1])
            line = "0"
            for line in proc.stdout:
                if float(line) >= kill_after_s:
                    break
            os.kill(proc.pid, signal.SIGKILL)
            rest = proc.stdout.read().split()
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == -signal.SIGKILL
    accepted = float(rest[-1]) if rest else float(line)

    audio = decode(path)
    decoded = len(audio) / 16000
    loss = accepted - decoded
    print(f"\nkilled at {accepted:.3f} s accepted; file decodes to {decoded:.3f} s: lost {loss:.3f} s")
    assert -0.05 <= loss <= MAX_LOSS_S
    # And it is the clip, not noise: what survived matches the start of c01.
    c01 = read_clip("c01.wav")[: len(audio) - 1600]
    assert correlation(c01, audio) > 0.9
