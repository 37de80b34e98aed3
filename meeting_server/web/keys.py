"""Typed keys of what the staff edge shares (with the hub's settings, signer and admin token)."""

from __future__ import annotations

from aiohttp import web

from meeting_server.communities import Communities
from meeting_server.hub.keys import ADMIN_TOKEN, REGISTRY, SETTINGS, SIGNER
from meeting_server.stats import StatsService
from meeting_server.store.blobs import Blobs
from meeting_server.store.eventlog import EventLog

from .passwords import Passwords, SignInThrottle
from .upload_quota import Quota

BLOBS = web.AppKey("blobs", Blobs)
COMMUNITIES = web.AppKey("communities", Communities)
EVENT_LOG = web.AppKey("event_log", EventLog)
PASSWORDS = web.AppKey("passwords", Passwords)
STATS = web.AppKey("stats", StatsService)
THROTTLE = web.AppKey("sign_in_throttle", SignInThrottle)
UPLOAD_QUOTA = web.AppKey("upload_quota", Quota)

__all__ = [
    "ADMIN_TOKEN",
    "BLOBS",
    "COMMUNITIES",
    "EVENT_LOG",
    "PASSWORDS",
    "REGISTRY",
    "SETTINGS",
    "SIGNER",
    "STATS",
    "THROTTLE",
    "UPLOAD_QUOTA",
]
