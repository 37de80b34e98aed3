"""Checks shared by the street and roster rules; each raises DomainError with the reason it names."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.guards import check_sizes, fail

from .permissions import PERMISSIONS
from .roles import StaffActor

Form = Literal["NFC", "NFKC"]
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


def clean_line(value: str, what: str, limit: int, form: Form = "NFKC") -> str:
    """One line of text as the rules keep it: normalised (NFKC for names; NFC for prose, which keeps its
    Chinese full-width punctuation), runs of white space as one space, not empty, at most ``limit``
    characters, no control or invisible characters."""
    text = " ".join(unicodedata.normalize(form, value).split())
    if not text:
        fail(ErrorCode.INVALID, f"{what}不能为空")
    if len(text) > limit:
        fail(ErrorCode.INVALID, f"{what}太长（最多{limit}个字）")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        fail(ErrorCode.INVALID, f"{what}含有不可见字符或控制字符")
    return text
