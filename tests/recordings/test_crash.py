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


def _run_and_kill(tmp_path: Path, mode: str, kill_at: float, after_end: bool = False) -> tuple[Path, float]:
    """Start the writer, SIGKILL it once its timeline reaches ``kill_at`` seconds (counted from the end of
    the turn with ``after_end``). Returns the file and the last timeline length it reported."""
    with subprocess.Popen(
        [sys.executable, "-m", "tests.recordings.crash_writer", mode, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            ready = proc.stdout.readline().split()
            assert ready[0] == "ready", ready
            path = Path(ready[1])
            offset = None if after_end else 0.0
            last = "0"
            for line in proc.stdout:
                if line.startswith("ended"):
                    offset = float(line.split()[1])
                    continue
                last = line
                if offset is not None and float(line) >= offset + kill_at:
                    break
            os.kill(proc.pid, signal.SIGKILL)
            rest = [line for line in proc.stdout.read().split("\n") if line and line[0].isdigit()]
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == -signal.SIGKILL
    return path, float(rest[-1] if rest else last)


@pytest.mark.parametrize("kill_at", [1.3, 2.9, 4.45])
def test_kill_9_mid_turn_loses_at_most_a_quarter_second(tmp_path: Path, kill_at: float) -> None:
    path, accepted = _run_and_kill(tmp_path, "stream", kill_at)
    audio = decode(path)
    decoded = len(audio) / 16000
    loss = accepted - decoded
    print(
        f"\nmid-turn: killed at {accepted:.3f} s accepted; file decodes to {decoded:.3f} s: lost {loss:.3f} s"
    )
    assert -0.05 <= loss <= MAX_LOSS_S
    # And it is the clip, not noise: what survived matches the start of c01.
    c01 = read_clip("c01.wav")[: len(audio) - 1600]
    assert correlation(c01, audio) > 0.9


def test_kill_9_between_turns_keeps_the_whole_turn(tmp_path: Path) -> None:
    path, accepted = _run_and_kill(tmp_path, "gap", 1.0, after_end=True)
    audio = decode(path)
    c01 = read_clip("c01.wav")
    decoded = len(audio) / 16000
    print(
        f"\nbetween turns: killed at {accepted:.3f} s; file decodes to {decoded:.3f} s (turn ends at 5.175 s)"
    )
    assert decoded >= len(c01) / 16000 and accepted - decoded <= MAX_LOSS_S
    assert correlation(c01, audio[: len(c01) + 1600]) > 0.9
