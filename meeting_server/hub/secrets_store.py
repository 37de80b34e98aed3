"""The signing key and admin token: from settings, or generated once and kept (mode 0600) in the data
directory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from meeting_server.store.private import FILE_MODE, private_dir, tighten


def _read_or_create(path: Path, make: str) -> str:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        private_dir(path.parent)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w") as f:
            f.write(make)
        os.replace(tmp, path)
        return path.read_text().strip()
    tighten(path, FILE_MODE)  # kept by an older version, perhaps readable by others
    return text


def signing_key(configured: str, data_dir: Path) -> bytes:
    if configured:
        return configured.encode()
    return _read_or_create(data_dir / "secret.key", secrets.token_urlsafe(32)).encode()


def admin_token(configured: str, data_dir: Path) -> str:
    if configured:
        return configured
    return _read_or_create(data_dir / "admin.token", secrets.token_urlsafe(24))
