"""The hall camera in the livestream, over the real hub with a real aiortc peer sending a moving test
pattern: only the recorder's link may send it, its pictures replace the still card in the HLS segments (read
back with PyAV) at ``[live] camera_fps`` while the card stays at 2 fps, and the card is back when it stops —
in the same stream, one encoder throughout. Two devices (the station and the recorder page): a deliberate
start takes the camera over and tells the other, a reconnect never takes it back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
from aiortc import MediaStreamTrack

from meeting_server.hub.keys import CAMERA, LIVE_VIDEO
from meeting_server.media.hls import CARD_FPS, SEGMENT_S
from meeting_server.media.ice import configure_host_addresses
from tests.media.helpers import client_offer, wait_until
from tests.support.hub import Peer, running_server

from .helpers import PatternTrack, decode, is_card, motion, next_segment, open_stream


@pytest.fixture(autouse=True)
def _loopback() -> Iterator[None]:
    configure_host_addresses(("127.0.0.1",))
    yield
    configure_host_addresses(None)


async def camera_offer(peer: Peer, track: MediaStreamTrack, **fields: Any) -> tuple[Any, dict[str, Any]]:
    pc, sdp = await client_offer(track)
    body = {"sdp": sdp, "type": "offer", **fields}
    ack: dict[str, Any] = await peer.sio.call("camera_offer", body, timeout=30)
    if ack["ok"]:
        await pc.setRemoteDescription(_answer(ack))
    return pc, ack


def _answer(ack: dict[str, Any]) -> Any:
    from aiortc import RTCSessionDescription

    return RTCSessionDescription(ack["answer"]["sdp"], "answer")


async def test_the_hall_camera_is_the_picture_while_it_sends(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod, rec, wang = (
            Peer(server.url, links[r]["token"]) for r in ("moderator", "recorder", "participant")
        )
        pcs: list[Any] = []
        try:
            for p in (mod, rec, wang):
                await p.connect()
            await mod.join("主持人")
            await wang.join("王阿姨")
            await mod.ok("OpenMeeting")
            camera = server.app[CAMERA]
            async with aiohttp.ClientSession() as s:
                stream = await open_stream(s, server.url, mid, links["observer"]["token"])
                name, data = await next_segment(s, stream)
                card = decode(data)
                assert all(is_card(p) for p in card)  # no camera yet: the card
                assert len(card) == CARD_FPS * SEGMENT_S  # at the card's rate
                encoder = server.app[LIVE_VIDEO].encoders[mid]

                # Only the recorder's link sends the camera; the others are refused with a reason.
                for who in (mod, wang):
                    pc, ack = await camera_offer(who, PatternTrack())
                    pcs.append(pc)
                    assert not ack["ok"] and ack["error"]["code"] == "forbidden", ack
                    assert "记录员" in ack["error"]["message"]
                # Audio is not a camera.
                from aiortc import AudioStreamTrack

                pc, ack = await camera_offer(rec, AudioStreamTrack())
                pcs.append(pc)
                assert not ack["ok"] and ack["error"]["code"] == "unsupported_media", ack

                pc, ack = await camera_offer(rec, PatternTrack(15))
                pcs.append(pc)
                assert ack["ok"], ack
                await wait_until(lambda: camera.peers.frames_out >= 2, 20)
                # A later segment is the camera: not the card, and moving; it decodes on its own.
                for _ in range(6):
                    name, data = await next_segment(s, stream, name)
                    pictures = decode(data)
                    if pictures and not any(is_card(p) for p in pictures):
                        break
                assert pictures and not any(is_card(p) for p in pictures)
                assert all(p.shape == (360, 640, 3) for p in pictures)
                # A later whole segment of camera: [live] camera_fps (12) frames a second from 15 fps.
                name, data = await next_segment(s, stream, name)
                pictures = decode(data)
                fps = server.app[LIVE_VIDEO].settings.live.camera_fps
                assert fps * SEGMENT_S * 0.8 <= len(pictures) <= fps * SEGMENT_S, len(pictures)
                g = np.mean([p[:300, :, 1].mean() for p in pictures])
                assert g > 120, g  # the green field (letterboxed 4:3 in 16:9: black bars at the sides)
                assert pictures[0][:300, :60].mean() < 20  # the left bar
                # The speaker bar drawn over the bottom (in the encoder's worker): darker, with light text.
                bar = pictures[0][322:, 60:580].astype(np.int16)
                assert bar[:, :, 1].mean() < 0.6 * pictures[0][:300, 60:580, 1].mean()
                assert (bar.min(axis=2) > 180).mean() > 0.01  # the text's pixels
                assert motion(pictures) > 3, motion(pictures)

                # The camera stops: the card again, in the same stream (same encoder).
                assert (await rec.sio.call("camera_close", {}, timeout=10))["ok"]
                for _ in range(6):
                    name, data = await next_segment(s, stream, name)
                    if all(is_card(p) for p in decode(data)):
                        break
                assert all(is_card(p) for p in decode(data))
                assert server.app[LIVE_VIDEO].encoders[mid] is encoder
                assert not camera.live_now(mid)
        finally:
            for pc in pcs:
                await pc.close()
            for p in (mod, rec, wang):
                await p.close()


async def test_a_camera_gone_quiet_gives_the_card_back(tmp_path: Path) -> None:
    """No frame for 3 s while the connection stays up (a camera unplugged): the card; frames again: camera."""
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod, rec = Peer(server.url, links["moderator"]["token"]), Peer(server.url, links["recorder"]["token"])
        pc = None
        try:
            for p in (mod, rec):
                await p.connect()
            await mod.join("主持人")
            await mod.ok("OpenMeeting")
            async with aiohttp.ClientSession() as s:
                await open_stream(s, server.url, mid, links["observer"]["token"])
            encoder = server.app[LIVE_VIDEO].encoders[mid]
            track = PatternTrack()
            pc, ack = await camera_offer(rec, track)
            assert ack["ok"], ack
            await wait_until(lambda: encoder._camera is not None, 20)
            track.flowing.clear()
            await wait_until(lambda: encoder._camera is None, 8)
            assert server.app[CAMERA].live_now(mid)  # still connected: it may come back
            track.flowing.set()
            await wait_until(lambda: encoder._camera is not None, 8)
        finally:
            if pc is not None:
                await pc.close()
            for p in (mod, rec):
                await p.close()


async def test_a_second_device_takes_the_camera_over_and_the_first_is_told(tmp_path: Path) -> None:
    """The station sends the camera; the recorder page starts its own: it replaces the station's, whose
    socket gets ``camera {state: replaced}`` naming the recorder page; the station's automatic reconnect
    is refused ``camera_taken``, and its 「关闭」 does not close the recorder's camera. Bad fields are
    refused."""
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, token = created["meeting_id"], created["links"]["recorder"]["token"]
        mod = Peer(server.url, created["links"]["moderator"]["token"])
        station, recorder = Peer(server.url, token), Peer(server.url, token)
        notices: list[dict[str, Any]] = []
        station.sio.on("camera", notices.append)
        pcs: list[Any] = []
        camera = server.app[CAMERA]
        try:
            for p in (mod, station, recorder):
                await p.connect()
            await mod.join("主持人")
            await mod.ok("OpenMeeting")
            for bad in ({"device": "x"}, {"device": 7}, {"page": "hall"}, {"resume": "yes"}, {"extra": 1}):
                pc, ack = await camera_offer(station, PatternTrack(), **bad)
                pcs.append(pc)
                assert not ack["ok"] and ack["error"]["code"] == "invalid", (bad, ack)
            assert not camera.live_now(mid)

            pc, ack = await camera_offer(station, PatternTrack(), device="station-device-1", page="station")
            pcs.append(pc)
            assert ack["ok"], ack
            assert camera.sender(mid) == "station-device-1"
            # The same device reconnecting (a new offer, resume) replaces its own connection: no notice.
            pc, ack = await camera_offer(
                station, PatternTrack(), device="station-device-1", page="station", resume=True
            )
            pcs.append(pc)
            assert ack["ok"], ack
            assert camera.sender(mid) == "station-device-1"
            assert notices == []

            pc, ack = await camera_offer(
                recorder, PatternTrack(), device="recorder-device-1", page="recorder"
            )
            pcs.append(pc)
            assert ack["ok"], ack
            await wait_until(lambda: len(notices) == 1, 5)
            assert notices[0]["state"] == "replaced" and "记录员页面" in notices[0]["message"], notices
            assert camera.sender(mid) == "recorder-device-1"

            # The station's page reconnecting by itself does not take the camera back.
            pc, ack = await camera_offer(
                station, PatternTrack(), device="station-device-1", page="station", resume=True
            )
            pcs.append(pc)
            assert not ack["ok"] and ack["error"]["code"] == "camera_taken", ack
            assert "另一台设备" in ack["error"]["message"]
            # Nor does its 「关闭摄像头」 close the recorder's camera.
            ack = await station.sio.call("camera_close", {"device": "station-device-1"}, timeout=10)
            assert ack == {"ok": True, "closed": False}, ack
            assert camera.sender(mid) == "recorder-device-1" and camera.live_now(mid)
            refused = await station.sio.call("camera_close", {"nope": 1}, timeout=10)
            assert refused["error"]["code"] == "invalid"

            ack = await recorder.sio.call("camera_close", {"device": "recorder-device-1"}, timeout=10)
            assert ack == {"ok": True, "closed": True}, ack
            assert not camera.live_now(mid) and camera.sender(mid) is None
            # With no camera on, the station may reconnect again.
            pc, ack = await camera_offer(
                station, PatternTrack(), device="station-device-1", page="station", resume=True
            )
            pcs.append(pc)
            assert ack["ok"], ack
            assert len(notices) == 1
        finally:
            for pc in pcs:
                await pc.close()
            for p in (mod, station, recorder):
                await p.close()
