"""socket.io packets decoded defensively: a depth limit on JSON, and a refusal instead of silence.

python-socketio parses a packet's type, namespace and ack id first and its JSON last
(``socketio.packet.Packet.decode``); when the JSON fails — malformed, or nested so deep that the decoder hits
Python's recursion limit — the exception ends in engine.io's handler log and the client never hears back.
:class:`GuardedPacket` (given to ``socketio.AsyncServer(serializer=...)``, so nothing global is patched)
decodes with a depth limit and turns an event it cannot use into the event :data:`INVALID_EVENT`, whose
handler answers the ack id the client sent with an ``invalid`` refusal. A ``connect`` whose auth cannot be
decoded reaches the connect handler as an :class:`InvalidPayload`.

The header is read strictly first (:func:`read_header`): python-socketio reads an ack id with
``str.isdigit``, which takes 「²」 (then ``int`` fails in the handler log) and 「٣」 (taken as 3); an id
of 100 digits or more, an unknown packet type and a stray binary frame also end as tracebacks there.
Events named like the connection's own handlers (:data:`RESERVED_EVENTS`) are refused. An ack id
that is not ASCII digits cannot be answered: the packet becomes an :data:`INVALID_EVENT` without one
(the handler logs why and drops it). This server has no binary events: a binary event is refused on
its ack id (its attachments, arriving next as frames of their own, are dropped the same way).
"""

from __future__ import annotations

import json
from typing import Any

from engineio import json as engineio_json
from socketio import packet as sio_packet

MAX_DEPTH = 32
MAX_ACK_DIGITS = 99  # python-socketio refuses 100 or more with a ValueError
_ASCII_DIGITS = frozenset("0123456789")

# A name no client of ours sends; a client that sends it on purpose gets the same refusal.
INVALID_EVENT = "\x00invalid"

# python-socketio dispatches a client's *event* named "connect" or "disconnect" to the handlers of the
# connection itself (its reserved-name check only guards the catch-all): a socket could release its
# admission ticket ("disconnect") or connect again with an ``environ`` of its own choosing, another
# address included ("connect"). "*" would reach the catch-all handler without an event name.
RESERVED_EVENTS = frozenset({"connect", "disconnect", "connect_error", "*"})


class UndecodablePayload(ValueError):
    """The JSON of a packet is malformed or nested deeper than :data:`MAX_DEPTH`."""


class InvalidPayload:
    """Stands in for data that could not be decoded; carries why."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __repr__(self) -> str:
        return f"InvalidPayload({self.message!r})"


def _too_deep(value: Any, limit: int) -> bool:
    # Iterative, so no payload can exhaust the stack here either; stops at the first container too deep.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class DepthLimitedJson:
    """A json-module stand-in: ``loads`` refuses nesting deeper than ``max_depth``; ``dumps`` is json's."""

    def __init__(self, max_depth: int = MAX_DEPTH) -> None:
        self.max_depth = max_depth

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        return json.dumps(obj, **kwargs)

    def loads(self, text: str | bytes, **kwargs: Any) -> Any:
        try:
            value = engineio_json.loads(text, **kwargs)  # engine.io's: also refuses absurdly long integers
        except RecursionError:
            raise UndecodablePayload(f"payload nested deeper than {self.max_depth} levels") from None
        except ValueError as e:
            raise UndecodablePayload(f"payload is not valid JSON: {e}") from None
        if _too_deep(value, self.max_depth):
            raise UndecodablePayload(f"payload nested deeper than {self.max_depth} levels")
        return value


class Header:
    """Type, ack id and where the JSON begins, of one text packet, as :func:`read_header` found them."""

    def __init__(self, packet_type: int, ack_id: int | None, problem: str | None) -> None:
        self.packet_type = packet_type
        self.ack_id = ack_id
        self.problem = problem  # why the packet cannot be used, or None


def read_header(text: str) -> Header:
    """Read ``<type>[<attachments>-][/<namespace>,][<ack id>]`` the way python-socketio does, but with
    ASCII digits only; ``problem`` names the first thing wrong."""
    if not text or text[0] not in "0123456":
        return Header(-1, None, f"unknown packet type {text[:1]!r}")
    packet_type = int(text[0])
    rest = text[1:]
    dash = rest.find("-")
    if dash > 0 and rest[:dash].isdigit():  # python-socketio's test; only binary packets have this part
        if packet_type not in (sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK):
            return Header(packet_type, None, "an attachment count on a packet that is not binary")
        rest = rest[dash + 1 :]
    if rest[:1] == "/":
        comma = rest.find(",")
        rest = "" if comma == -1 else rest[comma + 1 :]
    n = 0
    while n < len(rest) and rest[n].isdigit():
        n += 1
    digits = rest[:n]
    if not set(digits) <= _ASCII_DIGITS:
        return Header(packet_type, None, "an ack id must be ASCII digits")
    if n > MAX_ACK_DIGITS:
        return Header(packet_type, None, f"an ack id of more than {MAX_ACK_DIGITS} digits")
    return Header(packet_type, int(digits) if digits else None, None)


class GuardedPacket(sio_packet.Packet):  # type: ignore[misc]
    """python-socketio's packet with the depth-limited decoder and events that always have a name."""

    json = DepthLimitedJson()
    packet_type: int
    data: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        encoded = kwargs.get("encoded_packet")
        if encoded is not None and not encoded:  # python-socketio skips decoding "", then indexes None
            self.attachment_count = self.decode(encoded)

    def _unusable(self, ack_id: int | None, reason: str) -> int:
        """This packet as the event :data:`INVALID_EVENT` (answered on ``ack_id``, or only logged)."""
        self.packet_type = sio_packet.EVENT
        self.namespace = None
        self.id = ack_id
        self.data = [INVALID_EVENT, reason]
        return 0

    def decode(self, encoded_packet: Any) -> int:
        if not isinstance(encoded_packet, str):  # a binary frame nobody asked for
            return self._unusable(None, "binary frames are not accepted")
        header = read_header(encoded_packet)
        if header.problem is not None:
            return self._unusable(None, header.problem)
        if header.packet_type == sio_packet.CONNECT_ERROR:  # only a server sends these
            return self._unusable(None, "a client does not send connect errors")
        if header.packet_type in (sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK):
            return self._unusable(
                header.ack_id if header.packet_type == sio_packet.BINARY_EVENT else None,
                "binary messages are not accepted",
            )
        try:
            attachments: int = super().decode(encoded_packet) or 0
        except UndecodablePayload as e:
            # Type, namespace and ack id were read before the JSON failed: answer through them.
            if self.packet_type in (sio_packet.EVENT, sio_packet.BINARY_EVENT):
                self.packet_type = sio_packet.EVENT
                self.data = [INVALID_EVENT, str(e)]
                return 0
            if self.packet_type == sio_packet.CONNECT:
                self.data = InvalidPayload(str(e))
                return 0
            raise
        if self.packet_type in (sio_packet.EVENT, sio_packet.BINARY_EVENT) and not (
            isinstance(self.data, list) and self.data and isinstance(self.data[0], str)
        ):
            # python-socketio would index data[0] and fail in its handler log.
            self.data = [INVALID_EVENT, "an event is a JSON array whose first item is its name"]
        elif self.packet_type == sio_packet.EVENT and self.data[0] in RESERVED_EVENTS:
            self.data = [INVALID_EVENT, f"{self.data[0][:20]!r} is not an event a client sends"]
        return attachments
