"""Uploads (topic and report photos, research attachments): received, checked and served one way.

A file is told apart by its first bytes (never by its name or declared type), bounded in size, and
named by the first 32 hex digits of its SHA-256: the same file uploaded twice is one file, and the id an
event records in the hash-chained stream pins the content (a swapped file no longer matches, ``kind_of``).
Files are kept by the app's ``Blobs`` (a folder; shared through Redis in scale-out). Every upload is
within the app's upload quota (``upload_quota``: per link, per client address, per community and day; in
Redis in scale-out) before it is kept.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import re
from pathlib import Path

from aiohttp import web

from meeting_server.hub.admission import client_address
from meeting_server.hub.http_edge import Refused

from . import keys

_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclasses.dataclass(frozen=True)
class Upload:
    """One kind of upload: where it is kept, what it may be, and what a refusal says."""

    space: str  # the folder under the data directory
    kinds: dict[bytes, tuple[str, str]]  # magic bytes → (extension, content type)
    max_bytes: int
    too_large: str
    empty: str
    unsupported: str
    broken: str  # named in a submission but missing or altered
    missing: str  # 404 when served
    headers: tuple[tuple[str, str], ...] = ()

    def sniff(self, data: bytes) -> tuple[str, str] | None:
        """(extension, content type) of ``data`` by its magic bytes, else None."""
        for magic, kind in self.kinds.items():
            if data.startswith(magic):
                return kind
        return None

    def content_type(self, path: Path) -> str:
        return dict(self.kinds.values())[path.suffix[1:]]


async def receive(request: web.Request, upload: Upload, community_id: str) -> tuple[str, str]:
    """Read the request's body as one file and keep it: (file id, extension); Refused(413/415/400), or
    Refused(429/507) over a quota (checked before the body is read, counted before it is kept)."""
    if request.content_length is not None and request.content_length > upload.max_bytes:
        raise Refused(413, "too_large", upload.too_large)
    quota = request.app[keys.UPLOAD_QUOTA]
    trusted = frozenset(request.app[keys.SETTINGS].limits.trusted_proxies)
    # The callers have already opened the link in ?t= (every upload is made with one).
    link = request.query.get("t", "")
    address = client_address(request.remote, request.headers.get("X-Forwarded-For"), trusted)
    await quota.check(link, address, community_id, request.content_length or 1)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > upload.max_bytes:
            raise Refused(413, "too_large", upload.too_large)
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise Refused(400, "invalid", upload.empty)
    kind = upload.sniff(data)
    if kind is None:
        raise Refused(415, "unsupported_media_type", upload.unsupported)
    await quota.charge(link, address, community_id, len(data))
    file_id = hashlib.sha256(data).hexdigest()[:32]
    await request.app[keys.BLOBS].put(upload.space, community_id, f"{file_id}.{kind[0]}", data)
    return file_id, kind[0]


async def _find(request: web.Request, upload: Upload, community_id: str, file_id: str) -> Path | None:
    if not _ID.match(file_id):
        return None
    names = [f"{file_id}.{ext}" for ext, _ in upload.kinds.values()]
    return await request.app[keys.BLOBS].find(upload.space, community_id, names)


async def kind_of(request: web.Request, upload: Upload, community_id: str, file_id: str) -> str:
    """The extension of a kept file whose content still matches its id; Refused(400) otherwise."""
    path = await _find(request, upload, community_id, file_id)
    if path is None or hashlib.sha256(await asyncio.to_thread(path.read_bytes)).hexdigest()[:32] != file_id:
        raise Refused(400, "invalid", upload.broken)
    return path.suffix[1:]


async def check_all(request: web.Request, upload: Upload, community_id: str, file_ids: list[str]) -> None:
    """Every id names a file kept for this community whose content still matches it."""
    for file_id in file_ids:
        await kind_of(request, upload, community_id, file_id)


async def serve(request: web.Request, upload: Upload, community_id: str, file_id: str) -> web.StreamResponse:
    path = await _find(request, upload, community_id, file_id)
    if path is None:
        raise Refused(404, "not_found", upload.missing)
    headers = {
        "Content-Type": upload.content_type(path),
        "Cache-Control": "private, max-age=86400",
        **dict(upload.headers),
    }
    return web.FileResponse(path, headers=headers)
