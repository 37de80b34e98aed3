"""The hall camera in the livestream, over the real hub with a real aiortc peer sending a moving test
pattern: only the recorder's link may send it, its pictures replace the still card in the HLS segments (read
back with PyAV), and the card is back when it stops — in the same stream, one encoder throughout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
from aiortc import MediaStreamTrack

from meeting_server.hub.keys import CAMERA, LIVE_VIDEO
from meeting_server.media.ice import configure_host_addresses
from tests.media.helpers import client_offer, wait_until
from tests.support.hub import Peer, running_server

from .helpers import PatternTrack, decode, is_card, motion, next_segment, open_stream


@pytest.fixture(autouse=True)
def _loopback() -> Iterator[None]:
    configure_host_addresses(("127.0.0.1",))
    yield
    configure_host_addresses(None)


async def camera_offer(peer: Peer, track: MediaStreamTrack) -> tuple[Any, dict[str, Any]]:
    pc, sdp = await client_offer(track)
    ack: dict[str, Any] = await peer.sio.call("camera_offer", {"sdp": sdp, "type": "offer"}, timeout=30)
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
                assert all(is_card(p) for p in decode(data))  # no camera yet: the card
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

                pc, ack = await camera_offer(rec, PatternTrack())
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
                g = np.mean([p[:300, :, 1].mean() for p in pictures])
                assert g > 120, g  # the green field (letterboxed 4:3 in 16:9: black bars at the sides)
                assert pictures[0][:300, :60].mean() < 20  # the left bar
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
