"""Passwords: argon2id hashes, and a brake on guessing them.

argon2-cffi's defaults (RFC 9106's low-memory profile): each hash or check takes tens of milliseconds and
64 MiB, so it runs on a worker thread and the event loop never waits on one — on two threads of its own,
so that a burst of sign-ins queues instead of taking every core and gigabytes of memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from meeting_server.hub.http_edge import Refused
from meeting_server.hub.limits import Buckets

PASSWORD_MIN, PASSWORD_MAX = 8, 128
MAX_FAILURES = 5  # wrong passwords in a row for one login name, then …
RETRY_S = 120.0  # … one more try this often
# One address trying many names (guessing common passwords across accounts): a larger budget, then one try
# every ADDRESS_RETRY_S. A street office behind one NAT address still signs in a dozen staff in a morning.
ADDRESS_FAILURES = 30
ADDRESS_RETRY_S = 20.0


class Passwords:
    """argon2id hashing off the event loop; verifying an unknown user costs as much as a known one."""

    def __init__(self, threads: int = 2) -> None:
        self._hasher = PasswordHasher()
        self._dummy = ""  # made on first use: a server that nobody signs in to never pays for it
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2")

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def hash(self, password: str) -> str:
        hashed: str = await self._run(self._hasher.hash, password)
        return hashed

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            if not self._dummy:  # (two threads may both make one: harmless)
                self._dummy = self._hasher.hash("no such account, same cost")
            try:
                return (
                    self._hasher.verify(password_hash or self._dummy, password) and password_hash is not None
                )
            except (VerificationError, InvalidHashError):
                return False

        ok: bool = await self._run(check)
        return ok

    def close(self) -> None:
        self._executor.shutdown(wait=True)


def check_new_password(password: Any) -> str:
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise Refused(400, "invalid", f"密码应为 {PASSWORD_MIN}–{PASSWORD_MAX} 个字符")
    return password


class SignInThrottle:
    """After ``MAX_FAILURES`` wrong passwords for a login name, one more try every ``RETRY_S``; after
    ``ADDRESS_FAILURES`` from one client address (whatever the names), one every ``ADDRESS_RETRY_S``
    (per process).

    Token buckets of failures (``hub.limits``): each wrong password takes a token from its name's bucket
    and its address's, and a sign-in whose name or address bucket is empty is refused before its password
    is even checked.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._failures = Buckets(1.0 / RETRY_S, MAX_FAILURES, clock)
        self._addresses = Buckets(1.0 / ADDRESS_RETRY_S, ADDRESS_FAILURES, clock)

    def check(self, username: str, address: str) -> None:
        wait = max(self._failures.wait(username), self._addresses.wait(address))
        if wait > 0:
            raise Refused(429, "too_many_attempts", f"密码错误次数过多，请 {int(wait) // 60 + 1} 分钟后再试")

    def failed(self, username: str, address: str) -> None:
        self._failures.take(username)
        self._addresses.take(address)
