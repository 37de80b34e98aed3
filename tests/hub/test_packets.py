"""Packets python-socketio alone would drop without an answer: JSON nested 200,000 levels deep, malformed
JSON, events that are not an array with a name. Sent raw over a real WebSocket, each is refused on its ack id
and the connection goes on; the decoder itself is tested on its own."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from meeting_server.hub.keys import HUB
from meeting_server.hub.packets import (
    MAX_DEPTH,
    DepthLimitedJson,
    GuardedPacket,
    InvalidPayload,
    UndecodablePayload,
)
from tests.support.hub import FakeClock, running_server


class RawSocket:
    """socket.io v5 over engine.io v4 WebSocket, spoken by hand so that anything can be sent."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def recv(self) -> str:
        while True:
            text = await asyncio.wait_for(self.ws.receive_str(), 10)
            if text == "2":  # engine.io ping
                await self.ws.send_str("3")
                continue
            assert text.startswith("4"), text  # an engine.io message carrying a socket.io packet
            return text[1:]

    async def send(self, packet: str) -> None:
        await self.ws.send_str("4" + packet)

    async def connect(self, auth: Any) -> str:
        await self.send("0" + (auth if isinstance(auth, str) else json.dumps(auth)))
        return await self.recv()

    async def call(self, ack_id: int, raw_payload: str) -> Any:
        """Send ``42<ack_id><raw_payload>`` and return the ack's arguments (events in between are skipped)."""
        await self.send(f"2{ack_id}{raw_payload}")
        while True:
            packet = await self.recv()
            if packet.startswith(f"3{ack_id}"):
                return json.loads(packet[1 + len(str(ack_id)) :])


@asynccontextmanager
async def raw_socket(url: str, headers: dict[str, str] | None = None) -> AsyncIterator[RawSocket]:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(
            url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket",
            headers=headers or {},
            max_msg_size=0,
        ) as ws,
    ):
        opened = await asyncio.wait_for(ws.receive_str(), 10)
        assert opened.startswith("0{"), opened
        yield RawSocket(ws)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# ---------------------------------------------------------------------- the decoder alone
def test_depth_limited_json() -> None:
    decoder = DepthLimitedJson()
    assert decoder.loads(nested(MAX_DEPTH)) is not None
    assert decoder.loads('{"a": [1, {"b": "[[[[[["}]}') == {"a": [1, {"b": "[[[[[["}]}  # brackets in text
    for text in (nested(MAX_DEPTH + 1), nested(200_000), '{"a":' * 40 + "1" + "}" * 40, "[1,", "1" * 200):
        with pytest.raises(UndecodablePayload):
            decoder.loads(text)
    assert decoder.dumps({"a": 1}, separators=(",", ":")) == '{"a":1}'


def test_guarded_packet_keeps_the_ack_id_of_what_it_cannot_decode() -> None:
    pkt = GuardedPacket(encoded_packet='27["command",' + nested(50_000) + "]")
    assert (pkt.packet_type, pkt.id, pkt.data[0]) == (2, 7, "\x00invalid")
    pkt = GuardedPacket(encoded_packet="0" + nested(100))
    assert pkt.packet_type == 0 and isinstance(pkt.data, InvalidPayload)
    for raw in ("28", '28{"type":"x"}', "28[5]", '28"hello"'):
        pkt = GuardedPacket(encoded_packet=raw)
        assert (pkt.id, pkt.data[0]) == (8, "\x00invalid"), raw
    assert GuardedPacket(encoded_packet='29["hello",{}]').data == ["hello", {}]
    assert GuardedPacket(encoded_packet='39["x"]').data == ["x"]  # acks are left as they are


