"""Far-field captions: CER of the hall microphone's streaming path against close talk.

Reads a clip set twice, close-talk (the original clips) and as heard by a hall microphone (the same
clips rendered by ``../shared/speech/make_hall_set.py``: a 12 x 8 x 3.5 m hall, RT60 0.6 s, talker
2-4 m from the mic, babble of other clips at 20 dB SNR), through the streaming path (``StreamProcessor``,
finals only) with the bundled model, and prints one JSON line:

- ``cer_hall``: hall audio with the hall settings (``[asr_hall]`` over ``[asr]``: what a room turn gets);
- ``cer_hall_asr_defaults``: hall audio with plain ``[asr]`` (the baseline);
- ``cer_close``: close-talk audio with ``[asr]`` (what a phone gets);
- ``cer_close_hall_settings``: close-talk audio with the hall settings (do they hurt near speech?);
- ``cer_hall_hotwords``: hall audio, hall settings, with the meeting's hot words (``bench/hotwords.py``
  ``HOTWORDS``: what a real room turn gets);
- ``cer_hall_digits`` / ``cer_hall_hotwords_digits`` / ``cer_close_digits``: ``cer_hall`` /
  ``cer_hall_hotwords`` / ``cer_close`` with ``[asr] numbers = "digits"`` (Whisper's 20%, 800万), where
  the others write numbers as spoken (百分之二十, 八百万: the default, like the references);
- ``cpu_s_per_audio_s_hall`` / ``_asr``: CPU seconds per audio second of the hall and the plain path;
- with ``--sweep``: ``sweep_cer_hall``, the hall CER of each single candidate setting over ``[asr]``.

The hall settings were tuned on clips c01-c25; the default ``--clips 26-45`` are held out.

    python ../shared/speech/make_hall_set.py ../shared/speech /tmp/hall20 20   # needs pyroomacoustics
    python bench/hall_asr.py --hall /tmp/hall20 [--close ../shared/speech] [--clips 26-45] [--sweep]

CER = character edit distance / reference length, punctuation and spaces removed, simplified script.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from asr.audio import load_audio
from asr.engine import WhisperEngine
from asr.metrics import cer
from asr.settings import SAMPLE_RATE, AsrSettings, HallAsrSettings
from asr.stream import StreamProcessor
from asr.vad import StreamingVad
from bench.hotwords import HOTWORDS

ROOT = Path(__file__).resolve().parent.parent

#: Single-setting candidates over [asr] (what --sweep measures); the hall table keeps what helped.
SWEEP: dict[str, dict[str, Any]] = {
    "highpass_hz=100": {"highpass_hz": 100.0},
    "dereverb=1.0": {"dereverb": 1.0},
    "wpe_taps=10": {"wpe_taps": 10},
    "agc_target_dbfs=-23": {"agc_target_dbfs": -23.0},
    "vad_threshold=0.35": {"vad_threshold": 0.35},
    "silence_end_s=0.7": {"silence_end_s": 0.7},
    "prompt_context_chars=0": {"prompt_context_chars": 0},
    "beam_size=8": {"beam_size": 8},
}


def clip_rows(directory: Path, first: int, last: int) -> list[tuple[str, str]]:
    rows = [line.split("\t") for line in (directory / "manifest.tsv").read_text("utf-8").splitlines() if line]
    return [(name, ref) for name, ref in rows if first <= int(Path(name).stem.lstrip("c") or 0) <= last]


def stream_finals(
    engine: WhisperEngine, settings: AsrSettings, pcm: np.ndarray, hotwords: tuple[str, ...] = ()
) -> str:
    """The streaming path's finals for one clip, fed in 0.1 s chunks as fast as possible."""
    processor = StreamProcessor(engine, StreamingVad(), settings, hotwords)
    step = SAMPLE_RATE // 10
    captions = []
    for i in range(0, len(pcm), step):
        processor.feed(pcm[i : i + step])
        captions.extend(processor.process())
    captions.extend(processor.close())
    return "".join(c.text for c in captions if c.kind == "final")


