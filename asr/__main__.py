"""Command line: ``python -m asr transcribe FILE [--stream] [--realtime] [--json]`` and
``python -m asr worker --redis-url URL [--name NAME]`` (a caption worker, see ``asr.worker``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence

from asr.audio import AudioFileError, load_audio
from asr.model import ModelNotFoundError
from asr.service import AsrService
from asr.settings import SAMPLE_RATE, AsrSettings
from asr.stream import Caption

_CHUNK_S = 0.1


def _line(caption: Caption, *, as_json: bool, streaming: bool) -> str:
    if as_json:
        record: dict[str, object] = {
            "type": caption.kind,
            "text": caption.text,
            "start": caption.start,
            "end": caption.end,
        }
        if streaming:
            record["emitted_at"] = caption.emitted_at
        return json.dumps(record, ensure_ascii=False)
    mark = "…" if caption.kind == "partial" else " "
    return f"[{caption.start:8.2f} → {caption.end:8.2f}]{mark} {caption.text}"


async def _stream(
    settings: AsrSettings, path: str, *, realtime: bool, as_json: bool, hotwords: Sequence[str]
) -> None:
    pcm = load_audio(path)
    service = AsrService(settings)
    await service.start()
    try:

        def show(caption: Caption) -> None:
            print(_line(caption, as_json=as_json, streaming=True), flush=True)

        stream = service.open_stream(hotwords=hotwords, on_caption=show, live=realtime)
        step = int(_CHUNK_S * SAMPLE_RATE)
        began = time.monotonic()
        for i in range(0, len(pcm), step):
            stream.feed(pcm[i : i + step])
            if realtime:  # pace on the wall clock, without drift
                await asyncio.sleep(max(0.0, began + (i + step) / SAMPLE_RATE - time.monotonic()))
            else:
                await asyncio.sleep(0)
        await stream.close()
    finally:
        await service.stop()


def _add_worker_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    wk = sub.add_parser("worker", help="decode caption streams handed out through Redis Streams")
    wk.add_argument("--redis-url", required=True, help="e.g. redis://127.0.0.1:6379/0")
    wk.add_argument("--name", default=None, help="consumer name (default: host-pid)")
    wk.add_argument("--max-jobs", type=int, default=4, help="streams decoded concurrently")
    wk.add_argument("--threads", type=int, default=1, help="decoding threads sharing the model")
    wk.add_argument("--cpu-threads", type=int, default=1, help="CTranslate2 threads per decoding thread")
    wk.add_argument("--claim-idle", type=float, default=5.0, help="reclaim jobs idle this long (s)")
    wk.add_argument("--heartbeat", type=float, default=1.0, help="refresh own jobs this often (s)")
    wk.add_argument("--prefix", default="gongzhi:asr", help="Redis key prefix")
    wk.add_argument("--model-dir", default=None, help="a local faster-whisper model directory")
    wk.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    wk.add_argument("--compute-type", default="int8")


def _worker(args: argparse.Namespace) -> int:
    import logging

    from asr.worker import AsrWorker, serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = AsrSettings(
        model_dir=args.model_dir,
        device=args.device,
        compute_type=args.compute_type,
        num_workers=args.threads,
        cpu_threads=args.cpu_threads,
    )
    worker = AsrWorker(
        settings,
        redis_url=args.redis_url,
        name=args.name,
        prefix=args.prefix,
        max_jobs=args.max_jobs,
        claim_idle_s=args.claim_idle,
        heartbeat_s=args.heartbeat,
    )
    try:
        asyncio.run(serve(worker, ready=lambda: print("ready", flush=True)))
    except ModelNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m asr", description="Chinese captions with Whisper")
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("transcribe", help="transcribe an audio file (any rate/channels/format)")
    tr.add_argument("file")
    tr.add_argument("--stream", action="store_true", help="use the streaming caption path")
    tr.add_argument("--realtime", action="store_true", help="with --stream: feed at real-time pace")
    tr.add_argument("--json", action="store_true", help="one JSON object per caption")
    tr.add_argument("--model-dir", default=None, help="a local faster-whisper model directory")
    tr.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    tr.add_argument("--hotword", action="append", default=[], help="a name to bias towards (repeatable)")
    _add_worker_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "worker":
        return _worker(args)
    settings = AsrSettings(model_dir=args.model_dir, device=args.device)
    try:
        if args.stream:
            asyncio.run(
                _stream(settings, args.file, realtime=args.realtime, as_json=args.json, hotwords=args.hotword)
            )
        else:
            from asr.engine import WhisperEngine
            from asr.offline import transcribe_pcm

            pcm = load_audio(args.file)
            for caption in transcribe_pcm(WhisperEngine(settings), pcm, hotwords=args.hotword):
                print(_line(caption, as_json=args.json, streaming=False), flush=True)
    except (AudioFileError, ModelNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
