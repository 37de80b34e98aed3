"""What the server keeps on disk is its user's alone (data_dir 0700; the database, its -wal/-shm and the keys
0600, also when an older version left them readable), and pages may connect only to their own origin."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from meeting_server.hub.secrets_store import admin_token, signing_key
from meeting_server.store.eventlog import sqlite_path
from tests.support.hub import running_server


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """A typical umask (022): files would be world-readable unless the server says otherwise."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("loose_umask")
async def test_data_dir_database_and_keys_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with running_server(data) as server:
        await server.create_meeting()  # a write: the WAL and shared-memory files exist now
        db = sqlite_path(data)
        assert mode(data) == 0o700
        for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            assert path.exists() and mode(path) == 0o600, (path, oct(mode(path)))
    # Generated keys (the test server is configured with both, so ask for them here).
    assert signing_key("", data) and admin_token("", data)
    assert mode(data / "secret.key") == 0o600 and mode(data / "admin.token") == 0o600


@pytest.mark.usefixtures("loose_umask")
async def test_files_left_readable_are_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    (data / "secret.key").write_text("k" * 40)
    os.chmod(data / "secret.key", 0o644)
    db = sqlite_path(data)
    db.touch()
    os.chmod(db, 0o644)
    async with running_server(data) as server:
        await server.create_meeting()
        assert mode(data) == 0o700 and mode(db) == 0o600
        assert mode(db.with_name(db.name + "-wal")) == 0o600
    assert signing_key("", data) == b"k" * 40
    assert mode(data / "secret.key") == 0o600


async def test_pages_connect_only_to_their_own_origin(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as session:
        created = await server.create_meeting()
        token = created["links"]["participant"]["token"]
        async with session.get(
            f"{server.url}/m/{created['meeting_id']}/participant", params={"t": token}
        ) as r:
            assert r.status in (200, 503)  # 503 while socket.io-client is not installed: same headers
            csp = r.headers["Content-Security-Policy"]
        directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
        assert directives["connect-src"] == ["'self'"], csp
