"""socket.io packets decoded defensively: a depth limit on JSON, and a refusal instead of silence.

python-socketio parses a packet's type, namespace and ack id first and its JSON last
(``socketio.packet.Packet.decode``); when the JSON fails — malformed, or nested so deep that the decoder hits
Python's recursion limit — the exception ends in engine.io's handler log and the client never hears back.
:class:`GuardedPacket` (given to ``socketio.AsyncServer(serializer=...)``, so nothing global is patched)
decodes with a depth limit and turns an event it cannot use into the event :data:`INVALID_EVENT`, whose
handler answers the ack id the client sent with an ``invalid`` refusal. A ``connect`` whose auth cannot be
decoded reaches the connect handler as an :class:`InvalidPayload`.
"""

from __future__ import annotations

import json
from typing import Any

from engineio import json as engineio_json
from socketio import packet as sio_packet

MAX_DEPTH = 32

# A name no client of ours sends; a client that sends it on purpose gets the same refusal.
INVALID_EVENT = "\x00invalid"


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


class GuardedPacket(sio_packet.Packet):  # type: ignore[misc]
    """python-socketio's packet with the depth-limited decoder and events that always have a name."""

    json = DepthLimitedJson()
    packet_type: int
    data: Any

    def decode(self, encoded_packet: Any) -> int:
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
            if self.packet_type == sio_packet.BINARY_EVENT:
                self.packet_type = sio_packet.EVENT
                return 0
        return attachments
