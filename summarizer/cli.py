"""``python -m summarizer``: minutes of a meeting from the server's log or from a JSONL export.

    python -m summarizer minutes MEETING_OR_LOG --format md|html|docx|pdf|json|srt|vtt [-o FILE]
    python -m summarizer verify MEETING_OR_LOG      (recompute the published minutes' hash)
    python -m summarizer export-log MEETING -o FILE.jsonl

MEETING_OR_LOG is a meeting id in the configured event log (the data directory's SQLite file, or Redis when
``[redis] url`` is set), or the path of a JSONL file of records.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from meeting_server.settings import Settings, SettingsError, load_settings
from meeting_server.store.eventlog import opened_event_log
from meeting_server.store.records import EventRecord

from .build import TurnSummarizer
from .document import verify_published
from .export import FORMATS, export
from .logfile import read_jsonl, write_jsonl


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config, os.environ)
    if args.data_dir:
        settings = settings.with_overrides(store={"data_dir": args.data_dir})
    return settings


def _records(settings: Settings, source: str) -> list[EventRecord]:
    path = Path(source)
    if path.suffix in (".jsonl", ".json") or path.is_file():
        return read_jsonl(path)
    records = asyncio.run(_read(settings, source))
    if not records:
        where = settings.redis.url or settings.data_dir
        raise LookupError(f"no meeting {source!r} in {where} (use --data-dir, or give a .jsonl file)")
    return records


async def _read(settings: Settings, meeting_id: str) -> list[EventRecord]:
    async with opened_event_log(settings) as event_log:
        return await event_log.read(meeting_id)


def summarizer_from(settings: Settings, model_dir: str | None) -> TurnSummarizer | None:
    """The configured summariser: None (extractive) or the abstractive model from a local directory."""
    m = settings.minutes
    directory = model_dir or (m.model_dir if m.backend == "abstractive" else "")
    if not directory:
        return None
    from .abstractive import Abstractive

    return Abstractive(directory, max_new_tokens=m.max_new_tokens)


def cmd_minutes(args: argparse.Namespace) -> int:
    settings = _settings(args)
    records = _records(settings, args.source)
    body, _ = export(
        records,
        args.format,
        font=args.font or settings.minutes.font,
        summarizer=summarizer_from(settings, args.model_dir),
    )
    if args.output:
        Path(args.output).write_bytes(body)
    elif args.format in ("docx", "pdf"):
        print("error: docx and pdf need -o FILE", file=sys.stderr)
        return 2
    else:
        sys.stdout.write(body.decode("utf-8"))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    result = verify_published(_records(_settings(args), args.source))
    print(f"OK — published minutes hash {result.published_hash}" if result.ok else f"FAILED: {result.reason}")
    return 0 if result.ok else 1


def cmd_export_log(args: argparse.Namespace) -> int:
    write_jsonl(_records(_settings(args), args.source), Path(args.output))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m summarizer", description="Minutes of a Gongzhi meeting")
    p.add_argument("--config", help="a TOML settings file (see config/defaults.toml)")
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("source", metavar="MEETING_OR_LOG", help="a meeting id, or a .jsonl file of records")
        sp.add_argument("--data-dir", help="override store.data_dir")

    sp = sub.add_parser("minutes", help="write the minutes (or the transcript as srt/vtt)")
    common(sp)
    sp.add_argument("--format", choices=FORMATS, default="md")
    sp.add_argument("-o", "--output", help="file to write (default: standard output; required for docx/pdf)")
    sp.add_argument("--font", help="font file for PDF (path or path:index); default: found with fontconfig")
    sp.add_argument("--model-dir", help="summarise with a local transformers model (abstractive)")
    sp.set_defaults(fn=cmd_minutes)
    sp = sub.add_parser("verify", help="recompute the published minutes' hash from the log")
    common(sp)
    sp.set_defaults(fn=cmd_verify)
    sp = sub.add_parser("export-log", help="write a meeting's log as JSON Lines")
    common(sp)
    sp.add_argument("-o", "--output", required=True)
    sp.set_defaults(fn=cmd_export_log)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.fn(args)
    except (SettingsError, LookupError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return code
