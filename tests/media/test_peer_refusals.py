"""What the PeerManager refuses, and how it cleans up connections that end by themselves."""

from __future__ import annotations

import asyncio

import aioice.ice
import pytest
from aiortc import AudioStreamTrack, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

from meeting_server.media.peers import MAX_SDP_BYTES, MediaError, MediaErrorCode, PeerManager

from .helpers import client_offer, wait_until


async def _refused(manager: PeerManager, sdp: object, type_: object = "offer") -> MediaErrorCode:
    with pytest.raises(MediaError) as info:
        await manager.accept_offer("p1", sdp, type_)
    assert len(manager) == 0, "a refused offer leaves nothing open"
    return info.value.code


@pytest.mark.parametrize(
    ("sdp", "type_"),
    [
        ("hello", "offer"),
        ("", "offer"),
        (None, "offer"),
        (b"v=0\r\n", "offer"),
        ("v=0\r\nm=audio\r\n", "offer"),  # aiortc's parser asserts on this one
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "offer"),  # no media at all
        ("v=0\r\n" + "a=x\r\n" * (MAX_SDP_BYTES // 5), "offer"),
    ],
)
async def test_malformed_sdp_is_bad_sdp(loopback: tuple[str, ...], sdp: object, type_: object) -> None:
    assert await _refused(PeerManager(allowed_addresses=loopback), sdp, type_) is MediaErrorCode.BAD_SDP


async def test_valid_sdp_with_wrong_type_or_no_ice_is_bad_sdp(loopback: tuple[str, ...]) -> None:
    client, offer = await client_offer(AudioStreamTrack())
    try:
        manager = PeerManager(allowed_addresses=loopback)
        assert await _refused(manager, offer, "answer") is MediaErrorCode.BAD_SDP
        # Parsable, one audio m-line, but aiortc cannot use it (no ICE credentials): refused, not leaked.
        broken = "\r\n".join(line for line in offer.split("\r\n") if not line.startswith("a=ice-"))
        assert await _refused(manager, broken) is MediaErrorCode.BAD_SDP
        recvonly = offer.replace("a=sendrecv", "a=recvonly")
        assert await _refused(manager, recvonly) is MediaErrorCode.BAD_SDP
    finally:
        await client.close()


async def test_second_audio_track_is_refused(loopback: tuple[str, ...]) -> None:
    client, offer = await client_offer(AudioStreamTrack(), AudioStreamTrack())
    try:
        code = await _refused(PeerManager(allowed_addresses=loopback), offer)
        assert code is MediaErrorCode.TOO_MANY_TRACKS
    finally:
        await client.close()


async def test_plan_b_second_track_on_one_m_line_is_refused(loopback: tuple[str, ...]) -> None:
    client, offer = await client_offer(AudioStreamTrack())
    try:
        ssrc = next(line for line in offer.split("\r\n") if line.startswith("a=ssrc:"))
        plan_b = offer.replace(ssrc, ssrc + "\r\na=ssrc:4242 msid:other-stream other-track")
        code = await _refused(PeerManager(allowed_addresses=loopback), plan_b)
        assert code is MediaErrorCode.TOO_MANY_TRACKS
    finally:
        await client.close()


async def test_video_is_refused(loopback: tuple[str, ...]) -> None:
    client, offer = await client_offer(AudioStreamTrack(), VideoStreamTrack())
    try:
        code = await _refused(PeerManager(allowed_addresses=loopback), offer)
        assert code is MediaErrorCode.UNSUPPORTED_MEDIA
    finally:
        await client.close()


async def _connect(manager: PeerManager, key: str) -> RTCPeerConnection:
    client, offer = await client_offer(AudioStreamTrack())
    answer = await manager.accept_offer(key, offer, "offer")
    await client.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    return client


async def test_connection_limit_and_replacement(loopback: tuple[str, ...]) -> None:
    closed: list[str] = []
    manager = PeerManager(allowed_addresses=loopback, max_connections=2, on_closed=closed.append)
    clients = [await _connect(manager, "a"), await _connect(manager, "b")]
    try:
        extra, offer = await client_offer(AudioStreamTrack())
        clients.append(extra)
        with pytest.raises(MediaError) as info:
            await manager.accept_offer("c", offer, "offer")
        assert info.value.code is MediaErrorCode.TOO_MANY_CONNECTIONS
        assert len(manager) == 2 and "c" not in manager

        # The same key again replaces the old connection: still two, and the owner is not told "closed".
        clients.append(await _connect(manager, "a"))
        assert len(manager) == 2
        await manager.close("b")
        assert "b" not in manager and not await manager.close("b")
        await asyncio.sleep(0.2)
        assert closed == []
    finally:
        await manager.close_all()
        for client in clients:
            await client.close()
    assert len(manager) == 0


async def test_client_closing_without_goodbye_is_cleaned_up(loopback: tuple[str, ...]) -> None:
    closed: list[str] = []
    manager = PeerManager(allowed_addresses=loopback, on_closed=closed.append)
    client = await _connect(manager, "alice")
    try:
        await wait_until(lambda: manager.selected_pair("alice") is not None, within=30)
        await client.close()  # DTLS close_notify, but nothing through the hub
        await wait_until(lambda: bool(closed), within=30)
        await asyncio.sleep(0.5)  # the track ending and DTLS closing both report it: still once
        assert closed == ["alice"] and len(manager) == 0
    finally:
        await manager.close_all()


async def test_client_vanishing_from_the_network_is_cleaned_up(
    loopback: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Consent freshness (RFC 7675) is what notices a silent peer; aioice checks every 5 s and gives up after
    # 6 misses. Check more often so the test takes seconds, not half a minute; the mechanism is the same.
    monkeypatch.setattr(aioice.ice, "CONSENT_INTERVAL", 0.2)
    closed: list[str] = []
    manager = PeerManager(allowed_addresses=loopback, on_closed=closed.append)
    client = await _connect(manager, "bob")
    try:
        await wait_until(lambda: manager.selected_pair("bob") is not None, within=30)
        # The phone drops off the network: its sockets go away without a DTLS close or an ICE goodbye.
        for transceiver in client.getTransceivers():
            for protocol in transceiver.sender.transport.transport._connection._protocols:
                protocol.transport.close()
        await wait_until(lambda: bool(closed), within=60)
        assert closed == ["bob"] and len(manager) == 0
    finally:
        await manager.close_all()
        await client.close()


async def test_connection_that_never_connects_times_out(loopback: tuple[str, ...]) -> None:
    closed: list[str] = []
    manager = PeerManager(allowed_addresses=loopback, connect_timeout=1.0, on_closed=closed.append)
    client, offer = await client_offer(AudioStreamTrack())
    try:
        await manager.accept_offer("carol", offer, "offer")  # the answer never reaches the client
        await wait_until(lambda: bool(closed), within=30)
        assert closed == ["carol"] and len(manager) == 0
    finally:
        await manager.close_all()
        await client.close()


async def test_close_all_during_an_offer_leaves_nothing_open(loopback: tuple[str, ...]) -> None:
    manager = PeerManager(allowed_addresses=loopback)
    client, offer = await client_offer(AudioStreamTrack())
    try:
        pending = asyncio.create_task(manager.accept_offer("alice", offer, "offer"))
        await asyncio.sleep(0)  # the offer is being answered (ICE gathering) when the server shuts down
        await manager.close_all()
        with pytest.raises(MediaError) as info:
            await pending
        assert info.value.code is MediaErrorCode.CLOSED
        assert len(manager) == 0
    finally:
        await client.close()


async def test_concurrent_offers_for_one_key_keep_the_last(loopback: tuple[str, ...]) -> None:
    manager = PeerManager(allowed_addresses=loopback, max_connections=1)
    (c1, o1), (c2, o2) = await client_offer(AudioStreamTrack()), await client_offer(AudioStreamTrack())
    try:
        first = asyncio.create_task(manager.accept_offer("alice", o1, "offer"))
        await asyncio.sleep(0)
        second = asyncio.create_task(manager.accept_offer("alice", o2, "offer"))
        results = await asyncio.gather(first, second, return_exceptions=True)
        assert isinstance(results[0], MediaError) and results[0].code is MediaErrorCode.CLOSED
        assert isinstance(results[1], str)
        assert len(manager) == 1
    finally:
        await manager.close_all()
        await c1.close()
        await c2.close()


async def test_cancelled_offer_leaves_nothing_open(loopback: tuple[str, ...]) -> None:
    manager = PeerManager(allowed_addresses=loopback)
    client, offer = await client_offer(AudioStreamTrack())
    try:
        pending = asyncio.create_task(manager.accept_offer("alice", offer, "offer"))
        await asyncio.sleep(0)
        pending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pending
        assert len(manager) == 0
    finally:
        await client.close()


async def test_bad_peer_key_is_refused(loopback: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        await PeerManager(allowed_addresses=loopback).accept_offer("", "v=0", "offer")