# ---------------------------------------------------------------------- over the wire
async def test_undecodable_messages_are_refused_on_their_ack_id(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        links = (await server.create_meeting())["links"]
        async with raw_socket(server.url) as sock:
            assert (await sock.connect({"token": links["moderator"]["token"]})).startswith("0{")
            began = time.monotonic()
            ack = await sock.call(1, '["command",' + nested(200_000) + "]")
            assert ack[0]["ok"] is False and ack[0]["error"]["code"] == "invalid", ack
            assert "nested" in ack[0]["error"]["message"]
            assert time.monotonic() - began < 5
            for i, raw in enumerate(
                ['["command",' + nested(40) + "]", '["command", {"type": ', "", '{"a":1}', "[5]"]
            ):
                ack = await sock.call(2 + i, raw)
                assert ack[0]["error"]["code"] == "invalid", (raw[:40], ack)
            # The connection is still good.
            ack = await sock.call(9, '["hello", {}]')
            assert ack[0]["ok"] is True, ack


async def test_undecodable_auth_and_repeated_connects_are_refused(tmp_path: Path) -> None:
    clock = FakeClock()
    limits = {"connects_per_address_burst": 1, "connects_per_address_per_s": 1.0}
    async with running_server(tmp_path, limits=limits, limit_clock=clock) as server:
        links = (await server.create_meeting())["links"]
        async with raw_socket(server.url, {"X-Forwarded-For": "192.0.2.1"}) as sock:
            refused = await sock.connect(nested(100))
            assert refused.startswith("4"), refused
            assert json.loads(refused[1:])["data"]["code"] == "invalid"
            # One engine.io session connecting socket.io again and again: the connects are counted too.
            refused = await sock.connect({"token": links["observer"]["token"]})
            assert json.loads(refused[1:])["data"]["code"] == "rate_limited", refused
            clock.advance(1.0)
            assert (await sock.connect({"token": links["observer"]["token"]})).startswith("0{")


def test_headers_are_read_with_ascii_digits_only() -> None:
    # python-socketio's str.isdigit takes these; int() then fails in its handler log, or reads 「٣」 as 3.
    for raw in ('2²["hello",{}]', '2٣["hello",{}]', "2" + "1" * 100 + '["hello"]', '2\U0001d7d9["x"]'):
        pkt = GuardedPacket(encoded_packet=raw)
        assert (pkt.packet_type, pkt.id, pkt.data[0]) == (2, None, "\x00invalid"), raw
        assert "ack id" in pkt.data[1], pkt.data
    assert GuardedPacket(encoded_packet="2" + "1" * 99 + '["hello"]').id == int("1" * 99)
    for raw in ("", "x", "9[]", "4{}"):  # unknown types; a client's connect error
        pkt = GuardedPacket(encoded_packet=raw)
        assert (pkt.packet_type, pkt.id, pkt.data[0]) == (2, None, "\x00invalid"), raw


def test_binary_packets_are_refused_on_their_ack_id() -> None:
    pkt = GuardedPacket(encoded_packet='51-7["hello",{"_placeholder":true,"num":0}]')
    assert (pkt.packet_type, pkt.id, pkt.data) == (2, 7, ["\x00invalid", "binary messages are not accepted"])
    pkt = GuardedPacket(encoded_packet='599999999999-3["x"]')  # python-socketio: "too many attachments"
    assert (pkt.id, pkt.data[0]) == (3, "\x00invalid")
    pkt = GuardedPacket(encoded_packet=b"\x04\x00\xff")  # a frame no binary packet announced
    assert (pkt.packet_type, pkt.id, pkt.data[0]) == (2, None, "\x00invalid")


async def test_odd_headers_and_binary_frames_over_the_wire(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running_server(tmp_path) as server:
        links = (await server.create_meeting())["links"]
        async with raw_socket(server.url) as sock:
            assert (await sock.connect({"token": links["moderator"]["token"]})).startswith("0{")
            for raw in ('2²["hello",{}]', '2٣["hello",{}]', "2" + "1" * 120 + '["hello",{}]', '4{"x":1}'):
                await sock.send(raw)  # no ack id to answer on: dropped, with a log line saying why
            await sock.ws.send_bytes(b"\x04\x00\xff")
            ack = await sock.call(4, '["hello", {}]')  # nothing was answered in between, and no 3 went out
            assert ack[0]["ok"] is True, ack
            await sock.send('51-5["command",{"type":"RaiseHand","x":{"_placeholder":true,"num":0}}]')
            answer = await sock.recv()
            assert answer.startswith("35"), answer
            ack = json.loads(answer[2:])
            assert ack == [
                {"ok": False, "error": {"code": "invalid", "message": "binary messages are not accepted"}}
            ]
            await sock.ws.send_bytes(b"\x01\x02")  # the attachment it announced: dropped
            ack = await sock.call(6, '["hello", {}]')
            assert ack[0]["ok"] is True, ack
    assert "Traceback" not in caplog.text and "handler error" not in caplog.text, caplog.text
    assert "an ack id must be ASCII digits" in caplog.text and "binary frames are not accepted" in caplog.text


async def test_events_named_like_the_connection_handlers_are_refused(tmp_path: Path) -> None:
    """python-socketio hands a client's *event* "disconnect" to the disconnect handler (the socket would
    drop its admission ticket and stay connected) and "connect" to the connect handler (with an environ
    the client wrote: another address)."""
    async with running_server(tmp_path) as server:
        links = (await server.create_meeting())["links"]
        hub = server.app[HUB]
        observer = json.dumps(links["observer"]["token"])
        forged_connect = '["connect",{"REMOTE_ADDR":"203.0.113.9"},{"token":' + observer + "}]"
        async with raw_socket(server.url) as sock:
            assert (await sock.connect({"token": links["moderator"]["token"]})).startswith("0{")
            (client,) = hub.clients.values()
            for i, raw in enumerate(
                [
                    '["disconnect"]',
                    forged_connect,
                    '["connect_error"]',
                    '["*"]',
                ]
            ):
                ack = await sock.call(1 + i, raw)
                assert ack[0]["error"]["code"] == "invalid", (raw, ack)
            assert list(hub.clients.values()) == [client]  # the same client, counted once, from 127.0.0.1
            assert client.ticket.address == "127.0.0.1" and client.role.value == "moderator"
            ack = await sock.call(9, '["hello", {}]')
            assert ack[0]["ok"] is True, ack
