"""Where the ballot key lives: a 0600 file generated once (embedded), shared by every process through one
Redis (scale-out), or configured (then used everywhere, never stored)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from meeting_server.ledger.keystore import REDIS_KEY, BallotKeyError, ballot_key
from tests.support.hub import make_settings
from tests.support.redis import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


def test_embedded_the_key_is_generated_once_into_a_private_file(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    key = ballot_key(settings)
    path = tmp_path / "data" / "ballot.key"
    assert len(key) == 32 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ballot_key(settings) == key  # kept, not regenerated
    os.chmod(path, 0o644)
    assert ballot_key(settings) == key and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    path.write_text("not base64 !!")
    with pytest.raises(BallotKeyError, match=r"ballot\.key"):
        ballot_key(settings)


def test_a_configured_key_wins_and_must_be_long(tmp_path: Path) -> None:
    key = ballot_key(make_settings(tmp_path / "a", ballot_key="k" * 40))
    assert key == ballot_key(make_settings(tmp_path / "b", ballot_key="k" * 40)) and len(key) == 32
    assert not (tmp_path / "a" / "ballot.key").exists()
    with pytest.raises(BallotKeyError, match="at least 32"):
        ballot_key(make_settings(tmp_path / "c", ballot_key="short"))


def test_scale_out_processes_share_one_key_through_redis(tmp_path: Path, redis_server: RedisServer) -> None:
    first = ballot_key(make_settings(tmp_path / "a").with_overrides(redis={"url": redis_server.url}))
    second = ballot_key(make_settings(tmp_path / "b").with_overrides(redis={"url": redis_server.url}))
    assert first == second and len(first) == 32
    assert not (tmp_path / "a" / "ballot.key").exists()  # nothing per process
    client = redis.Redis.from_url(redis_server.url)
    try:
        assert client.get(REDIS_KEY) is not None
    finally:
        client.close()
