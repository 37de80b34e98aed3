"""The community domain's commands and events by wire name (apart from the meeting's, see core.registry)."""

from __future__ import annotations

from meeting_server.core.registry import Registry

COMMUNITY = Registry("community")

command = COMMUNITY.command
event = COMMUNITY.event
load_event = COMMUNITY.load_event