def set_pairs(
    engine: WhisperEngine,
    settings: AsrSettings,
    directory: Path,
    rows: list[tuple[str, str]],
    hotwords: tuple[str, ...] = (),
) -> list[tuple[str, str]]:
    """(reference, finals) of each clip."""
    return [
        (ref, stream_finals(engine, settings, load_audio(directory / name), hotwords)) for name, ref in rows
    ]


def digits(settings: AsrSettings) -> AsrSettings:
    """``settings`` keeping Whisper's digits in the captions."""
    return dataclasses.replace(settings, numbers="digits")


def set_cer(
    engine: WhisperEngine, settings: AsrSettings, directory: Path, rows: list[tuple[str, str]]
) -> float:
    return round(cer(set_pairs(engine, settings, directory, rows)), 4)


def main() -> None:
    shared = ROOT.parent / "shared" / "speech"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hall", type=Path, required=True, help="a hall set made by make_hall_set.py")
    parser.add_argument("--close", type=Path, default=shared, help="the close-talk clips (manifest.tsv)")
    parser.add_argument(
        "--clips", default="26-45", help="clip numbers, FIRST-LAST (c01-c25 tuned the settings)"
    )
    parser.add_argument("--sweep", action="store_true", help="also the hall CER of each single candidate")
    parser.add_argument("--model-dir", default=None)
    args = parser.parse_args()
    first, _, last = args.clips.partition("-")
    rows = clip_rows(args.hall, int(first), int(last or first))
    if not rows:
        raise SystemExit(f"no clips {args.clips} in {args.hall / 'manifest.tsv'}")

    asr = AsrSettings(model_dir=args.model_dir)
    hall = HallAsrSettings().apply(asr)
    engine = WhisperEngine(asr)
    audio_s = sum(len(load_audio(args.hall / name)) for name, _ in rows) / SAMPLE_RATE
    result: dict[str, Any] = {
        "bench": "hall_asr",
        "model": args.model_dir or "bundled base int8",
        "clips": len(rows),
        "clip_range": args.clips,
        "audio_s": round(audio_s, 1),
    }
    t0 = time.process_time()
    hall_pairs = set_pairs(engine, hall, args.hall, rows)
    t1 = time.process_time()
    result["cer_hall_asr_defaults"] = set_cer(engine, asr, args.hall, rows)
    t2 = time.process_time()
    result["cer_hall"] = round(cer(hall_pairs), 4)
    result["cer_hall_digits"] = set_cer(engine, digits(hall), args.hall, rows)
    result["cpu_s_per_audio_s_hall"] = round((t1 - t0) / audio_s, 3)
    result["cpu_s_per_audio_s_asr"] = round((t2 - t1) / audio_s, 3)
    hotword_pairs = set_pairs(engine, hall, args.hall, rows, HOTWORDS)
    result["cer_hall_hotwords"] = round(cer(hotword_pairs), 4)
    result["cer_hall_hotwords_digits"] = round(
        cer(set_pairs(engine, digits(hall), args.hall, rows, HOTWORDS)), 4
    )
    close_pairs = set_pairs(engine, asr, args.close, rows)
    result["cer_close"] = round(cer(close_pairs), 4)
    result["cer_close_digits"] = set_cer(engine, digits(asr), args.close, rows)
    result["cer_close_hall_settings"] = set_cer(engine, hall, args.close, rows)
    hall_fields = {f.name: getattr(HallAsrSettings(), f.name) for f in dataclasses.fields(HallAsrSettings)}
    result["hall_settings"] = hall_fields
    if args.sweep:
        result["sweep_cer_hall"] = {
            label: set_cer(engine, dataclasses.replace(asr, **change), args.hall, rows)
            for label, change in SWEEP.items()
        }
    result["cpu_note"] = "2 cores shared with other work; CER does not depend on load"
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
