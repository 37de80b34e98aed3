"""Photos on topics and on execution reports: JPEG or PNG, at most 5 MB (``uploads`` receives, checks
and serves them), kept under ``<data_dir>/topic_photos/<community>/``."""

from __future__ import annotations

from aiohttp import web

from . import uploads

KINDS = {b"\xff\xd8\xff": ("jpg", "image/jpeg"), b"\x89PNG\r\n\x1a\n": ("png", "image/png")}
PHOTOS = uploads.Upload(
    space="topic_photos",
    kinds=KINDS,
    max_bytes=5 * 1024 * 1024,
    too_large="照片太大（最多 5 MB）",
    empty="没有收到照片",
    unsupported="只能上传 JPEG 或 PNG 照片",
    broken="照片不存在或已损坏，请重新上传",
    missing="没有这张照片",
)


async def store(request: web.Request, community_id: str) -> str:
    """Read the request's body as one photo, keep it, and give its id; Refused(413/415/400) if not one."""
    photo_id, _ = await uploads.receive(request, PHOTOS, community_id)
    return photo_id


async def check(request: web.Request, community_id: str, photo_ids: list[str]) -> None:
    """Every id names a photo uploaded to this community whose content still matches it."""
    await uploads.check_all(request, PHOTOS, community_id, photo_ids)


async def serve(request: web.Request, community_id: str, photo_id: str) -> web.StreamResponse:
    return await uploads.serve(request, PHOTOS, community_id, photo_id)
