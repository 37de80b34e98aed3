"""``gongzhi topics triage FILE.jsonl``: categories, duplicates and flags for topics in submission order."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from .engine import TopicEngine

FIELDS = ("id", "title", "body")


class TopicFileError(ValueError):
    """A line of a topics file that cannot be triaged; the message names the line."""


def read_topics(lines: TextIO) -> list[tuple[str, str, str]]:
    """``{"id","title","body"}`` objects, one a line (blank lines skipped); every line is checked before
    any topic is triaged, so a bad file prints nothing but its error."""
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item: Any = json.loads(line)
        except json.JSONDecodeError as e:
            raise TopicFileError(f"line {n}: not JSON ({e.msg})") from None
        if not isinstance(item, dict):
            raise TopicFileError(f"line {n}: expected an object with id, title and body")
        for key in FIELDS:
            if not isinstance(item.get(key), str):
                raise TopicFileError(f"line {n}: {key!r} must be a string")
        if not item["id"].strip():
            raise TopicFileError(f"line {n}: 'id' is empty")
        if item["id"] in seen:
            raise TopicFileError(f"line {n}: id {item['id']!r} appears twice")
        seen.add(item["id"])
        out.append((item["id"], item["title"], item["body"]))
    return out


def triage(topics: list[tuple[str, str, str]], out: TextIO) -> None:
    engine = TopicEngine()
    for topic_id, title, body in topics:
        t = engine.add(topic_id, title, body)
        row = {"id": topic_id, "category": t.category, "duplicate_of": t.duplicate_of, "flags": list(t.flags)}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def cmd_triage(args: argparse.Namespace) -> int:
    try:
        if args.file == "-":
            topics = read_topics(sys.stdin)
        else:
            with Path(args.file).open(encoding="utf-8") as f:
                topics = read_topics(f)
    except (OSError, UnicodeDecodeError) as e:
        print(f"error: cannot read {args.file}: {e}", file=sys.stderr)
        return 2
    except TopicFileError as e:
        print(f"error: {args.file}: {e}", file=sys.stderr)
        return 2
    try:
        triage(topics, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``… | head -1``): stop quietly; point stdout at devnull so the
        # interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0


def add_parser(sub: Any) -> None:
    """``gongzhi topics …`` on the main parser's subcommands."""
    topics = sub.add_parser("topics", help="residents' topics (议题): triage")
    tsub = topics.add_subparsers(dest="topics_cmd", required=True)
    sp = tsub.add_parser(
        "triage",
        help="print category, duplicate_of and flags for each topic of a JSON-lines file, in order",
    )
    sp.add_argument("file", help='one {"id","title","body"} object a line, in submission order ("-": stdin)')
    sp.set_defaults(fn=cmd_triage)
