"""Checks shared by the street and roster rules; each raises DomainError with the reason it names."""

from __future__ import annotations

import re
from typing import Any

from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.guards import check_sizes, fail

from .permissions import PERMISSIONS
from .roles import StaffActor

_ID = re.compile(r"^[a-z0-9]{4,32}$")


def check_permission(actor: StaffActor, command: Any) -> None:
    """The permission table, then string sizes, as the meeting rules check theirs."""
    allowed = PERMISSIONS.get(type(command))
    if allowed is None:
        raise DomainError(ErrorCode.INVALID, f"unknown command {type(command).__name__}")
    if actor.role not in allowed:
        raise DomainError(ErrorCode.FORBIDDEN, "您的账号无权进行此操作")
    check_sizes(command)


def check_id(value: str, what: str) -> str:
    if not _ID.match(value):
        fail(ErrorCode.INVALID, f"{what}格式不正确")
    return value
