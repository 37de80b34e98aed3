"""Attachments of 会前调研 reports: PDF, JPEG or PNG, at most 10 MB (``uploads`` receives, checks and
serves them), kept under ``<data_dir>/research_files/<community>/``."""

from __future__ import annotations

from aiohttp import web

from . import uploads
from .topic_photos import KINDS as PHOTO_KINDS

ATTACHMENTS = uploads.Upload(
    space="research_files",
    kinds={b"%PDF-": ("pdf", "application/pdf"), **PHOTO_KINDS},
    max_bytes=10 * 1024 * 1024,
    too_large="附件太大（最多 10 MB）",
    empty="没有收到附件",
    unsupported="附件只能是 PDF、JPEG 或 PNG",
    broken="附件不存在或已损坏，请重新上传",
    missing="没有这个附件",
    headers=(("Content-Disposition", "inline"), ("X-Content-Type-Options", "nosniff")),
)


async def store(request: web.Request, community_id: str) -> tuple[str, str]:
    """Read the body as one attachment, keep it: (file id, kind); Refused(413/415/400) if not one."""
    return await uploads.receive(request, ATTACHMENTS, community_id)


async def kind_of(request: web.Request, community_id: str, file_id: str) -> str:
    """The kind of a stored attachment whose content still matches its id; Refused(400) otherwise."""
    return await uploads.kind_of(request, ATTACHMENTS, community_id, file_id)


async def serve(request: web.Request, community_id: str, file_id: str) -> web.StreamResponse:
    return await uploads.serve(request, ATTACHMENTS, community_id, file_id)
