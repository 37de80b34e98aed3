"""Long continuous turns for ``bench/asr_stream.py``: clips of a set back to back, short pauses.

``../shared/speech/dev_long_turn.wav`` is all 45 clips in order with 0.25 s pauses. This writes
turns from part of the set, in a shuffled order and with pauses drawn between ``--min-pause`` and
``--max-pause`` (seeded, so a turn is the same on every machine), each as ``NAME.wav`` (16 kHz
mono 16-bit) with ``NAME.segments.tsv`` (start, end, text) beside it. The streaming policy is
tuned on clips c01-c25 (``--clips 1-25``); ``--clips 26-45`` are held out.

    python bench/long_turns.py --out /tmp/turns --name dev_turn --clips 1-25 --seed 1
    python bench/long_turns.py --out /tmp/turns --name heldout_turn --clips 26-45 --seed 2
"""

from __future__ import annotations

import argparse
import random
import sys
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from asr.audio import load_audio
from asr.settings import SAMPLE_RATE


def clip_range(spec: str) -> range:
    first, _, last = spec.partition("-")
    return range(int(first), int(last or first) + 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--speech", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "speech"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--clips", default="1-45", help="clip numbers, e.g. 26-45")
    parser.add_argument("--seed", type=int, default=0, help="order and pauses; 0 keeps the clip order")
    parser.add_argument("--min-pause", type=float, default=0.2)
    parser.add_argument("--max-pause", type=float, default=0.45)
    args = parser.parse_args()

    rows = [
        line.split("\t") for line in (args.speech / "manifest.tsv").read_text("utf-8").splitlines() if line
    ]
    wanted = {f"c{n:02d}.wav" for n in clip_range(args.clips)}
    chosen = [(name, text) for name, text in rows if name in wanted]
    rng = random.Random(args.seed)
    if args.seed:
        rng.shuffle(chosen)
    parts: list[np.ndarray] = []
    lines: list[str] = []
    t = 0
    for name, text in chosen:
        audio = load_audio(args.speech / name)
        pause = np.zeros(round(rng.uniform(args.min_pause, args.max_pause) * SAMPLE_RATE), np.float32)
        lines.append(f"{t / SAMPLE_RATE:.3f}\t{(t + audio.size) / SAMPLE_RATE:.3f}\t{text}")
        parts.extend([audio, pause])
        t += audio.size + pause.size
    pcm = (np.clip(np.concatenate(parts), -1.0, 1.0) * 32767).astype("<i2")
    args.out.mkdir(parents=True, exist_ok=True)
    with wave.open(str(args.out / f"{args.name}.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
    (args.out / f"{args.name}.segments.tsv").write_text("\n".join(lines) + "\n", "utf-8")
    print(f"{args.out / args.name}.wav: {len(chosen)} sentences, {t / SAMPLE_RATE:.1f} s")


if __name__ == "__main__":
    main()
