"""``gongzhi verify``: a stream's chain in the server's log, a downloaded ``log.jsonl`` offline, or the
signed community ledgers (``--ledger``) against the meetings they anchor.

Both go through ``meeting_server.ledger.verify``. Exit 0 when it verifies; 1 when a record is broken (the
first broken sequence number is named) or the head differs from ``--expect-head``; 2 when there is nothing
to verify (no such meeting, no such file).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from meeting_server.communities import COMMUNITY_KIND, STREET_STREAM
from meeting_server.ledger.anchors import LEDGER_KIND, public_key_hex
from meeting_server.ledger.keystore import ledger_signing_key
from meeting_server.ledger.ledger_file import LedgerFileReport, verify_ledger_text
from meeting_server.ledger.service import LedgerReport, check_ledgers
from meeting_server.ledger.verify import ChainReport, expect, verify_text
from meeting_server.settings import Settings
from meeting_server.store.eventlog import MEETING, opened_event_log, stream_kind

# The stream kinds ``verify all`` walks.
VERIFIED_KINDS = (MEETING, COMMUNITY_KIND, stream_kind(STREET_STREAM), LEDGER_KIND)

SettingsOf = Callable[[argparse.Namespace], Settings]


async def _reports(settings: Settings, meeting: str) -> list[tuple[str, ChainReport]]:
    """Chain reports of one stream (or 'all': every meeting, community roster and the street directory)."""
    async with opened_event_log(settings) as event_log:
        if meeting == "all":
            ids = [sid for kind in VERIFIED_KINDS for sid in await event_log.stream_ids(kind)]
        else:
            ids = [meeting]
        return [(mid, await event_log.verify(mid)) for mid in ids]


def _print(name: str, report: ChainReport) -> int:
    if report.ok:
        print(f"{name}: OK — {report.count} events, head {report.head_hash}")
        return 0
    if report.broken_at is None:
        print(f"{name}: HEAD DIFFERS — {report.reason} ({report.count} events verify)")
    else:
        print(
            f"{name}: BROKEN at event {report.broken_at}: {report.reason}"
            f" ({report.count} events before it verify)"
        )
    return 1


def _verify_file(path: str, expect_head: str | None) -> int:
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        print(f"error: cannot read {path}: {e}", file=sys.stderr)
        return 2
    report = verify_text(text, expect_head)
    if report.ok and report.count == 0:
        print(f"{path}: no records", file=sys.stderr)
        return 2
    return _print(path, report)


async def _ledger_reports(settings: Settings, public_key: str | None) -> tuple[str, list[LedgerReport]]:
    if public_key is not None:  # the first key, as printed: followed along the signed rotations
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
    else:  # this server's key, which every ledger must reach through signed rotations
        key = ledger_signing_key(settings).public_key()
    async with opened_event_log(settings) as event_log:
        return public_key_hex(key), await check_ledgers(event_log, key, key_at_head=public_key is None)


def _verify_ledger(settings: Settings, public_key: str | None) -> int:
    if public_key is not None and not _is_public_key(public_key):
        print("error: --public-key must be 64 hex digits (the 'ledger key' line)", file=sys.stderr)
        return 2
    key, reports = asyncio.run(_ledger_reports(settings, public_key))
    print(f"ledger key {key}")
    if not reports:
        print("no ledger entries yet (no meeting has closed)")
        return 0
    worst = 0
    for report in reports:
        worst = max(worst, _print_ledger(report.stream, report))
    return worst


def _print_ledger(name: str, report: LedgerReport | LedgerFileReport) -> int:
    rotated = f" (key rotated {report.rotations}×, now {report.key_hex})" if report.rotations else ""
    if report.ok:
        print(f"{name}: OK — {report.count} entries, head {report.head_hash}{rotated}")
        return 0
    print(f"{name}: BROKEN — {len(report.problems)} problem(s) in {report.count} entries")
    for problem in report.problems:
        print(f"  {problem}")
    return 1


def _verify_ledger_file(path: str, public_key: str | None) -> int:
    if public_key is None or not _is_public_key(public_key):
        print(
            "error: --ledger-file needs --public-key HEX (64 hex digits, printed on the minutes)",
            file=sys.stderr,
        )
        return 2
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        print(f"error: cannot read {path}: {e}", file=sys.stderr)
        return 2
    report = verify_ledger_text(text, Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)))
    if report.count == 0 and report.ok:
        print(f"{path}: no entries", file=sys.stderr)
        return 2
    print(f"ledger key {public_key.lower()}")
    return _print_ledger(f"{path} ({report.stream})", report)


def _is_public_key(text: str) -> bool:
    try:
        return len(bytes.fromhex(text)) == 32
    except ValueError:
        return False


def cmd_verify(settings_of: SettingsOf, args: argparse.Namespace) -> int:
    if args.ledger_file is not None:
        if args.meeting is not None or args.log is not None or args.ledger:
            print("error: --ledger-file checks one file; give nothing else but --public-key", file=sys.stderr)
            return 2
        return _verify_ledger_file(args.ledger_file, args.public_key)
    if args.ledger:
        if args.meeting is not None or args.log is not None:
            print("error: --ledger checks every ledger; give no meeting and no --log", file=sys.stderr)
            return 2
        return _verify_ledger(settings_of(args), args.public_key)
    if args.log is not None:
        if args.meeting is not None:
            print("error: give a meeting or --log FILE, not both", file=sys.stderr)
            return 2
        return _verify_file(args.log, args.expect_head)
    if args.meeting is None:
        print("error: name a meeting ('all' for every stream) or --log FILE", file=sys.stderr)
        return 2
    if args.expect_head is not None and args.meeting == "all":
        print("error: --expect-head needs one meeting", file=sys.stderr)
        return 2
    worst = 0
    for mid, report in asyncio.run(_reports(settings_of(args), args.meeting)):
        if report.count == 0 and report.ok:
            print(f"{mid}: no such meeting")
            worst = max(worst, 2)
        else:
            worst = max(worst, _print(mid, expect(report, args.expect_head)))
    return worst


def add_verify(sub: Any, common: Callable[[argparse.ArgumentParser], None], settings_of: SettingsOf) -> None:
    sp = sub.add_parser(
        "verify",
        help="check a stream's hash chain ('all' for every meeting, community and the street),"
        " or a downloaded log.jsonl with --log",
    )
    common(sp)
    sp.add_argument("meeting", nargs="?")
    sp.add_argument("--log", metavar="FILE", help="a meeting's log.jsonl as served: checked offline")
    sp.add_argument("--expect-head", metavar="HASH", help="the head hash the log must end at")
    sp.add_argument(
        "--ledger",
        action="store_true",
        help="check the signed community ledgers and every meeting they anchor",
    )
    sp.add_argument(
        "--ledger-file",
        metavar="FILE",
        help="a ledger as served (/api/ledger/<community>.jsonl): checked offline with --public-key",
    )
    sp.add_argument(
        "--public-key",
        metavar="HEX",
        help="with --ledger or --ledger-file: check the signatures against this public key"
        " (with --ledger, default: this server's key)",
    )
    sp.set_defaults(fn=functools.partial(cmd_verify, settings_of))
