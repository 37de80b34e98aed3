"""Commands and events as JSON and back: generic over dataclass fields, validating every type and size.

What arrives on the wire comes from any browser, so ``from_payload`` refuses what the field types do not
allow (unknown fields, wrong types, strings over their ``max_len``, over-long lists) with
DomainError(INVALID) naming the field, before any rule sees it. The log is read back the same way.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin, get_type_hints

from .errors import DomainError, ErrorCode

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


def max_len(n: int) -> Any:
    """Field metadata limiting a string's length: ``name: str = field(metadata=max_len(80))``."""
    return {"max_len": n}
