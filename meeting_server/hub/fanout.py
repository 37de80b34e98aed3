"""A socket.io manager whose room broadcasts don't create one asyncio task per recipient.

python-socketio's AsyncManager encodes a broadcast once but then spawns a task per client and waits for
all of them; with thousands of observers that task churn dominates delivery latency. Putting the encoded
packet straight on each client's (unbounded) engine.io queue is equivalent and much cheaper.
"""

from __future__ import annotations

import asyncio
from typing import Any

import socketio
from engineio import exceptions as engineio_exceptions
from engineio import packet as eio_packet
from engineio.async_socket import AsyncSocket
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


async def _poll_without_wait_for(self: Any) -> list[Any]:
    """engine.io's ``AsyncSocket.poll`` without ``asyncio.wait_for``.

    On Python 3.11 ``wait_for`` wraps every ``queue.get()`` in a new task plus a timer, once per packet per
    client; for a broadcast to thousands of observers that was most of the server's CPU. ``asyncio.timeout``
    gives the same time-out without the extra task. Behaviour is otherwise identical to engineio 4.x.
    """
    try:
        async with asyncio.timeout(self.server.ping_interval + self.server.ping_timeout):
            first = await self.queue.get()
        self.queue.task_done()
    except (TimeoutError, asyncio.CancelledError):
        raise engineio_exceptions.QueueEmpty() from None
    if first is None:
        return []
    packets = [first]
    while True:
        try:
            pkt = self.queue.get_nowait()
        except asyncio.QueueEmpty:
            break
        self.queue.task_done()
        if pkt is None:
            self.queue.put_nowait(None)
            break
        packets.append(pkt)
    return packets


def install_fast_poll() -> None:
    """Patch engineio's socket class once (idempotent); called by the app factory."""
    if getattr(AsyncSocket.poll, "__name__", "") != _poll_without_wait_for.__name__:
        AsyncSocket.poll = _poll_without_wait_for


class RedisFanoutManager(socketio.AsyncRedisManager, FanoutManager):  # type: ignore[misc]
    """Scale-out: broadcasts go through Redis pub/sub to every server process (python-socketio's
    AsyncRedisManager); each process then delivers to its own clients with the fast path above. Delivery
    through Redis is at-most-once: clients recover gaps from the event log by sequence number."""
