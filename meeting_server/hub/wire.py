"""The edge between the wire and the rules: acks, error payloads and size checks.

Every command gets ``{ok: true, seq}`` or ``{ok: false, error: {code, message}}``; domain errors and
malformed input are mapped here, once.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from meeting_server.core.errors import DomainError


class WireError(Exception):
    """A refusal that is not a rule of the meeting (size, protocol, authentication)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def ok(**fields: Any) -> dict[str, Any]:
    return {"ok": True, **fields}


def refuse(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


def from_exception(exc: DomainError | WireError) -> dict[str, Any]:
    return refuse(str(exc.code), exc.message)


def check_size(data: Any, limit: int) -> None:
    """Refuse payloads whose JSON form exceeds ``limit`` bytes."""
    try:
        size = len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError):
        raise WireError("invalid", "payload is not JSON") from None
    if size > limit:
        raise WireError("too_large", f"payload of {size} bytes exceeds the limit of {limit}")


def as_object(data: Any, what: str, fields: Collection[str] | None = None) -> dict[str, Any]:
    """``data`` as an object (None: empty); with ``fields``, any other key is refused ``invalid``."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise WireError("invalid", f"{what}: expected an object")
    unknown = set(data) - set(fields) if fields is not None else set()
    if unknown:
        raise WireError("invalid", f"{what}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    return data
