"""Fences for the few places where the server replaces a third-party function.

A replacement is written against one upstream version of the function it replaces. Version bounds in
``pyproject.toml`` keep the usual install on that version, but an install outside the lock (or a distributor's
patched package) could still bring a different one; replacing it then would silently drop whatever upstream
changed. So each replacement first compares a hash of the upstream function's source with the hash recorded
when the replacement was written, and leaves upstream alone (with a warning) when they differ.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["is_upstream", "source_digest"]


def source_digest(func: Callable[..., Any]) -> str | None:
    """SHA-256 of ``func``'s source text, or None when its source cannot be read (e.g. a compiled build)."""
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return None
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def is_upstream(func: Callable[..., Any], expected_digest: str, *, what: str) -> bool:
    """Whether ``func`` is exactly the upstream function a replacement was written against.

    When it is not, a warning names ``what`` (e.g. ``"engineio AsyncSocket.poll"``) and both digests, so
    that whoever upgrades the dependency knows which replacement to re-read.
    """
    digest = source_digest(func)
    if digest == expected_digest:
        return True
    log.warning(
        "not replacing %s: its source is not the version this replacement was written against "
        "(sha256 %s, expected %s); upstream behaviour is kept",
        what,
        digest or "unavailable",
        expected_digest,
    )
    return False
