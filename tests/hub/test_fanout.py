"""Room broadcasts (FanoutManager) over both engine.io transports, one failing client, and the poll fence."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

import engineio
import pytest
from engineio import exceptions as engineio_exceptions
from engineio import packet as eio_packet
from engineio.async_socket import AsyncSocket

from meeting_server.hub import fanout
from meeting_server.hub.fanout import FanoutManager, install_fast_poll
from meeting_server.hub.keys import HUB
from tests.support.hub import Peer, Server, running_server


async def _close_polling(server: Server, peer: Peer) -> None:
    """Close a long-polling client's engine.io session from the server side. The client's own disconnect
    waits for its pending long poll, which the server would hold for ping_interval + ping_timeout (45 s);
    the server's close answers that poll at once."""
    if peer.sio.connected:
        await server.app[HUB].sio.eio.disconnect(peer.sio.eio.sid)
        await peer.wait_for(lambda: not peer.sio.connected)
    await peer.close()


async def test_broadcast_reaches_long_polling_and_websocket_clients(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        links = created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        polling = Peer(server.url, links["observer"]["token"])
        websocket = Peer(server.url, links["observer"]["token"])
        try:
            await mod.connect()
            await polling.connect(transport="polling")
            await websocket.connect(transport="websocket")
            assert (polling.sio.transport(), websocket.sio.transport()) == ("polling", "websocket")
            assert isinstance(server.app[HUB].sio.manager, FanoutManager)
            # On 3.11 both transports read through the replacement poll, so this covers it too.
            assert (AsyncSocket.poll is fanout.UPSTREAM_POLL) == (sys.version_info >= (3, 12))
            before = polling.last_seq
            assert websocket.last_seq == before
            assert (await mod.join("主持人张"))["ok"]
            await mod.ok("OpenMeeting")
            # Several broadcasts in a row: a long poll may carry more than one of them.
            seqs = [await mod.ok("StartAgendaItem", index=0), await mod.ok("StartAgendaItem", index=1)]
            for peer in (polling, websocket):
                await peer.wait_seq(seqs[-1])
                types = [e["type"] for e in peer.events]
                assert "MeetingOpened" in types and types.count("AgendaItemStarted") == 2, types
                assert [e["seq"] for e in peer.events] == list(range(before + 1, seqs[-1] + 1))
            assert polling.view == websocket.view
        finally:
            await _close_polling(server, polling)
            for peer in (mod, websocket):
                await peer.close()


async def test_one_failing_client_does_not_stop_delivery_to_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The failure is injected: with engine.io 4.15 a socket's ``send`` only puts the packet on an unbounded
    queue, and a closed socket is dropped before ``send`` is reached, so no real transport fault reaches the
    broadcast loop. The first client in the room gets a server-side socket whose ``send`` raises what
    engine.io raises for a closed socket; the clients after it must still hear every broadcast."""
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        links = created["links"]
        broken = Peer(server.url, links["observer"]["token"])
        mod = Peer(server.url, links["moderator"]["token"])
        polling = Peer(server.url, links["observer"]["token"])
        websocket = Peer(server.url, links["observer"]["token"])
        attempts: list[Any] = []

        async def send(pkt: Any) -> None:
            attempts.append(pkt)
            raise engineio_exceptions.SocketIsClosedError()

        try:
            await broken.connect()  # first to enter the meeting's room: first in every broadcast
            await mod.connect()
            await polling.connect(transport="polling")
            await websocket.connect()
            eio = server.app[HUB].sio.eio
            eio.sockets[broken.sio.eio.sid].send = send
            before = polling.last_seq
            assert (await mod.join("主持人张"))["ok"]
            with caplog.at_level(logging.ERROR, logger="meeting_server.hub.fanout"):
                await mod.ok("OpenMeeting")
                seq = await mod.ok("StartAgendaItem", index=0)
                for peer in (mod, polling, websocket):
                    await peer.wait_seq(seq)
            assert len(attempts) >= 3  # join, open and start each broadcast to the broken client first
            assert [e["seq"] for e in polling.events] == list(range(before + 1, seq + 1))
            assert [e["seq"] for e in websocket.events] == list(range(before + 1, seq + 1))
            assert broken.last_seq < seq
            failures = [r for r in caplog.records if "failed; the other clients still get it" in r.message]
            assert len(failures) == len(attempts), caplog.text
        finally:
            await _close_polling(server, polling)
            for peer in (broken, mod, websocket):
                await peer.close()


async def _stand_in_poll(self: Any) -> list[Any]:
    return []


def test_poll_replacement_is_fenced(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A poll that is not the upstream source the replacement copies (here a stand-in, as a different
    engine.io release would bring) is left in place, with a warning naming it."""
    monkeypatch.setattr(AsyncSocket, "poll", _stand_in_poll)
    with caplog.at_level(logging.WARNING, logger="meeting_server.upstream"):
        assert install_fast_poll(python=(3, 11)) is False
    assert AsyncSocket.poll is _stand_in_poll
    assert "engineio AsyncSocket.poll" in caplog.text


def test_poll_replacement_only_where_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AsyncSocket, "poll", fanout.UPSTREAM_POLL)
    assert install_fast_poll(python=(3, 12)) is False  # wait_for there is asyncio.timeout already
    assert AsyncSocket.poll is fanout.UPSTREAM_POLL
    assert install_fast_poll(python=(3, 11)) is True
    assert AsyncSocket.poll is not fanout.UPSTREAM_POLL
    replacement = AsyncSocket.poll
    assert install_fast_poll(python=(3, 11)) is True  # idempotent
    assert AsyncSocket.poll is replacement


async def _poll_script(poll: Any) -> list[Any]:
    """What a socket's poll returns for a fixed sequence of queue contents, time-outs and a cancel."""
    server = engineio.AsyncServer(async_mode="aiohttp")
    server.ping_interval, server.ping_timeout = 0.05, 0.05
    sock = AsyncSocket(server, "sid")
    seen: list[Any] = []

    async def step() -> None:
        try:
            seen.append([p.data for p in await poll(sock)])
        except engineio_exceptions.QueueEmpty:
            seen.append("QueueEmpty")

    for item in ["a", "b", None, "c"]:
        sock.queue.put_nowait(None if item is None else eio_packet.Packet(eio_packet.MESSAGE, item))
    for _ in range(4):
        await step()
    await step()  # nothing queued: times out after ping_interval + ping_timeout
    waiting = asyncio.ensure_future(step())
    await asyncio.sleep(0.01)
    waiting.cancel()  # a cancelled poll reads as "nothing to send", as upstream's does
    await asyncio.gather(waiting, return_exceptions=True)
    seen.append(sock.queue.qsize())
    seen.append(sock.queue._unfinished_tasks)  # close(wait=True) joins on this count
    return seen


async def test_replacement_poll_behaves_like_upstream() -> None:
    expected = await _poll_script(fanout.UPSTREAM_POLL)
    assert expected[:5] == [["a", "b"], ["c"], [], "QueueEmpty", "QueueEmpty"]
    assert await _poll_script(fanout._poll_without_wait_for) == expected
