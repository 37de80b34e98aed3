"""A socket.io manager whose room broadcasts don't create one asyncio task per recipient.

python-socketio's AsyncManager encodes a broadcast once but then spawns a task per client and waits for
all of them; with thousands of observers that task churn dominates delivery latency. Putting the encoded
packet straight on each client's (unbounded) engine.io queue is equivalent and much cheaper.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import socketio
from engineio import exceptions as engineio_exceptions
from engineio import packet as eio_packet
from engineio.async_socket import AsyncSocket
from socketio import packet

from meeting_server.upstream import is_upstream

log = logging.getLogger(__name__)


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
            # python-socketio's own emit sends through one task per client, so one client's failure never
            # reaches the others; this loop must keep that promise itself.
            try:
                for p in pkts:
                    await eio.send_packet(eio_sid, p)
            except Exception:
                log.exception("broadcast of %r to %s failed; the other clients still get it", event, sid)


async def _poll_without_wait_for(self: Any) -> list[Any]:
    """engine.io's ``AsyncSocket.poll`` without ``asyncio.wait_for``.

    On Python 3.11 ``wait_for`` wraps every ``queue.get()`` in a new task plus a timer, once per packet per
    client; for a broadcast to thousands of observers that was most of the server's CPU. ``asyncio.timeout``
    gives the same time-out without the extra task. Behaviour is otherwise that of engineio 4.15.1's (compared
    in tests/hub/test_fanout.py).
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


# What the replacement replaces, kept before anything patches it (the tests compare the two).
UPSTREAM_POLL = AsyncSocket.poll

# sha256 of ``inspect.getsource(AsyncSocket.poll)`` in python-engineio 4.15.1, the version the replacement
# above was written against (see meeting_server/upstream.py).
UPSTREAM_POLL_SHA256 = "826f58a9f3606db208e5d1266f075ad655b6eeda47b0a5616748624899ca5954"


def install_fast_poll(*, python: tuple[int, ...] = sys.version_info[:2]) -> bool:
    """Replace engineio's ``AsyncSocket.poll`` once (idempotent); called by the app factory. Returns whether
    the replacement is in force.

    Python 3.12 reimplemented ``asyncio.wait_for`` on top of ``asyncio.timeout`` (it awaits in the calling
    task, no extra task or timer), so there upstream's poll is already as cheap and is left alone. On 3.11 it
    is replaced only if it is still the upstream source the replacement copies.
    """
    if AsyncSocket.poll is _poll_without_wait_for:
        return True
    if python >= (3, 12):
        return False
    if not is_upstream(AsyncSocket.poll, UPSTREAM_POLL_SHA256, what="engineio AsyncSocket.poll"):
        return False
    AsyncSocket.poll = _poll_without_wait_for
    return True


class RedisFanoutManager(socketio.AsyncRedisManager, FanoutManager):  # type: ignore[misc]
    """Scale-out: broadcasts go through Redis pub/sub to every server process (python-socketio's
    AsyncRedisManager); each process then delivers to its own clients with the fast path above. Delivery
    through Redis is at-most-once: clients recover gaps from the event log by sequence number."""
