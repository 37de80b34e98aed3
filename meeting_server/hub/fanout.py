"""A socket.io manager whose room broadcasts don't create one asyncio task per recipient.

python-socketio's AsyncManager encodes a broadcast once but then spawns a task per client and waits for
all of them; with thousands of observers that task churn dominates delivery latency. Putting the encoded
packet straight on each client's (unbounded) engine.io queue is equivalent and much cheaper.
"""

from __future__ import annotations

from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet


class FanoutManager(socketio.AsyncManager):  # type: ignore[misc]
    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None:
            await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to)
            return
        room = to or room
        if namespace not in self.rooms:
            return
        args = list(data) if isinstance(data, tuple) else ([] if data is None else [data])
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        encoded = self.server.packet_class(packet.EVENT, namespace=namespace, data=[event, *args]).encode()
        pkts = [
            eio_packet.Packet(eio_packet.MESSAGE, p)
            for p in (encoded if isinstance(encoded, list) else [encoded])
        ]
        eio = self.server.eio
        for sid, eio_sid in list(self.get_participants(namespace, room)):
            if sid in skip:
                continue
            for p in pkts:
                await eio.send_packet(eio_sid, p)
