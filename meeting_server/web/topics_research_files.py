"""Attachments of 会前调研 reports: PDF, JPEG or PNG, at most 10 MB, told apart by their first bytes,
stored as topic photos are (``topic_photos``: content-addressed by SHA-256, written off the loop) under
``<data_dir>/research_files/<community>/``.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from aiohttp import web

from meeting_server.hub.http_edge import Refused

from . import keys
from .topic_photos import KINDS as PHOTO_KINDS
from .topic_photos import find_file, sniff, write_once

MAX_FILE_BYTES = 10 * 1024 * 1024
KINDS = {b"%PDF-": ("pdf", "application/pdf"), **PHOTO_KINDS}
CONTENT_TYPES = dict(KINDS.values())
_TOO_LARGE = "附件太大（最多 10 MB）"


def _folder(request: web.Request, community_id: str) -> Path:
    return request.app[keys.SETTINGS].data_dir / "research_files" / community_id


async def store(request: web.Request, community_id: str) -> tuple[str, str]:
    """Read the body as one attachment, keep it: (file id, kind); Refused(413/415/400) if not one."""
    if request.content_length is not None and request.content_length > MAX_FILE_BYTES:
        raise Refused(413, "too_large", _TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise Refused(413, "too_large", _TOO_LARGE)
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise Refused(400, "invalid", "没有收到附件")
    kind = sniff(data, KINDS)
    if kind is None:
        raise Refused(415, "unsupported_media_type", "附件只能是 PDF、JPEG 或 PNG")
    file_id = hashlib.sha256(data).hexdigest()[:32]
    await asyncio.to_thread(write_once, _folder(request, community_id), f"{file_id}.{kind[0]}", data)
    return file_id, kind[0]


async def kind_of(request: web.Request, community_id: str, file_id: str) -> str:
    """The kind of a stored attachment whose content still matches its id; Refused(400) otherwise."""
    folder = _folder(request, community_id)

    def check() -> str | None:
        path = find_file(folder, file_id, KINDS)
        if path is None or hashlib.sha256(path.read_bytes()).hexdigest()[:32] != file_id:
            return None
        return path.suffix[1:]

    kind = await asyncio.to_thread(check)
    if kind is None:
        raise Refused(400, "invalid", "附件不存在或已损坏，请重新上传")
    return kind


async def serve(request: web.Request, community_id: str, file_id: str) -> web.StreamResponse:
    path = await asyncio.to_thread(find_file, _folder(request, community_id), file_id, KINDS)
    if path is None:
        raise Refused(404, "not_found", "没有这个附件")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": CONTENT_TYPES[path.suffix[1:]],
            "Content-Disposition": "inline",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=86400",
        },
    )
