"""Who may open a microphone and who learns the ICE/TURN settings, over the real hub with real aiortc peers:
only the floor holder (or the hall station) offers, a peer closes with its socket or its turn, and TURN
credentials reach only those who may send audio. No Whisper model: captions are off."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path
from typing import Any

import pytest
from aiortc import AudioStreamTrack

from meeting_server.hub.keys import AUDIO
from meeting_server.media.ice import configure_host_addresses
from tests.media.helpers import client_offer, wait_until
from tests.support.hub import Peer, Server, running_server

TURN = {"ice_servers": ["turn:127.0.0.1:3478?transport=udp"], "turn_secret": "t0p-secret", "turn_ttl_s": 600}


@pytest.fixture(autouse=True)
def _loopback() -> Any:
    configure_host_addresses(("127.0.0.1",))
    yield
    configure_host_addresses(None)


async def offer(peer: Peer, *, source: str | None = None) -> tuple[Any, dict[str, Any]]:
    pc, sdp = await client_offer(AudioStreamTrack())
    body: dict[str, Any] = {"sdp": sdp, "type": "offer"}
    if source:
        body["source"] = source
    ack: dict[str, Any] = await peer.sio.call("rtc_offer", body, timeout=30)
    return pc, ack


async def meeting(server: Server, *roles: str) -> tuple[str, list[Peer]]:
    created = await server.create_meeting()
    peers = [Peer(server.url, created["links"][r]["token"]) for r in roles]
    for p in peers:
        await p.connect()
    return created["meeting_id"], peers


async def test_only_the_floor_holder_offers_and_refusals_leave_room_for_them(tmp_path: Path) -> None:
    async with running_server(tmp_path, webrtc={"max_connections": 2, "connect_timeout_s": 120}) as server:
        _, (mod, *residents) = await meeting(server, "moderator", *["participant"] * 6)
        peers = server.app[AUDIO].peers
        pcs = []
        try:
            await mod.join("主持人")
            for i, r in enumerate(residents):
                assert (await r.join(f"居民{i}"))["ok"]
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            speaker = residents[5]
            await speaker.ok("RaiseHand")
            await mod.ok("GrantFloor")
            # Five residents without the floor: each refused, none holds a connection.
            for r in residents[:5]:
                pc, ack = await offer(r)
                pcs.append(pc)
                assert ack["ok"] is False and ack["error"]["code"] == "not_your_turn", ack
            assert len(peers) == 0
            # The floor holder is not refused too_many_connections.
            pc, ack = await offer(speaker)
            pcs.append(pc)
            assert ack["ok"], ack
            assert len(peers) == 1
            # The turn ends: the peer is closed by the server.
            await speaker.ok("YieldFloor")
            await wait_until(lambda: len(peers) == 0, within=10)
            pc, ack = await offer(speaker)
            pcs.append(pc)
            assert ack["error"]["code"] == "not_your_turn"
        finally:
            for pc in pcs:
                await pc.close()
            for p in (mod, *residents):
                await p.close()


async def test_a_peer_closes_when_its_socket_disconnects(tmp_path: Path) -> None:
    async with running_server(tmp_path, webrtc={"connect_timeout_s": 120}) as server:
        mid, (mod, rec, wang) = await meeting(server, "moderator", "recorder", "participant")
        peers = server.app[AUDIO].peers
        pcs = []
        try:
            await mod.join("主持人")
            await wang.join("王阿姨")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            await wang.ok("RaiseHand")
            await mod.ok("GrantFloor")
            pc, ack = await offer(wang)
            pcs.append(pc)
            assert ack["ok"], ack
            # The hall station opens with the recorder's link, without joining.
            pc, ack = await offer(rec, source="hall")
            pcs.append(pc)
            assert ack["ok"], ack
            key = f"{mid}/{wang.participant_id}"
            assert key in peers and f"{mid}/hall" in peers
            # Wang's phone opens the page a second time (same session) and offers again: that socket now
            # owns the connection, so the first socket going away leaves it open.
            again = Peer(server.url, wang.token)
            await again.connect(session=wang.session)
            pc, ack = await offer(again)
            pcs.append(pc)
            assert ack["ok"], ack
            await wang.close()
            await rec.close()
            await wait_until(lambda: f"{mid}/hall" not in peers, within=10)
            assert key in peers
            await again.close()
            await wait_until(lambda: len(peers) == 0, within=10)
            await mod.ok("RevokeFloor")  # the meeting goes on
        finally:
            for pc in pcs:
                await pc.close()
            for p in (mod, rec, wang):
                await p.close()


def welcome_rtc(peer: Peer) -> Any:
    return peer.welcomes[-1].get("rtc")


async def test_turn_credentials_only_to_those_who_may_send_audio(tmp_path: Path) -> None:
    async with running_server(tmp_path, webrtc=TURN) as server:
        _, (obs, timer, rec, wang) = await meeting(server, "observer", "timer", "recorder", "participant")
        try:
            assert welcome_rtc(obs) is None
            assert welcome_rtc(timer) is None
            assert welcome_rtc(wang) is None  # not joined yet: not someone who may be given the floor
            ack = await wang.join("王阿姨")
            assert ack["ok"]
            for rtc, user in ((ack["rtc"], wang.participant_id), (welcome_rtc(rec), "recorder")):
                (server_entry,) = rtc["ice_servers"]
                assert server_entry["urls"] == TURN["ice_servers"]
                expiry, _, who = server_entry["username"].partition(":")
                assert who == user and int(expiry) == int(server.clock() + 600)
                mac = hmac.new(b"t0p-secret", server_entry["username"].encode(), hashlib.sha1).digest()
                assert server_entry["credential"] == base64.b64encode(mac).decode()
            # A reconnecting resident gets fresh ones in the welcome.
            server.clock.advance(100)
            again = Peer(server.url, wang.token)
            await again.connect(session=wang.session)
            expiry = int(welcome_rtc(again)["ice_servers"][0]["username"].split(":")[0])
            assert expiry == int(server.clock() + 600)
            await again.close()
            # The server's own connections get credentials made the same way.
            (own,) = server.app[AUDIO].ice_servers("gongzhi-server")
            assert own.username is not None and own.username.endswith(":gongzhi-server")
        finally:
            for p in (obs, timer, rec, wang):
                await p.close()


async def test_static_turn_password_only_to_those_who_may_send_audio(tmp_path: Path) -> None:
    static = {
        "ice_servers": ["turn:127.0.0.1:3478"],
        "ice_username": "gongzhi",
        "ice_credential": "CHANGE-ME",
    }
    async with running_server(tmp_path, webrtc=static) as server:
        _, (obs, mod) = await meeting(server, "observer", "moderator")
        try:
            assert welcome_rtc(obs) is None
            assert "CHANGE-ME" not in repr(obs.welcomes)
            assert welcome_rtc(mod) == {
                "ice_servers": [
                    {"urls": ["turn:127.0.0.1:3478"], "username": "gongzhi", "credential": "CHANGE-ME"}
                ]
            }
        finally:
            for p in (obs, mod):
                await p.close()
