"""Photos on topics: JPEG or PNG, at most 5 MB, told apart by their first bytes (never by the name or
the declared type), stored under ``<data_dir>/topic_photos/<community>/``.

A photo's id is the first 32 hex digits of its SHA-256: the same picture uploaded twice is one file, and
the id that ``TopicSubmitted`` records in the hash-chained stream pins the picture's content (a swapped
file no longer matches its id, ``check``). Files are written off the event loop. With several processes
(scale-out) each keeps its own folder: a photo is served by the process it was uploaded to (a shared
folder, e.g. NFS, as ``store.data_dir`` fixes that).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from pathlib import Path

from aiohttp import web

from meeting_server.hub.http_edge import Refused

from . import keys

MAX_PHOTO_BYTES = 5 * 1024 * 1024
KINDS = {b"\xff\xd8\xff": ("jpg", "image/jpeg"), b"\x89PNG\r\n\x1a\n": ("png", "image/png")}
_ID = re.compile(r"^[0-9a-f]{32}$")


def sniff(data: bytes, kinds: dict[bytes, tuple[str, str]] = KINDS) -> tuple[str, str] | None:
    """(extension, content type) of a file by its magic bytes among ``kinds`` (JPEG or PNG), else None."""
    for magic, kind in kinds.items():
        if data.startswith(magic):
            return kind
    return None


def _folder(request: web.Request, community_id: str) -> Path:
    return request.app[keys.SETTINGS].data_dir / "topic_photos" / community_id


def find_file(folder: Path, file_id: str, kinds: dict[bytes, tuple[str, str]] = KINDS) -> Path | None:
    """The stored file ``file_id`` (content-addressed, one of ``kinds``) in ``folder``, or None."""
    if not _ID.match(file_id):
        return None
    for ext, _ in kinds.values():
        path = folder / f"{file_id}.{ext}"
        if path.is_file():
            return path
    return None


def write_once(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if path.exists():
        return
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, path)


async def store(request: web.Request, community_id: str) -> str:
    """Read the request's body as one photo, keep it, and give its id; Refused(413/415/400) if not one."""
    if request.content_length is not None and request.content_length > MAX_PHOTO_BYTES:
        raise Refused(413, "too_large", "照片太大（最多 5 MB）")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_PHOTO_BYTES:
            raise Refused(413, "too_large", "照片太大（最多 5 MB）")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise Refused(400, "invalid", "没有收到照片")
    kind = sniff(data)
    if kind is None:
        raise Refused(415, "unsupported_media_type", "只能上传 JPEG 或 PNG 照片")
    photo_id = hashlib.sha256(data).hexdigest()[:32]
    await asyncio.to_thread(write_once, _folder(request, community_id), f"{photo_id}.{kind[0]}", data)
    return photo_id


async def check(request: web.Request, community_id: str, photo_ids: list[str]) -> None:
    """Every id names a photo uploaded to this community whose content still matches it."""
    folder = _folder(request, community_id)

    def ok(photo_id: str) -> bool:
        path = find_file(folder, photo_id)
        return path is not None and hashlib.sha256(path.read_bytes()).hexdigest()[:32] == photo_id

    for photo_id in photo_ids:
        if not await asyncio.to_thread(ok, photo_id):
            raise Refused(400, "invalid", "照片不存在或已损坏，请重新上传")


async def serve(request: web.Request, community_id: str, photo_id: str) -> web.StreamResponse:
    path = await asyncio.to_thread(find_file, _folder(request, community_id), photo_id)
    if path is None:
        raise Refused(404, "not_found", "没有这张照片")
    content_type = "image/png" if path.suffix == ".png" else "image/jpeg"
    return web.FileResponse(
        path, headers={"Content-Type": content_type, "Cache-Control": "private, max-age=86400"}
    )
