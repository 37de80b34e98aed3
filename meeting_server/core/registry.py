"""Commands and events by name: the wire and the log name them by class name.

Commands are frozen dataclasses named in the imperative (``RaiseHand``); events are frozen dataclasses
named in the past tense (``HandRaised``). Each registers itself with ``@command`` / ``@event``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from .errors import DomainError, ErrorCode
from .payload import from_payload


class Command:
    """Marker base for commands. Subclasses are frozen dataclasses registered with @command."""

    name: ClassVar[str]


class Event:
    """Marker base for events. Subclasses are frozen dataclasses registered with @event."""

    name: ClassVar[str]


COMMANDS: dict[str, type[Command]] = {}
EVENTS: dict[str, type[Event]] = {}

C = TypeVar("C", bound=type[Command])
E = TypeVar("E", bound=type[Event])


def command(cls: C) -> C:
    if cls.__name__ in COMMANDS:
        raise TypeError(f"command {cls.__name__} registered twice")
    cls.name = cls.__name__
    COMMANDS[cls.__name__] = cls
    return cls


def event(cls: E) -> E:
    if cls.__name__ in EVENTS:
        raise TypeError(f"event {cls.__name__} registered twice")
    cls.name = cls.__name__
    EVENTS[cls.__name__] = cls
    return cls


def parse_command(data: Any) -> Command:
    """A wire command ``{"type": "RaiseHand", ...fields}`` as a Command; DomainError(INVALID) if malformed."""
    if not isinstance(data, Mapping):
        raise DomainError(ErrorCode.INVALID, "a command must be an object with a 'type'")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in COMMANDS:
        raise DomainError(ErrorCode.INVALID, f"unknown command type {str(kind)[:40]!r}")
    fields = {k: v for k, v in data.items() if k != "type"}
    cmd: Command = from_payload(COMMANDS[kind], fields)
    return cmd


def load_event(kind: str, payload: Mapping[str, Any]) -> Event:
    """An event read back from the log."""
    cls = EVENTS.get(kind)
    if cls is None:
        raise ValueError(f"unknown event type {kind!r} in the log")
    ev: Event = from_payload(cls, payload)
    return ev
