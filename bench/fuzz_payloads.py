"""Random and mutated socket.io payloads for bench/fuzz.py: every client event, every meeting command.

A payload starts well formed (a command's fields built from its dataclass's type hints, with ids the
meeting may know: ``p``-ids seen in the view, ``m1``, ``t1`` …) and is then, most of the time, mutated:
a field of the wrong type, a huge or odd-unicode string, deep nesting, a missing or an unknown key, the
``type`` changed. A few are raw packets no socket.io client would send (odd headers, malformed JSON,
binary packets and frames). ``Payload.ack``: whether it is sent with an ack id (the server must answer).
``Generator.http`` makes HTTP requests the same way (meeting creation, exports, pages, long-polling).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import random
import types
import typing
from typing import Any, Union, get_args, get_origin, get_type_hints

import meeting_server.core.decide  # noqa: F401  (registers every meeting command)
from meeting_server.core.registry import COMMANDS

ACK_MARK = "@ACK@"
EVENTS = ("hello", "join", "command", "sync", "rtc_offer", "rtc_close")
# Commands the bench keeps for itself: a well-formed CloseMeeting would end the meeting for everyone
# within a few hundred payloads (bench/fuzz.py closes it near the end of each round instead).
KEPT_BACK = frozenset({"CloseMeeting"})

ODD_STRINGS = (
    "",
    " ",
    "\x00",
    "\u202e\u200b",
    "\ufeff",
    "<img src=x onerror=alert(1)>",
    "主持人",
    "张\u200b三\u202e",
    "\ud7ff\U0010ffff",
    "𝕏" * 50,
    "e\u0301" * 30,
    "\n\r\t",
    "null",
    "0",
    "-1",
    "1e309",
    "../../etc/passwd",
    "m1",
    "t1",
    "k1",
    "r1",
    "p1",
    "system",
    "yes",
    "no",
    "abstain",
)
ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1,
    2**53,
    -(2**63),
    10**30,
    0.5,
    -0.0,
    1e308,
    [],
    {},
    [None],
    {"": None},
    {"type": "OpenMeeting"},
)


@dataclasses.dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path: str  # with its query string
    headers: dict[str, str]
    body: bytes | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Payload:
    event: str | None  # None: a raw packet, sent as ``raw``
    data: Any = None
    ack: bool = True
    raw: str | bytes | None = None  # the engine.io message itself; ACK_MARK stands for its ack id
    raw_answered: bool = False  # a raw packet whose ack id the server must answer


class Generator:
    """Payloads from one seeded random source; ``known_ids`` are ids worth aiming at (participants…)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.known_ids: list[str] = ["p1", "m1", "t1", "k1", "r1", "guest-1", "room-1", "system"]
        self.commands = sorted(COMMANDS)

    # ------------------------------------------------------------------ values
    def text(self) -> str:
        r = self.rng.random()
        if r < 0.3:
            return self.rng.choice(ODD_STRINGS)
        if r < 0.4:
            return self.rng.choice(self.known_ids)
        if r < 0.47:
            return self.rng.choice("议题居民张王李") * self.rng.choice((41, 81, 201, 1001, 2001, 20_000))
        n = self.rng.randint(1, 30)
        return "".join(chr(self._codepoint()) for _ in range(n))

    def _codepoint(self) -> int:
        r = self.rng.random()
        if r < 0.5:
            return self.rng.randint(0x4E00, 0x9FFF)
        if r < 0.8:
            return self.rng.randint(0x20, 0x7E)
        while True:  # anything a JSON string may carry (no lone surrogates: they do not encode)
            c = self.rng.randint(0, 0x10FFFF)
            if not 0xD800 <= c <= 0xDFFF:
                return c

    def value(self, hint: Any, depth: int = 0) -> Any:
        """A plausible value of type ``hint`` (sometimes not)."""
        origin = get_origin(hint)
        if origin in (Union, types.UnionType):
            options = [a for a in get_args(hint) if a is not type(None)]
            if type(None) in get_args(hint) and self.rng.random() < 0.3:
                return None
            return self.value(self.rng.choice(options), depth)
        if origin is typing.Literal:
            return self.rng.choice(get_args(hint))
        if origin in (tuple, list):
            args = [a for a in get_args(hint) if a is not Ellipsis] or [str]
            return [self.value(args[0], depth + 1) for _ in range(self.rng.randint(0, 3))]
        if origin is dict:
            return {
                self.text(): self.value(get_args(hint)[1], depth + 1) for _ in range(self.rng.randint(0, 2))
            }
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return self.rng.choice(list(hint)).value
        if dataclasses.is_dataclass(hint) and isinstance(hint, type) and depth < 4:
            return self.fields(hint, depth + 1)
        if hint is bool:
            return self.rng.random() < 0.5
        if hint is int:
            return self.rng.choice((0, 1, 2, 3, 5, 10, 60, 180, self.rng.randint(-5, 10_000)))
        if hint is float:
            return self.rng.choice((0.0, 0.5, 1.0, 30.0, 1e9, self.rng.uniform(-10, 1e4)))
        return self.text()

    def fields(self, cls: type[Any], depth: int = 0) -> dict[str, Any]:
        hints = get_type_hints(cls)
        out: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name.startswith("_"):
                continue
            has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            if has_default and self.rng.random() < 0.5:
                continue
            out[f.name] = self.value(hints[f.name], depth)
        return out

    def nested(self, depth: int) -> Any:
        value: Any = self.rng.choice(ODD_VALUES[:6])
        for _ in range(depth):
            value = [value] if self.rng.random() < 0.5 else {"a": value}
        return value

    # ------------------------------------------------------------------ mutation
    def mutate(self, body: Any) -> Any:
        if not isinstance(body, dict) or self.rng.random() < 0.1:
            return self.rng.choice((*ODD_VALUES, self.text(), self.nested(self.rng.randint(20, 60))))
        body = dict(body)
        for _ in range(self.rng.randint(1, 3)):
            r = self.rng.random()
            keys = [k for k in body if k != "type"]
            if r < 0.25 and keys:  # a field of the wrong type
                body[self.rng.choice(keys)] = self.rng.choice((*ODD_VALUES, self.text()))
            elif r < 0.4 and keys:  # a missing key
                del body[self.rng.choice(keys)]
            elif r < 0.55:  # an unknown key
                body[self.text()[:50] or "x"] = self.rng.choice(ODD_VALUES)
            elif r < 0.65 and keys:  # deep nesting
                body[self.rng.choice(keys)] = self.nested(self.rng.randint(5, 40))
            elif r < 0.75:  # another type, or none
                if self.rng.random() < 0.5:
                    body["type"] = self.rng.choice((*self.commands, self.text(), None, 5))
                else:
                    body.pop("type", None)
            elif r < 0.85 and keys:  # a huge string
                body[self.rng.choice(keys)] = "字" * self.rng.choice((1000, 5000, 17_000, 100_000))
            elif keys:  # an odd string
                body[self.rng.choice(keys)] = self.rng.choice(ODD_STRINGS)
        return body

    # ------------------------------------------------------------------ payloads
    def command(self) -> dict[str, Any]:
        kind = self.rng.choice(self.commands)
        body = {"type": kind, **self.fields(COMMANDS[kind])}
        if kind in KEPT_BACK:
            body["type"] = self.rng.choice(("CloseMeeting", "closemeeting", "CloseMeeting "))
            body["unexpected"] = True  # refused as malformed, never run
        return body

    def event_body(self, event: str) -> Any:
        if event == "command":
            return self.command()
        if event == "join":
            return {"name": self.text()}
        if event in ("hello", "sync"):
            return {"since": self.rng.choice((0, 1, 5, None, -1, 10**12, "0"))}
        if event == "rtc_offer":
            return {
                "type": "offer",
                "sdp": "v=0\r\n" + self.text(),
                "source": self.rng.choice(("phone", "hall")),
            }
        return {}

    def raw(self) -> Payload:
        """A packet no socket.io client library would send."""
        n = ACK_MARK
        choices: list[Payload] = [
            Payload(None, raw=f"42{n}" + "[" * 5000 + "]" * 5000, raw_answered=True),
            Payload(None, raw=f'42{n}["command", {{"type": ', raw_answered=True),
            Payload(None, raw=f"42{n}" + json.dumps(self.text()), raw_answered=True),
            Payload(None, raw=f'451-{n}["command",{{"_placeholder":true,"num":0}}]', raw_answered=True),
            Payload(None, raw=f'42{n}["disconnect"]', raw_answered=True),
            Payload(None, raw=f'42{n}["connect",{{"REMOTE_ADDR":"203.0.113.1"}},{{}}]', raw_answered=True),
            Payload(None, raw='42²["hello",{}]'),
            Payload(None, raw='42٣["hello",{}]'),
            Payload(None, raw="42" + "7" * 120 + '["hello",{}]'),
            Payload(None, raw="49[]"),
            Payload(None, raw='44{"message":"x"}'),
            Payload(None, raw=bytes(self.rng.randbytes(self.rng.randint(1, 64)))),
            Payload(None, raw="4"),
        ]
        return self.rng.choice(choices)

    def token(self, tokens: list[str]) -> str:
        """A link token of the meeting, one mangled, or anything."""
        r = self.rng.random()
        if r < 0.5:
            return self.rng.choice(tokens)
        if r < 0.8:
            t = list(self.rng.choice(tokens))
            t[self.rng.randrange(len(t))] = self.rng.choice("A.-_0é%")
            return "".join(t)
        return self.text()[:300]

    def http(self, meeting_id: str, tokens: list[str], admin: str, spec: dict[str, Any]) -> HttpRequest:
        """One HTTP request at the server's routes, its fields mutated like the socket payloads."""
        from urllib.parse import quote

        q = "?t=" + quote(self.token(tokens), safe="")
        mid = meeting_id if self.rng.random() < 0.8 else quote(self.text()[:80] or "x", safe="")
        fmt = self.rng.choice(("md", "html", "docx", "pdf", "json", "srt", "vtt", "txt", "exe"))
        junk = "".join(ch for ch in self.text()[:60] if " " <= ch <= "~")  # what a header can carry
        auth = {"Authorization": "Bearer " + (admin if self.rng.random() < 0.8 else junk)}
        r = self.rng.random()
        if r < 0.35:
            body = spec if self.rng.random() < 0.1 else self.mutate(spec)
            raw = (
                json.dumps(body, ensure_ascii=False).encode()
                if self.rng.random() < 0.9
                else self.rng.randbytes(40)
            )
            return HttpRequest("POST", "/api/meetings", {**auth, "Content-Type": "application/json"}, raw)
        if r < 0.55:
            return HttpRequest("GET", f"/api/meetings/{mid}/minutes.{fmt}{q}", {})
        if r < 0.62:
            return HttpRequest("GET", f"/api/meetings/{mid}/transcript.{fmt}{q}", {})
        if r < 0.68:
            role = self.rng.choice(("moderator", "observer", "participant", "hall", "x"))
            return HttpRequest("GET", f"/api/meetings/{mid}/qr/{role}.png{q}", {})
        if r < 0.76:
            page = self.rng.choice(
                ("moderator", "participant", "observer", "recorder", "timer", "hall", "minutes")
            )
            return HttpRequest("GET", f"/m/{mid}/{page}{q}", {})
        if r < 0.82:
            return HttpRequest(
                "GET", f"/api/meetings/{mid}/door{q}&q=" + quote(self.text()[:40], safe=""), {}
            )
        if r < 0.92:  # engine.io long-polling with a made-up session, or a bad handshake
            sid = quote(self.text()[:30], safe="")
            eio = self.rng.choice(("4", "3", "x", ""))
            body = self.rng.choice((b"", b"40", b'42["hello"]', self.rng.randbytes(30)))
            return HttpRequest("POST", f"/socket.io/?EIO={eio}&transport=polling&sid={sid}", {}, body)
        path = self.rng.choice(("/api/street/session", "/api/street/bootstrap", "/api/street/communities"))
        raw = json.dumps(self.mutate({"username": self.text(), "password": self.text()}), ensure_ascii=False)
        return HttpRequest("POST", path, {"Content-Type": "application/json"}, raw.encode())

    def next(self) -> Payload:
        r = self.rng.random()
        if r < 0.02:
            return self.raw()
        ack = self.rng.random() < 0.9
        if r < 0.04:
            event = self.rng.choice(("", "Command", "message", "\x00invalid", self.text()[:200] or "x"))
            return Payload(event, self.rng.choice((None, {}, self.text())), ack)
        event = "command" if r < 0.7 else self.rng.choice(EVENTS)
        body = self.event_body(event)
        if self.rng.random() < 0.75:
            body = self.mutate(body)
        return Payload(event, body, ack)
