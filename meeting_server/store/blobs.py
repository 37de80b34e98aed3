"""Uploaded files (topic photos, report photos, research attachments), kept by name in a space.

A file lives at ``<root>/<space>/<community>/<name>``. Names are content-addressed by the caller (the
SHA-256 of the bytes), so a file is written once and never changes; the hash-chained events name it.

Embedded default: the folder is the store. Scale-out (``redis.url`` set): every file is also written to
Redis (key ``gongzhi:blob:<space>/<community>/<name>``) before the upload is answered, so any process
can check and serve a file that another process received; a process keeps what it read from Redis in
its own folder. Redis's durability is the event log's (``appendonly yes``, ``appendfsync always``).
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import redis.asyncio as aioredis

PREFIX = "gongzhi:blob:"
_PART = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def _checked(*parts: str) -> str:
    for part in parts:
        if not _PART.match(part) or part.startswith("."):
            raise ValueError(f"not a file store name: {part!r}")
    return "/".join(parts)


def _write_once(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class Blobs:
    """Files by (space, community, name), in a folder, shared through Redis when ``redis_url`` is set."""

    def __init__(self, root: Path, redis_url: str = "") -> None:
        self.root = root
        self._redis: aioredis.Redis | None = aioredis.from_url(redis_url) if redis_url else None

    @property
    def shared(self) -> bool:
        return self._redis is not None

    async def put(self, space: str, community: str, name: str, data: bytes) -> None:
        """Keep ``data`` under its name; durable (and, in scale-out, visible to every process) on return."""
        key = _checked(space, community, name)
        if self._redis is not None:
            await self._redis.set(PREFIX + key, data, nx=True)
        await asyncio.to_thread(_write_once, self.root / key, data)

    async def find(self, space: str, community: str, names: list[str]) -> Path | None:
        """A local path of the first of ``names`` that is stored (fetched from Redis if need be), or None."""
        keys = [_checked(space, community, name) for name in names]
        for key in keys:
            if await asyncio.to_thread((self.root / key).is_file):
                return self.root / key
        if self._redis is None:
            return None
        for key in keys:
            data = await self._redis.get(PREFIX + key)
            if isinstance(data, bytes):
                await asyncio.to_thread(_write_once, self.root / key, data)
                return self.root / key
        return None

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
