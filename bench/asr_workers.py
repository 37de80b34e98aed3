"""ASR throughput with 1 vs 2 caption worker processes behind Redis Streams.

Starts a private redis-server on a free loopback port, then for 1 and for 2 workers
(``python -m asr worker``, one decoding thread each, model loaded before timing starts): opens
``--streams`` caption streams through ``RedisAsrService``, each a different rotation of
``--clips`` test clips with 0.5 s pauses, feeds all audio as fast as possible and closes them.
Streams are opened with ``live=False`` so every partial is decoded whatever the load: the work
is the same in both runs, and throughput = audio seconds captioned / wall seconds from the first
feed to the last ``close()``. Each configuration runs ``--repeat`` times, interleaved, and the
best run is reported (the machine is shared; every run is listed too). Also: worker CPU seconds
per audio second and the cores the workers actually got, CER of the finals, how the streams
spread over the workers, the load average before each run. Prints one JSON line.

    python bench/asr_workers.py [--streams 4] [--clips 4] [--max-jobs 2] [--repeat 2] [--model-dir DIR]
    python bench/asr_workers.py --device cuda --model-dir models/large-v3 --streams 16 --max-jobs 8

On a 2-core machine, 2 workers can at best double the throughput of one; anything else running
takes its share first. With ``--device cuda`` the workers share the GPU(s) CTranslate2 sees, and the
result adds ``realtime_streams_per_gpu``: the best throughput (audio seconds per second, i.e. how many
speakers talking non-stop it keeps up with) divided by the GPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import ctranslate2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from asr.audio import load_audio
from asr.metrics import cer
from asr.redis_service import RedisAsrService
from asr.settings import SAMPLE_RATE, AsrSettings
from asr.stream import Caption
from tests.asr_redis.procs import RedisServer, WorkerProcess

SPEECH = ROOT / "tests" / "data" / "speech"
CHUNK = int(0.02 * SAMPLE_RATE)


def build_streams(n_streams: int, n_clips: int) -> list[tuple[np.ndarray, str]]:
    rows = [line.split("\t") for line in (SPEECH / "manifest.tsv").read_text("utf-8").splitlines() if line]
    clips = [(load_audio(SPEECH / name), ref) for name, ref in rows]
    pause = np.zeros(SAMPLE_RATE // 2, dtype=np.float32)
    streams = []
    for s in range(n_streams):
        chosen = [clips[(s + i) % len(clips)] for i in range(n_clips)]
        audio = np.concatenate([part for a, _r in chosen for part in (a, pause)])
        streams.append((audio, "".join(r for _a, r in chosen)))
    return streams


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_streams(url: str, streams: list[tuple[np.ndarray, str]]) -> tuple[float, float, Counter[str]]:
    """(wall seconds, CER, streams per worker)."""
    service = RedisAsrService(AsrSettings(), redis_url=url, close_timeout_s=900)
    await service.start()
    try:
        captions: list[list[Caption]] = [[] for _ in streams]
        began = time.monotonic()
        opened = [service.open_stream(on_caption=captions[i].append, live=False) for i in range(len(streams))]
        for i in range(0, max(len(a) for a, _r in streams), CHUNK):
            for stream, (audio, _ref) in zip(opened, streams, strict=True):
                if i < len(audio):
                    stream.feed(audio[i : i + CHUNK])
            if i % (CHUNK * 50) == 0:
                await asyncio.sleep(0)
        await asyncio.gather(*(s.close() for s in opened))
        wall = time.monotonic() - began
    finally:
        await service.stop()
    pairs = [
        (ref, "".join(c.text for c in caps if c.kind == "final"))
        for (_a, ref), caps in zip(streams, captions, strict=True)
    ]
    spread = Counter(name for s in opened for name in s.workers)
    return wall, cer(pairs), spread


def measure(
    n_workers: int, streams: list[tuple[np.ndarray, str]], args: argparse.Namespace, tmp: Path
) -> dict[str, Any]:
    run_dir = tmp / f"workers-{n_workers}"
    run_dir.mkdir(parents=True)
    server = RedisServer(run_dir)
    workers: list[WorkerProcess] = []
    try:
        extra = ["--max-jobs", str(args.max_jobs), "--threads", "1", "--device", args.device]
        if args.compute_type:
            extra += ["--compute-type", args.compute_type]
        for k in range(n_workers):
            workers.append(WorkerProcess(server.url, f"w{k}", args.model_dir, run_dir, *extra))
        for worker in workers:
            worker.wait_ready()
        cpu_before = sum(cpu_seconds(w.proc.pid) for w in workers)
        load = os.getloadavg()[0]
        wall, error_rate, spread = asyncio.run(run_streams(server.url, streams))
        cpu = sum(cpu_seconds(w.proc.pid) for w in workers) - cpu_before
        for worker in workers:
            worker.terminate()
    finally:
        for worker in workers:
            if worker.proc.poll() is None:
                worker.proc.kill()
                worker.proc.wait()
        server.stop()
    audio_s = sum(len(a) for a, _r in streams) / SAMPLE_RATE
    return {
        "audio_s_per_s": round(audio_s / wall, 3),
        "wall_s": round(wall, 2),
        "cpu_s_per_audio_s": round(cpu / audio_s, 3),
        # cores the workers actually got: throughput = cores_used / cpu_s_per_audio_s
        "cores_used": round(cpu / wall, 2),
        "cer": round(error_rate, 4),
        "streams_per_worker": dict(sorted(spread.items())),
        "loadavg_1m_before": round(load, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--clips", type=int, default=4, help="clips per stream (each ~4 s)")
    parser.add_argument("--max-jobs", type=int, default=2, help="streams a worker takes at once")
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best is reported")
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="cpu")
    parser.add_argument("--compute-type", default=None, help="e.g. float16 or int8_float16 on CUDA")
    args = parser.parse_args()
    gpus = ctranslate2.get_cuda_device_count() if args.device != "cpu" else 0
    if args.device == "cuda" and not gpus:
        parser.error("--device cuda: CTranslate2 sees no CUDA device")
    streams = build_streams(args.streams, args.clips)
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="bench-asr-workers-") as tmp:
        for r in range(args.repeat):  # interleaved, so a burst of someone else's load hits both
            for n in (1, 2):
                runs[n].append(measure(n, streams, args, Path(tmp) / f"run{r}"))
    one, two = (max(runs[n], key=lambda run: float(run["audio_s_per_s"])) for n in (1, 2))
    result: dict[str, Any] = {
        "bench": "asr_workers",
        "workers_1_audio_s_per_s": one["audio_s_per_s"],
        "workers_2_audio_s_per_s": two["audio_s_per_s"],
        "speedup": round(two["audio_s_per_s"] / one["audio_s_per_s"], 2),
        "streams": args.streams,
        "audio_s": round(sum(len(a) for a, _r in streams) / SAMPLE_RATE, 1),
        "cores": os.cpu_count(),
        "device": "cuda" if gpus else "cpu",
        "repeat": args.repeat,
        "all_audio_s_per_s": {str(n): [run["audio_s_per_s"] for run in runs[n]] for n in (1, 2)},
        "workers_1": one,
        "workers_2": two,
    }
    if gpus:
        best = max(float(one["audio_s_per_s"]), float(two["audio_s_per_s"]))
        result["gpus"] = gpus
        result["realtime_streams_per_gpu"] = round(best / gpus, 1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
