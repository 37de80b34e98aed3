"""Typed keys of the objects the aiohttp application shares (set by the app factory)."""

from __future__ import annotations

from aiohttp import web

from meeting_server.ledger.service import Ledger
from meeting_server.settings import Settings

from .audio import AudioHub
from .camera import HallCamera
from .live_video import LiveVideo
from .runtime import MeetingRegistry
from .sockets import Hub
from .tokens import TokenSigner

SETTINGS = web.AppKey("settings", Settings)
REGISTRY = web.AppKey("registry", MeetingRegistry)
HUB = web.AppKey("hub", Hub)
SIGNER = web.AppKey("signer", TokenSigner)
ADMIN_TOKEN = web.AppKey("admin_token", str)
AUDIO = web.AppKey("audio", AudioHub)
LIVE_VIDEO = web.AppKey("live_video", LiveVideo)
CAMERA = web.AppKey("camera", HallCamera)
LEDGER = web.AppKey("ledger", Ledger)


def base_url(settings: Settings) -> str:
    """The URL join links start with."""
    if settings.server.public_url:
        return settings.server.public_url.rstrip("/")
    scheme = "https" if settings.server.tls_cert else "http"
    return f"{scheme}://{settings.server.host}:{settings.server.port}"
