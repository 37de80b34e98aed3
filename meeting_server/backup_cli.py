"""``gongzhi backup DIR`` and ``gongzhi restore DIR``: a consistent snapshot of the embedded log while the
server runs, and its return into an empty data directory.

The log is copied with SQLite's online backup API (``sqlite3.Connection.backup`` in one step: one read
transaction, so one consistent state of every stream and every ledger, while the server keeps writing in
WAL mode). The keys and the other files of the data directory are copied beside it (0600, in a 0700
directory); ``snapshot.json`` names the ledger heads at the snapshot, which ``gongzhi verify --ledger`` on
the restored copy prints again. Redis mode has no file to copy here: BGSAVE, then copy the RDB/AOF files
(README, "Backups").
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import json
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meeting_server.ledger.keystore import ledger_signing_key
from meeting_server.ledger.service import check_ledgers
from meeting_server.settings import Settings
from meeting_server.store.eventlog import SQLITE_FILE
from meeting_server.store.private import FILE_MODE, private_dir, tighten
from meeting_server.store.sqlite_log import SqliteEventLog

MANIFEST = "snapshot.json"
# The log's own side files: never copied (the backup holds the whole state in its one file).
_LOG_FILES = (SQLITE_FILE, f"{SQLITE_FILE}-wal", f"{SQLITE_FILE}-shm", f"{SQLITE_FILE}-journal")

SettingsOf = Callable[[argparse.Namespace], Settings]


def _empty(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _copy_private(src: Path, dst: Path) -> None:
    """Every file of ``src`` but the log's own into ``dst``: keys and recordings, modes kept private."""
    for item in sorted(src.iterdir()):
        if item.name in _LOG_FILES or item.name == MANIFEST or item.is_symlink():
            continue
        target = dst / item.name
        if item.is_dir():
            shutil.copytree(item, target, symlinks=False)
        elif item.is_file():
            shutil.copy2(item, target)
            tighten(target, FILE_MODE)


def snapshot_log(db: Path, into: Path) -> None:
    """The log at ``db`` copied to ``into`` as one consistent state (online backup, one step)."""
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(into)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    tighten(into, FILE_MODE)


async def _ledger_heads(data_dir: Path, settings: Settings) -> dict[str, dict[str, Any]]:
    key = ledger_signing_key(settings).public_key()
    log = SqliteEventLog(data_dir / SQLITE_FILE)
    try:
        reports = await check_ledgers(log, key)
    finally:
        await log.close()
    return {
        r.stream: {"entries": r.count, "head": r.head_hash, "ok": r.ok, "problems": list(r.problems)}
        for r in reports
    }


def cmd_backup(settings_of: SettingsOf, args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if settings.redis.url:
        print(
            "error: this server keeps its log in Redis: run BGSAVE there and copy the RDB/AOF files"
            " (README, Backups)",
            file=sys.stderr,
        )
        return 2
    db = settings.data_dir / SQLITE_FILE
    out = Path(args.dir)
    if not db.is_file():
        print(f"error: no log at {db}", file=sys.stderr)
        return 2
    if not _empty(out):
        print(f"error: {out} is not empty; back up into a new directory", file=sys.stderr)
        return 2
    private_dir(out)
    at = time.time()
    snapshot_log(db, out / SQLITE_FILE)
    _copy_private(settings.data_dir, out)
    snap = _with_data_dir(settings, out)
    heads = asyncio.run(_ledger_heads(out, snap))
    manifest = {"taken_at": at, "ledgers": heads}
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    tighten(out / MANIFEST, FILE_MODE)
    print(f"snapshot of {settings.data_dir} in {out}")
    for stream, h in heads.items():
        print(f"{stream}: {h['entries']} entries, head {h['head']}" + ("" if h["ok"] else " (BROKEN)"))
    return 0 if all(h["ok"] for h in heads.values()) else 1


def _with_data_dir(settings: Settings, data_dir: Path) -> Settings:
    """``settings`` with another data directory (the snapshot's, with its copy of the ledger key)."""
    return dataclasses.replace(settings, store=dataclasses.replace(settings.store, data_dir=str(data_dir)))


def cmd_restore(settings_of: SettingsOf, args: argparse.Namespace) -> int:
    settings = settings_of(args)
    src, dst = Path(args.dir), settings.data_dir
    if not (src / SQLITE_FILE).is_file() or not (src / MANIFEST).is_file():
        print(f"error: {src} is not a snapshot made by gongzhi backup", file=sys.stderr)
        return 2
    if not _empty(dst):
        if not args.force:
            print(
                f"error: {dst} is not empty; restore into an empty data directory (or --force)",
                file=sys.stderr,
            )
            return 2
        for name in _LOG_FILES:  # a stale WAL beside the restored file would be replayed into it
            (dst / name).unlink(missing_ok=True)
    private_dir(dst)
    shutil.copy2(src / SQLITE_FILE, dst / SQLITE_FILE)
    tighten(dst / SQLITE_FILE, FILE_MODE)
    for item in sorted(src.iterdir()):
        if item.name in _LOG_FILES or item.name == MANIFEST:
            continue
        target = dst / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy2(item, target)
            tighten(target, FILE_MODE)
    manifest = json.loads((src / MANIFEST).read_text("utf-8"))
    taken = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(manifest["taken_at"]))
    print(f"restored the snapshot of {taken} into {dst}")
    for stream, h in manifest["ledgers"].items():
        print(f"{stream}: {h['entries']} entries, head {h['head']}")
    print("check it: gongzhi verify --ledger (the same heads) and gongzhi verify all")
    return 0


def add_backup(sub: Any, common: Callable[[argparse.ArgumentParser], None], settings_of: SettingsOf) -> None:
    sp = sub.add_parser(
        "backup", help="a consistent snapshot of the log, the ledger and the keys (while serving)"
    )
    common(sp)
    sp.add_argument("dir", help="a new (or empty) directory for the snapshot")
    sp.set_defaults(fn=functools.partial(cmd_backup, settings_of))
    sp = sub.add_parser("restore", help="bring a snapshot back into an empty data directory")
    common(sp)
    sp.add_argument("dir", help="a directory written by gongzhi backup")
    sp.add_argument(
        "--force", action="store_true", help="replace the log of a data directory that is not empty"
    )
    sp.set_defaults(fn=functools.partial(cmd_restore, settings_of))
