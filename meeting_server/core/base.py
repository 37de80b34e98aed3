"""Shared vocabulary of the meeting rules: roles, actors, errors, and the command/event registries.

Commands are frozen dataclasses named in the imperative (``RaiseHand``); events are frozen dataclasses
named in the past tense (``HandRaised``). Both are registered by class name so the wire and the log can
name them; (de)serialisation is generic over dataclass fields and validates types and sizes.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar, Union, get_args, get_origin, get_type_hints


class Role(enum.StrEnum):
    MODERATOR = "moderator"
    TIMER = "timer"
    RECORDER = "recorder"
    PARTICIPANT = "participant"
    OBSERVER = "observer"
    # The server itself (clock ticks, captions): never held by a client.
    SYSTEM = "system"


CLIENT_ROLES: tuple[Role, ...] = (
    Role.MODERATOR,
    Role.TIMER,
    Role.RECORDER,
    Role.PARTICIPANT,
    Role.OBSERVER,
)


@dataclasses.dataclass(frozen=True, slots=True)
class Actor:
    """Who issues a command: a participant id (as recorded in the log) and the role of their link."""

    participant_id: str
    role: Role

    @classmethod
    def system(cls) -> Actor:
        return cls("system", Role.SYSTEM)


class ErrorCode(enum.StrEnum):
    FORBIDDEN = "forbidden"  # the sender's role may not issue this command
    WRONG_STATE = "wrong_state"  # the meeting/item/floor/vote is not in a state that allows it
    NOT_PRESENT = "not_present"  # the person is not (or no longer) in the meeting
    NOT_FOUND = "not_found"  # unknown agenda item, motion, participant …
    DUPLICATE = "duplicate"  # already done (already voted, already in queue …)
    LIMIT = "limit"  # a limit of the rules (max turns per round …)
    INVALID = "invalid"  # payload malformed: wrong type, too long, unknown field
    NO_QUORUM = "no_quorum"


class DomainError(Exception):
    """A command refused by the rules, with a machine code and a human message."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


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


# ---------------------------------------------------------------- (de)serialisation

MAX_STR = 2000  # a caption, a motion text; per-field limits may be stricter (see field metadata "max_len")
MAX_LIST = 500


def to_payload(obj: Any) -> dict[str, Any]:
    """A command or event as a JSON-safe dict of its fields (enums as their values, tuples as lists)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        out[f.name] = _dump(getattr(obj, f.name))
    return out


def _dump(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_payload(value)
    if isinstance(value, tuple | list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _dump(v) for k, v in value.items()}
    return value


def from_payload(cls: type[Any], data: Any, *, where: str = "") -> Any:
    """Build dataclass ``cls`` from ``data``, checking every field's type and size.

    Raises DomainError(INVALID) naming the offending field. Unknown fields are refused.
    """
    where = where or cls.__name__
    if not isinstance(data, Mapping):
        raise DomainError(ErrorCode.INVALID, f"{where}: expected an object")
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(data) - set(fields)
    if unknown:
        raise DomainError(
            ErrorCode.INVALID, f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}"
        )
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        if name in data:
            max_len = f.metadata.get("max_len", MAX_STR)
            kwargs[name] = _load(hints[name], data[name], f"{where}.{name}", max_len)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise DomainError(ErrorCode.INVALID, f"{where}: missing field {name}")
    return cls(**kwargs)


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _load(tp: Any, value: Any, where: str, max_len: int) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        if value is None and type(None) in options:
            return None
        errors = []
        for opt in options:
            if opt is type(None):
                continue
            try:
                return _load(opt, value, where, max_len)
            except DomainError as e:
                errors.append(e.message)
        raise DomainError(ErrorCode.INVALID, errors[0] if errors else f"{where}: bad value")
    if origin is typing.Literal:
        if value not in get_args(tp):
            raise DomainError(ErrorCode.INVALID, f"{where}: must be one of {list(get_args(tp))}")
        return value
    if origin is tuple:
        args = get_args(tp)
        if not isinstance(value, list | tuple):
            raise DomainError(ErrorCode.INVALID, f"{where}: expected a list")
        if len(value) > MAX_LIST:
            raise DomainError(ErrorCode.INVALID, f"{where}: too many items (max {MAX_LIST})")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(args[0], v, f"{where}[{i}]", max_len) for i, v in enumerate(value))
        if len(args) != len(value):
            raise DomainError(ErrorCode.INVALID, f"{where}: expected {len(args)} items")
        return tuple(
            _load(a, v, f"{where}[{i}]", max_len) for i, (a, v) in enumerate(zip(args, value, strict=True))
        )
    if origin is dict:
        kt, vt = get_args(tp)
        if not isinstance(value, Mapping):
            raise DomainError(ErrorCode.INVALID, f"{where}: expected an object")
        if len(value) > MAX_LIST:
            raise DomainError(ErrorCode.INVALID, f"{where}: too many entries (max {MAX_LIST})")
        return {_load(kt, k, where, max_len): _load(vt, v, f"{where}.{k}", max_len) for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            raise DomainError(ErrorCode.INVALID, f"{where}: must be one of {[m.value for m in tp]}") from None
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return from_payload(tp, value, where=where)
    if tp is bool:
        if not isinstance(value, bool):
            raise DomainError(ErrorCode.INVALID, f"{where}: expected true/false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(ErrorCode.INVALID, f"{where}: expected an integer")
        if abs(value) > 10**12:
            raise DomainError(ErrorCode.INVALID, f"{where}: number out of range")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise DomainError(ErrorCode.INVALID, f"{where}: expected a number")
        if abs(value) > 10**12:
            raise DomainError(ErrorCode.INVALID, f"{where}: number out of range")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise DomainError(ErrorCode.INVALID, f"{where}: expected a string")
        if len(value) > max_len:
            raise DomainError(ErrorCode.INVALID, f"{where}: too long (max {max_len} characters)")
        return value
    if tp is Any:
        return value
    raise TypeError(f"unsupported field type {tp!r} at {where}")


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


def max_len(n: int) -> Any:
    """Field metadata limiting a string's length: ``name: str = field(metadata=max_len(80))``."""
    return {"max_len": n}


FieldFactory = Callable[..., Any]
