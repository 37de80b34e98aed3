"""The hall camera in scale-out: two real server processes on one redis-server, a real aiortc camera (a moving
test pattern) sent to process A, and the livestream read from process B, which runs its own encoder: B's
segments show A's camera (relayed over Redis), and the card again when it stops. One camera per meeting
across processes: the recorder page's camera started through B takes over from the station's on A (whose
socket is told), A's stream then shows B's camera, and the station's automatic reconnect through A is
refused ``camera_taken``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from meeting_server.media.ice import configure_host_addresses
from tests.live.helpers import PatternTrack, Stream, decode, is_card, motion, next_segment, open_stream
from tests.live.test_hls_camera import camera_offer
from tests.media.helpers import wait_until
from tests.support.hub import DEMO_SPEC, Peer
from tests.support.redis import RedisServer

from .test_two_processes import joined, redis_server, start

__all__ = ["redis_server"]  # the fixture, used by name


@pytest.fixture(autouse=True)
def _loopback() -> Iterator[None]:
    configure_host_addresses(("127.0.0.1",))
    yield
    configure_host_addresses(None)


async def _until(s: aiohttp.ClientSession, stream: Stream, name: str, camera: bool) -> str:
    """Read segments until one is all camera (moving, no card) or all card; its name."""
    seen = []
    for _ in range(20):
        name, data = await next_segment(s, stream, name)
        pictures = decode(data)
        seen.append((len(pictures), sum(map(is_card, pictures)), round(motion(pictures), 1)))
        if camera and pictures and not any(is_card(p) for p in pictures) and motion(pictures) > 3:
            return name
        if not camera and pictures and all(is_card(p) for p in pictures):
            return name
    raise AssertionError(f"no {'camera' if camera else 'card'} segment by {name}: {seen}")


async def test_a_camera_on_one_process_is_the_picture_on_the_other(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    a, b = start(tmp_path, "a", redis_server), start(tmp_path, "b", redis_server)
    peers: list[Peer] = []
    pcs: list[Any] = []
    try:
        created = a.create_meeting(DEMO_SPEC)
        mid, links = created["meeting_id"], created["links"]
        token = links["recorder"]["token"]
        mod = await joined(a.url, links["moderator"]["token"], "主持人")
        station, recorder = await joined(a.url, token, None), await joined(b.url, token, None)
        peers = [mod, station, recorder]
        notices: list[dict[str, Any]] = []
        station.sio.on("camera", notices.append)
        await mod.ok("OpenMeeting")
        async with aiohttp.ClientSession() as s:
            on_b = await open_stream(s, b.url, mid, links["observer"]["token"])
            name, data = await next_segment(s, on_b)
            assert all(is_card(p) for p in decode(data))  # no camera yet: B's card

            station_pc, ack = await camera_offer(
                station, PatternTrack(15), device="station-device-1", page="station"
            )
            pcs.append(station_pc)
            assert ack["ok"], ack
            name = await _until(s, on_b, name, camera=True)  # A's camera in B's stream

            # The recorder page, through B, takes the camera over: the station on A is told.
            pc, ack = await camera_offer(
                recorder, PatternTrack(15), device="recorder-device-1", page="recorder"
            )
            pcs.append(pc)
            assert ack["ok"], ack
            await wait_until(lambda: bool(notices), 15)
            assert notices[0]["state"] == "replaced" and "记录员页面" in notices[0]["message"], notices
            await station_pc.close()  # as the station page does when told
            on_a = await open_stream(s, a.url, mid, links["observer"]["token"])
            await _until(s, on_a, "", camera=True)  # B's camera in A's stream
            # The station's automatic reconnect, through A, does not take it back.
            pc, ack = await camera_offer(
                station, PatternTrack(15), device="station-device-1", page="station", resume=True
            )
            pcs.append(pc)
            assert not ack["ok"] and ack["error"]["code"] == "camera_taken", ack

            # The camera stops on B: A's stream is the card again.
            ack = await recorder.sio.call("camera_close", {"device": "recorder-device-1"}, timeout=10)
            assert ack["ok"] and ack["closed"], ack
            await _until(s, on_a, "", camera=False)
    finally:
        for pc in pcs:
            await pc.close()
        for p in peers:
            await p.close()
        a.stop()
        b.stop()
