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
- ``cer_hall_spoken_numbers`` / ``cer_hall_hotwords_spoken_numbers`` / ``cer_close_spoken_numbers``:
  ``cer_hall`` / ``cer_hall_hotwords`` / ``cer_close`` with the
  numbers of the captions rewritten as read (20% -> 百分之二十, 800万 -> 八百万): how much of the CER is
  number notation (the references spell numbers in characters). A diagnostic, not the agreed CER;
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
import re
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


_DIGITS = "零一二三四五六七八九"


def _read_below_10000(n: int) -> str:
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            out += ("零" if zero else "") + _DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out


def read_number(n: int) -> str:
    """How a number below 10^8 is read: 20 -> 二十, 800 -> 八百, 10005 -> 一万零五."""
    if n == 0:
        return "零"
    high, low = divmod(n, 10_000)
    text = _read_below_10000(low)
    if high:
        text = _read_below_10000(high) + "万" + ("零" if 0 < low < 1000 else "") + text
    return text[1:] if text.startswith("一十") else text


def spoken_numbers(text: str) -> str:
    """``text`` with its Arabic numbers (and percentages) written as they are read."""
    text = re.sub(r"(\d{1,8})\s*[%％]", lambda m: "百分之" + read_number(int(m.group(1))), text)
    return re.sub(r"\d{1,8}", lambda m: read_number(int(m.group(0))), text)


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


def set_cer(
    engine: WhisperEngine, settings: AsrSettings, directory: Path, rows: list[tuple[str, str]]
) -> float:
    return round(cer(set_pairs(engine, settings, directory, rows)), 4)


def spoken_cer(pairs: list[tuple[str, str]]) -> float:
    return round(cer([(ref, spoken_numbers(hyp)) for ref, hyp in pairs]), 4)


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
    result["cer_hall_spoken_numbers"] = spoken_cer(hall_pairs)
    result["cpu_s_per_audio_s_hall"] = round((t1 - t0) / audio_s, 3)
    result["cpu_s_per_audio_s_asr"] = round((t2 - t1) / audio_s, 3)
    hotword_pairs = set_pairs(engine, hall, args.hall, rows, HOTWORDS)
    result["cer_hall_hotwords"] = round(cer(hotword_pairs), 4)
    result["cer_hall_hotwords_spoken_numbers"] = spoken_cer(hotword_pairs)
    close_pairs = set_pairs(engine, asr, args.close, rows)
    result["cer_close"] = round(cer(close_pairs), 4)
    result["cer_close_spoken_numbers"] = spoken_cer(close_pairs)
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
