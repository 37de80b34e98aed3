"""Live-caption benchmark: accuracy, latency and cost of the streaming path against offline.

Feeds one recording with known sentence times through ``AsrService`` at real-time pace (as the
hall microphone would), and measures, per reference sentence, when the final caption holding
its last character came out (final latency) and when the first caption showing any of it came
out (first-partial latency), on the audio timeline. Also: CER over a clip set offline vs
streaming (same model), CPU seconds per audio second of the paced run, captions on silence/noise.
Prints one JSON line.

    python bench/asr_stream.py --audio ../shared/speech/dev_paused_speech.wav
    python bench/asr_stream.py --audio ../shared/speech/dev_long_turn.wav \
        --noise ../shared/speech/silence_60s.wav --noise ../shared/speech/noise_pink_60s.wav

CER = character edit distance / reference length, punctuation and spaces removed, both sides
in simplified script (``asr.metrics``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from asr.audio import load_audio
from asr.engine import WhisperEngine
from asr.metrics import cer, final_latencies
from asr.offline import stream_pcm, transcribe_pcm
from asr.service import AsrService
from asr.settings import SAMPLE_RATE, AsrSettings
from asr.stream import Caption
from asr.text import is_simplified

ROOT = Path(__file__).resolve().parent.parent
CHUNK_S = 0.1


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def read_segments(path: Path) -> list[tuple[float, float, str]]:
    rows = [line.split("\t") for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [(float(a), float(b), text) for a, b, text in rows]


def first_caption_latencies(
    captions: list[Caption], sentences: list[tuple[float, float, str]]
) -> list[float]:
    """Per sentence: first caption (partial or final) showing audio from at least 0.3 s into it."""
    out = []
    for start, end, _text in sentences:
        probe = min(start + 0.3, end)
        times = [c.emitted_at for c in captions if c.end > probe and c.emitted_at >= start]
        if times:
            out.append(min(times) - start)
    return out


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(float(np.percentile(np.asarray(values), q)), 3)


async def paced_run(
    settings: AsrSettings, engine: WhisperEngine, audio: np.ndarray, realtime: bool
) -> dict[str, Any]:
    service = AsrService(settings, engine=engine)
    await service.start()
    captions: list[Caption] = []
    max_lag = 0.0
    try:
        stream = service.open_stream(on_caption=captions.append, live=realtime)
        step = int(CHUNK_S * SAMPLE_RATE)
        cpu0, wall0 = cpu_seconds(), time.monotonic()
        for i in range(0, len(audio), step):
            stream.feed(audio[i : i + step])
            max_lag = max(max_lag, stream.lag_seconds)
            if realtime:
                await asyncio.sleep(max(0.0, wall0 + (i + step) / SAMPLE_RATE - time.monotonic()))
            else:
                await asyncio.sleep(0)
        await stream.close()
        cpu, wall = cpu_seconds() - cpu0, time.monotonic() - wall0
        skipped = stream._processor.skipped_partials
    finally:
        await service.stop()
    return {"captions": captions, "cpu": cpu, "wall": wall, "max_lag": max_lag, "skipped": skipped}


def clip_cer(engine: WhisperEngine, manifest: Path) -> dict[str, Any]:
    rows = [line.split("\t") for line in manifest.read_text("utf-8").splitlines() if line.strip()]
    offline, streaming, texts = [], [], []
    for name, ref in rows:
        pcm = load_audio(manifest.parent / name)
        off = "".join(c.text for c in transcribe_pcm(engine, pcm))
        st = "".join(c.text for c in stream_pcm(engine, pcm) if c.kind == "final")
        offline.append((ref, off))
        streaming.append((ref, st))
        texts.extend([off, st])
    return {
        "clips": len(rows),
        "cer_offline": round(cer(offline), 4),
        "cer_streaming": round(cer(streaming), 4),
        "texts": texts,
    }


def main() -> None:
    default_shared = ROOT.parent / "shared" / "speech"
    default_manifest = default_shared / "manifest.tsv"
    if not default_manifest.exists():
        default_manifest = ROOT / "tests" / "data" / "speech" / "manifest.tsv"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--audio", type=Path, required=True, help="a turn with FILE.segments.tsv beside it")
    parser.add_argument(
        "--segments", type=Path, help="sentence times (start, end, text); default beside --audio"
    )
    parser.add_argument(
        "--manifest", type=Path, default=default_manifest, help="clip set for offline vs streaming CER"
    )
    parser.add_argument("--no-cer", action="store_true", help="skip the clip-set CER")
    parser.add_argument(
        "--noise", type=Path, action="append", default=[], help="silence/noise track (repeatable)"
    )
    parser.add_argument("--fast", action="store_true", help="feed as fast as possible instead of real time")
    parser.add_argument("--model-dir", default=None)
    args = parser.parse_args()

    settings = AsrSettings(model_dir=args.model_dir)
    engine = WhisperEngine(settings)
    result: dict[str, Any] = {"audio": args.audio.name, "model": args.model_dir or "bundled base int8"}
    audio = load_audio(args.audio)
    sentences = read_segments(args.segments or args.audio.with_suffix(".segments.tsv"))
    run = asyncio.run(paced_run(settings, engine, audio, realtime=not args.fast))
    captions: list[Caption] = run["captions"]
    finals = [c for c in captions if c.kind == "final"]
    latencies = final_latencies(finals, sentences)
    found = [x for x in latencies if x is not None]
    firsts = first_caption_latencies(captions, sentences)
    audio_s = len(audio) / SAMPLE_RATE
    texts = [c.text for c in captions]
    result.update(
        {
            "audio_s": round(audio_s, 2),
            "paced": "fast" if args.fast else "realtime",
            "sentences": len(sentences),
            "finals": len(finals),
            "partials": len(captions) - len(finals),
            "sentences_without_final": latencies.count(None),
            "final_latency_p50_s": pct(found, 50),
            "final_latency_p95_s": pct(found, 95),
            "final_latency_max_s": round(max(found), 3) if found else None,
            "first_partial_latency_p50_s": pct(firsts, 50),
            "first_partial_latency_p95_s": pct(firsts, 95),
            "cer_turn_streaming": round(
                cer([("".join(t for _s, _e, t in sentences), "".join(c.text for c in finals))]), 4
            ),
            "cpu_s_per_audio_s": round(run["cpu"] / audio_s, 3),
            "wall_s_per_audio_s": round(run["wall"] / audio_s, 3),
            "max_lag_s": round(run["max_lag"], 3),
            "skipped_partials": run["skipped"],
        }
    )
    reference = "".join(t for _s, _e, t in sentences)
    offline_turn = transcribe_pcm(engine, audio)
    result["cer_turn_offline"] = round(cer([(reference, "".join(c.text for c in offline_turn))]), 4)
    texts.extend(c.text for c in offline_turn)
    if not args.no_cer:
        clip = clip_cer(engine, args.manifest)
        texts.extend(clip.pop("texts"))
        result.update(clip)
    noise_caps = 0
    noise_s = 0.0
    for path in args.noise:
        pcm = load_audio(path)
        noise_s += len(pcm) / SAMPLE_RATE
        noise_caps += len(stream_pcm(engine, pcm)) + len(transcribe_pcm(engine, pcm))
    if args.noise:
        result["captions_on_noise"] = noise_caps
        result["noise_audio_s"] = round(noise_s, 1)
    result["simplified_pct"] = round(100.0 * sum(map(is_simplified, texts)) / max(1, len(texts)), 2)
    result["cpu_count_note"] = "2 shared cores; timings are noisy"
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
