"""Where the ballot key comes from: configured, a 0600 file in the data directory, or shared in Redis;
and the ledger's Ed25519 signing key, kept the same way (never configured).

Every process that writes or loads meetings must hold the same key (a process with another key cannot
open the ballots of a vote still open, and refuses to load that meeting). Embedded: ``<data_dir>/ballot.key``,
generated once, beside ``secret.key``. Scale-out: the processes share no directory but one Redis, so the
first process stores a random key there with SET NX and every process reads that one — unless
``server.ballot_key`` is configured, which always wins (then the key never lies in Redis).
"""

from __future__ import annotations

import base64
import secrets
from typing import TYPE_CHECKING

import redis
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from meeting_server.store.private import private_dir, read_or_create_secret

from .ballots import KEY_BYTES

if TYPE_CHECKING:
    from meeting_server.settings import Settings

KEY_FILE = "ballot.key"
REDIS_KEY = "gongzhi:secret:ballot-key"
LEDGER_KEY_FILE = "ledger.key"
LEDGER_REDIS_KEY = "gongzhi:secret:ledger-key"
MIN_CONFIGURED_CHARS = 32


class BallotKeyError(Exception):
    """The configured or stored ballot key is unusable; the message says which and why."""


def _new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def _decode(stored: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(stored.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as e:
        raise BallotKeyError(f"the ballot key in {where} is not base64") from e
    if len(key) != KEY_BYTES:
        raise BallotKeyError(f"the ballot key in {where} is {len(key)} bytes, not {KEY_BYTES}")
    return key


def from_configured(configured: str) -> bytes:
    """A key from ``server.ballot_key`` (any string of 32+ characters, stretched with HKDF-SHA256)."""
    if len(configured) < MIN_CONFIGURED_CHARS:
        raise BallotKeyError(f"server.ballot_key must be at least {MIN_CONFIGURED_CHARS} characters")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"gongzhi ballot key v1")
    return hkdf.derive(configured.encode("utf-8"))


def ballot_key(settings: Settings) -> bytes:
    """The ballot key of this installation (see the module docstring for where it is found); read once
    at start-up (blocking, like the other keys)."""
    if settings.server.ballot_key:
        return from_configured(settings.server.ballot_key)
    return _stored(settings, KEY_FILE, REDIS_KEY, "ballot")


def _stored(settings: Settings, file_name: str, redis_key: str, what: str) -> bytes:
    """A random key of this installation: one Redis value (SET NX, scale-out) or a 0600 file."""
    if settings.redis.url:
        client = redis.Redis.from_url(settings.redis.url, decode_responses=True)
        try:
            client.set(redis_key, _new_key(), nx=True)  # the first process wins; all read that one
            stored = client.get(redis_key)
        finally:
            client.close()
        if not isinstance(stored, str):
            raise BallotKeyError(f"no {what} key in Redis at {redis_key}")
        return _decode(stored, f"Redis {redis_key}")
    path = private_dir(settings.data_dir) / file_name
    return _decode(read_or_create_secret(path, _new_key()), str(path))


def ledger_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The Ed25519 key that signs the community ledger (``ledger.anchors``): 32 random bytes kept like the
    ballot key — ``<data_dir>/ledger.key`` (0600, created once) or, in scale-out, one Redis value."""
    return Ed25519PrivateKey.from_private_bytes(
        _stored(settings, LEDGER_KEY_FILE, LEDGER_REDIS_KEY, "ledger")
    )
