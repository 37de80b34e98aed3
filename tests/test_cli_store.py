"""Every command line that reads or writes meetings, in the embedded default (SQLite) and in scale-out mode
(a real redis-server): what one command writes, the next command and the server find in the same store."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from meeting_server.hub.app import create_app
from meeting_server.settings import load_settings
from meeting_server.store.eventlog import sqlite_path
from tests.support.hub import DEMO_SPEC
from tests.support.redis import RedisServer

ROOT = Path(__file__).resolve().parents[1]


class Cli:
    def __init__(self, env: dict[str, str], data_dir: Path, redis: RedisServer | None) -> None:
        self.env = env
        self.data_dir = data_dir
        self.redis = redis

    def run(self, module: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", module, *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=self.env,
            timeout=120,
        )

    def tamper(self, meeting_id: str, seq: int) -> None:
        """Change one stored byte of event ``seq`` behind the server's back."""
        if self.redis is None:
            db = sqlite3.connect(sqlite_path(self.data_dir))
            db.execute("UPDATE events SET actor='intruder' WHERE meeting_id=? AND seq=?", (meeting_id, seq))
            db.commit()
            db.close()
            return
        key = f"gongzhi:log:{meeting_id}"
        row = json.loads(self.redis.client.lindex(key, seq - 1))  # type: ignore[arg-type]
        row[2] = "intruder"
        self.redis.client.lset(key, seq - 1, json.dumps(row, ensure_ascii=False))


@pytest.fixture(params=["sqlite", "redis"])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cli]:
    import os

    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env.update({"GONGZHI_STORE__DATA_DIR": str(data_dir), "GONGZHI_SERVER__SECRET_KEY": "k" * 32})
    if request.param == "sqlite":
        yield Cli(env, data_dir, None)
        return
    server = RedisServer(tmp_path / "redis")
    env["GONGZHI_REDIS__URL"] = server.url
    try:
        yield Cli(env, data_dir, server)
    finally:
        server.stop()


async def _page_status(env: dict[str, str], url: str) -> int:
    """Serve with the same settings (in this process, on loopback) and open a printed link."""
    settings = load_settings(environ=env).with_overrides(server={"port": 0}, media={"captions": False})
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        path = url.split("://", 1)[1].split("/", 1)[1]
        async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{port}/{path}") as r:
            return r.status
    finally:
        await runner.cleanup()


async def test_every_command_uses_the_configured_store(cli: Cli, tmp_path: Path) -> None:
    spec = tmp_path / "meeting.json"
    spec.write_text(json.dumps(DEMO_SPEC, ensure_ascii=False), "utf-8")
    out = cli.run("meeting_server", "create", "--spec", str(spec))
    assert out.returncode == 0, out.stderr
    meeting_id = re.search(r"meeting (\w+)", out.stdout).group(1)  # type: ignore[union-attr]
    participant = re.search(r"participant\s+(\S+)", out.stdout).group(1)  # type: ignore[union-attr]
    # The server started on the same settings knows the meeting the CLI created.
    assert await _page_status(cli.env, participant) == 200

    links = cli.run("meeting_server", "links", meeting_id)
    assert links.returncode == 0 and f"/m/{meeting_id}/moderator?t=" in links.stdout, links.stderr
    assert cli.run("meeting_server", "links", "nope").returncode == 2

    verify = cli.run("meeting_server", "verify", meeting_id)
    assert verify.returncode == 0 and "OK" in verify.stdout, verify.stdout + verify.stderr
    every = cli.run("meeting_server", "verify", "all")
    assert every.returncode == 0 and meeting_id in every.stdout
    missing = cli.run("meeting_server", "verify", "nope")
    assert missing.returncode == 2 and "no such meeting" in missing.stdout

    transcript = cli.run("meeting_server", "transcript", meeting_id, "--format", "json")
    assert transcript.returncode == 0 and json.loads(transcript.stdout) == {"captions": []}, transcript.stderr
    assert cli.run("meeting_server", "transcript", "nope").returncode == 2

    minutes = cli.run("summarizer", "minutes", meeting_id, "--format", "md")
    assert minutes.returncode == 0 and DEMO_SPEC["title"] in minutes.stdout, minutes.stderr
    exported = tmp_path / "log.jsonl"
    assert cli.run("summarizer", "export-log", meeting_id, "-o", str(exported)).returncode == 0
    assert len(exported.read_text("utf-8").splitlines()) >= 1
    unpublished = cli.run("summarizer", "verify", meeting_id)
    assert unpublished.returncode == 1 and "FAILED" in unpublished.stdout
    gone = cli.run("summarizer", "minutes", "nope")
    assert gone.returncode == 2 and "no meeting" in gone.stderr

    # In scale-out mode nothing went to a local SQLite file.
    assert sqlite_path(cli.data_dir).exists() == (cli.redis is None)

    cli.tamper(meeting_id, 1)
    broken = cli.run("meeting_server", "verify", meeting_id)
    assert broken.returncode == 1 and "BROKEN at event 1" in broken.stdout, broken.stdout
