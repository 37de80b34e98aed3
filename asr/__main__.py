"""Command line: ``python -m asr transcribe FILE [--stream] [--realtime] [--json]`` and
``python -m asr worker`` (a caption worker, see ``asr.worker``).

Both read the project settings exactly as the server does (``meeting_server.settings``: defaults,
then ``--config`` or ``GONGZHI_CONFIG``, then ``GONGZHI_*`` variables); a flag that is given
overrides its setting, one that is not leaves it be. This module is the only place here that
hands ``os.environ`` in.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from asr import redis_protocol as proto
from asr.audio import AudioFileError, load_audio
from asr.model import ModelNotFoundError
from asr.service import AsrService
from asr.settings import SAMPLE_RATE, AsrSettings
from asr.stream import Caption
from meeting_server.settings import Settings, SettingsError, load_settings

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


def _add_settings_flags(parser: argparse.ArgumentParser, *, worker: bool) -> None:
    """Flags that override settings: ``dest`` names the setting; None (not given) leaves it be."""
    parser.add_argument(
        "--config", help="a TOML settings file (default: $GONGZHI_CONFIG; see config/defaults.toml)"
    )
    parser.add_argument(
        "--model-dir", dest="asr.model_dir", metavar="DIR", help="a local faster-whisper model directory"
    )
    parser.add_argument("--device", dest="asr.device", choices=("cpu", "cuda", "auto"))
    if not worker:
        return
    parser.add_argument("--compute-type", dest="asr.compute_type", metavar="TYPE", help="e.g. int8, float16")
    parser.add_argument(
        "--threads", dest="asr.num_workers", type=int, metavar="N", help="decoding threads sharing the model"
    )
    parser.add_argument(
        "--cpu-threads",
        dest="asr.cpu_threads",
        type=int,
        metavar="N",
        help="CTranslate2 threads per decoding thread",
    )
    parser.add_argument(
        "--redis-url",
        dest="redis.url",
        metavar="URL",
        help="e.g. redis://127.0.0.1:6379/0 (default: [redis] url)",
    )
    parser.add_argument("--name", dest="asr_worker.name", help="consumer name (default: host-pid)")
    parser.add_argument(
        "--max-jobs", dest="asr_worker.max_jobs", type=int, metavar="N", help="streams decoded concurrently"
    )
    parser.add_argument(
        "--claim-idle",
        dest="asr_worker.claim_idle_s",
        type=float,
        metavar="S",
        help="reclaim jobs idle this long (s)",
    )
    parser.add_argument(
        "--heartbeat",
        dest="asr_worker.heartbeat_s",
        type=float,
        metavar="S",
        help="refresh own jobs this often (s)",
    )
    # not a setting: the server always uses the default prefix; another one is for tests sharing a Redis
    parser.add_argument("--prefix", default=proto.DEFAULT_PREFIX, help="Redis key prefix")


def build_parser() -> argparse.ArgumentParser:
    """The command line (``python -m asr --help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m asr",
        description="Chinese captions with Whisper. Settings as for the server: config/defaults.toml, then "
        "--config FILE or $GONGZHI_CONFIG, then GONGZHI_<SECTION>__<KEY> variables, then these flags.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("transcribe", help="transcribe an audio file (any rate/channels/format)")
    tr.add_argument("file")
    tr.add_argument("--stream", action="store_true", help="use the streaming caption path")
    tr.add_argument("--realtime", action="store_true", help="with --stream: feed at real-time pace")
    tr.add_argument("--json", action="store_true", help="one JSON object per caption")
    tr.add_argument("--hotword", action="append", default=[], help="a name to bias towards (repeatable)")
    _add_settings_flags(tr, worker=False)
    wk = sub.add_parser("worker", help="decode caption streams handed out through Redis Streams")
    _add_settings_flags(wk, worker=True)
    return parser


def load(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """The settings the server would read (``--config``/``GONGZHI_CONFIG``, ``GONGZHI_*`` in
    ``environ``), with the flags that were given on top."""
    sections: dict[str, dict[str, Any]] = {}
    for dest, value in vars(args).items():
        if "." in dest and value is not None:
            section, key = dest.split(".")
            sections.setdefault(section, {})[key] = value
    return load_settings(args.config, environ).with_overrides(**sections)


def _worker(settings: Settings, prefix: str) -> int:
    import logging

    from asr.worker import AsrWorker, serve

    if not settings.redis.url:
        print(
            "error: no Redis to take jobs from: set [redis] url (GONGZHI_REDIS__URL) or --redis-url",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    worker = AsrWorker(settings.asr, settings.asr_worker, redis_url=settings.redis.url, prefix=prefix)
    try:
        asyncio.run(serve(worker, ready=lambda: print("ready", flush=True)))
    except ModelNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = load(args, os.environ)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "worker":
        return _worker(settings, args.prefix)
    try:
        if args.stream:
            asyncio.run(
                _stream(
                    settings.asr, args.file, realtime=args.realtime, as_json=args.json, hotwords=args.hotword
                )
            )
        else:
            from asr.engine import WhisperEngine
            from asr.offline import transcribe_pcm

            pcm = load_audio(args.file)
            for caption in transcribe_pcm(WhisperEngine(settings.asr), pcm, hotwords=args.hotword):
                print(_line(caption, as_json=args.json, streaming=False), flush=True)
    except (AudioFileError, ModelNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
