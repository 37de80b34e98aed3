"""``gongzhi ledger rotate-key``: a new ledger signing key, the hand-over recorded in every ledger.

The old key signs "rotated to <new public key>" (and the new key signs the same, to show it is held);
that certificate is appended to every ledger stream, and every ledger made later opens with it, so
``gongzhi verify --ledger-file FILE --public-key <first key>`` follows the change. The new key replaces
``<data_dir>/ledger.key`` (0600); the old one is kept beside it as ``ledger.key.retired-<time>`` for the
operator to move offline or destroy. The server must be stopped (it holds the key in memory).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from meeting_server.ledger.anchors import public_key_hex
from meeting_server.ledger.keystore import LEDGER_KEY_FILE, ledger_signing_key
from meeting_server.ledger.service import rotate_key
from meeting_server.settings import Settings
from meeting_server.store.eventlog import opened_event_log
from meeting_server.store.private import FILE_MODE, private_dir

SettingsOf = Callable[[argparse.Namespace], Settings]


def _key_text(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _write_private(path: os.PathLike[str] | str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def cmd_rotate_key(settings_of: SettingsOf, args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if settings.redis.url:
        print(
            "error: rotate-key keeps the key in <data_dir>/ledger.key; not for Redis mode yet",
            file=sys.stderr,
        )
        return 2
    folder = private_dir(settings.data_dir)
    old = ledger_signing_key(settings)
    new = Ed25519PrivateKey.generate()
    now = time.time()
    staged = folder / f"{LEDGER_KEY_FILE}.new"
    staged.unlink(missing_ok=True)
    _write_private(staged, _key_text(new))  # the new key is safe on disk before any ledger names it

    async def record() -> int:
        async with opened_event_log(settings) as log:
            return len(await rotate_key(log, old, new, now))

    streams = asyncio.run(record())
    _write_private(folder / f"{LEDGER_KEY_FILE}.retired-{int(now)}", _key_text(old))
    os.replace(staged, folder / LEDGER_KEY_FILE)
    print(f"old ledger key {public_key_hex(old.public_key())}")
    print(f"new ledger key {public_key_hex(new.public_key())}")
    print(f"the rotation is recorded in {streams} ledger(s)")
    print(f"the old key is in {LEDGER_KEY_FILE}.retired-{int(now)}: move it offline or destroy it")
    return 0


def add_ledger(sub: Any, common: Callable[[argparse.ArgumentParser], None], settings_of: SettingsOf) -> None:
    sp = sub.add_parser("ledger", help="the signed community ledger's key")
    inner = sp.add_subparsers(dest="ledger_cmd", required=True)
    rk = inner.add_parser(
        "rotate-key", help="a new signing key, the rotation signed by the old one (server stopped)"
    )
    common(rk)
    rk.set_defaults(fn=functools.partial(cmd_rotate_key, settings_of))
