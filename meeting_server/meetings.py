"""Creating meetings: one code path for the CLI, the HTTP endpoint and the demo."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from meeting_server.core.commands import CreateMeeting
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.payload import from_payload


def new_meeting_id() -> str:
    return secrets.token_hex(4)


def create_command(spec: Any, meeting_id: str, community_id: str | None = None) -> CreateMeeting:
    """Validate a meeting specification ``{title, level, place, scheduled_at, agenda, settings}``.

    ``community_id`` is the community of the staff member creating it (the edge checked their scope).
    """
    if not isinstance(spec, dict):
        raise DomainError(ErrorCode.INVALID, "the meeting must be a JSON object")
    for assigned in ("meeting_id", "community_id"):
        if assigned in spec:
            raise DomainError(ErrorCode.INVALID, f"{assigned} is assigned by the server")
    # The spec is CreateMeeting's fields: a "type" in it is an unknown field, not another command.
    cmd: CreateMeeting = from_payload(
        CreateMeeting, {"meeting_id": meeting_id, **spec, "community_id": community_id}
    )
    return cmd


DEMO_MEETING: dict[str, Any] = {
    "title": "阳光新城第三季度居民议事会",
    "level": "xiaoqu",
    "place": "阳光新城社区活动中心二楼",
    "scheduled_at": "2026-12-01T19:00+08:00",
    "agenda": [
        {"title": "东门增设临时停车位", "planned_minutes": 20},
        {"title": "老旧小区加装电梯方案", "planned_minutes": 30},
        {"title": "商业街夜间噪音治理", "planned_minutes": 15},
    ],
}

IdFactory = Callable[[], str]
