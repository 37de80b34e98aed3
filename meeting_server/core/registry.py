"""Commands and events by name: the wire and the log name them by class name.

Commands are frozen dataclasses named in the imperative (``RaiseHand``); events are frozen dataclasses
named in the past tense (``HandRaised``). Each registers itself with its domain's ``@command`` /
``@event``. A domain is a ``Registry``: the meeting's (``MEETING``, whose decorators and look-ups are this
module's ``command``, ``event``, ``parse_command`` and ``load_event``) and the community's
(``meeting_server.community.registry``). Keeping them apart means a meeting's socket never parses a
community command and a meeting's log never loads a roster event; class names stay unique across all
domains so that a type name in any log means one thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from .errors import DomainError, ErrorCode
from .payload import from_payload


class Command:
    """Marker base for commands. Subclasses are frozen dataclasses registered with a domain's @command."""

    name: ClassVar[str]


class Event:
    """Marker base for events. Subclasses are frozen dataclasses registered with a domain's @event."""

    name: ClassVar[str]


C = TypeVar("C", bound=type[Command])
E = TypeVar("E", bound=type[Event])

_ALL_NAMES: dict[str, str] = {}  # class name -> the domain that registered it


class Registry:
    """The commands and events of one domain, by wire name."""

    def __init__(self, domain: str) -> None:
        self.domain = domain
        self.commands: dict[str, type[Command]] = {}
        self.events: dict[str, type[Event]] = {}

    def _claim(self, name: str) -> None:
        if name in _ALL_NAMES:
            raise TypeError(f"{name} registered twice (already in the {_ALL_NAMES[name]} domain)")
        _ALL_NAMES[name] = self.domain

    def command(self, cls: C) -> C:
        self._claim(cls.__name__)
        cls.name = cls.__name__
        self.commands[cls.__name__] = cls
        return cls

    def event(self, cls: E) -> E:
        self._claim(cls.__name__)
        cls.name = cls.__name__
        self.events[cls.__name__] = cls
        return cls

    def parse_command(self, data: Any) -> Command:
        """A wire command ``{"type": "RaiseHand", ...fields}`` as a Command; DomainError(INVALID) if
        malformed or not a command of this domain."""
        if not isinstance(data, Mapping):
            raise DomainError(ErrorCode.INVALID, "a command must be an object with a 'type'")
        kind = data.get("type")
        if not isinstance(kind, str) or kind not in self.commands:
            raise DomainError(ErrorCode.INVALID, f"unknown command type {str(kind)[:40]!r}")
        fields = {k: v for k, v in data.items() if k != "type"}
        cmd: Command = from_payload(self.commands[kind], fields)
        return cmd

    def load_event(self, kind: str, payload: Mapping[str, Any]) -> Event:
        """An event of this domain read back from the log."""
        cls = self.events.get(kind)
        if cls is None:
            raise ValueError(f"unknown {self.domain} event type {kind!r} in the log")
        ev: Event = from_payload(cls, payload)
        return ev


MEETING = Registry("meeting")

# The meeting domain's registry under the names the meeting rules and their callers have always used.
COMMANDS = MEETING.commands
EVENTS = MEETING.events
command = MEETING.command
event = MEETING.event
parse_command = MEETING.parse_command
load_event = MEETING.load_event
