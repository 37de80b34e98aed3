"""The signing key and admin token: from settings, or generated once and kept (mode 0600) in the data
directory."""

from __future__ import annotations

import secrets
from pathlib import Path

from meeting_server.store.private import read_or_create_secret


def signing_key(configured: str, data_dir: Path) -> bytes:
    if configured:
        return configured.encode()
    return read_or_create_secret(data_dir / "secret.key", secrets.token_urlsafe(32)).encode()


def admin_token(configured: str, data_dir: Path) -> str:
    if configured:
        return configured
    return read_or_create_secret(data_dir / "admin.token", secrets.token_urlsafe(24))
