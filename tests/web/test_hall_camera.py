"""The hall camera from the hall audio station page and from the recorder page, in headless Chromium with its
fake camera (a moving test pattern) over real WebRTC on loopback: 「开启摄像头」 puts the camera into the
livestream (an HLS segment read back with PyAV is moving pictures, not the still card), 「关闭摄像头」 brings
the card back. One camera at a time: the recorder page's start takes over from the station, which says so and
turns its own off."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
from PIL import Image

from meeting_server.hub.keys import CAMERA
from tests.live.helpers import Stream, decode, is_card, motion, next_segment, open_stream
from tests.support.hub import Peer, running_server

from .conftest import LAPTOP, fake_mic_clip, launch_chromium
from .helpers import OpenPage, closing_pages, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_station_sends_the_hall_camera_into_the_livestream(tmp_path: Path, artifacts: Path) -> None:
    async with (
        running_server(tmp_path) as server,
        launch_chromium(fake_mic_clip(tmp_path)) as browser,
        closing_pages() as pages,
        aiohttp.ClientSession() as s,
    ):
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        try:
            await mod.connect()
            await mod.join("主持人")
            await mod.ok("OpenMeeting")
            stream = await open_stream(s, server.url, mid, links["observer"]["token"])
            name, data = await next_segment(s, stream)
            assert all(is_card(p) for p in decode(data))

            pages["station"] = station = await open_page(
                browser, page_url(server, created, "station"), "station", LAPTOP
            )
            page = station.page
            assert await page.text_content("#camera-toggle") == "开启摄像头"
            await page.click("#camera-toggle")
            await page.wait_for_selector("body[data-camera=on]", timeout=20_000)
            assert await page.get_attribute("#camera-toggle", "aria-pressed") == "true"
            assert mid in server.app[CAMERA].peers
            for _ in range(8):
                name, data = await next_segment(s, stream, name)
                pictures = decode(data)
                if pictures and not any(is_card(p) for p in pictures):
                    break
            assert pictures and not any(is_card(p) for p in pictures)
            assert all(p.shape == (360, 640, 3) for p in pictures)
            moving = motion(pictures)
            assert moving > 0.3, moving  # Chromium's fake camera animates
            assert np.std(pictures[0]) > 10  # a picture, not a flat colour
            await station.shot(artifacts, "camera-on")
            Image.fromarray(pictures[-1]).save(artifacts / "camera-on-hls-frame.png")

            await page.click("#camera-toggle")
            await page.wait_for_selector("body[data-camera=off]", timeout=10_000)
            for _ in range(8):
                name, data = await next_segment(s, stream, name)
                if all(is_card(p) for p in decode(data)):
                    break
            assert all(is_card(p) for p in decode(data))
            assert mid not in server.app[CAMERA].peers
            station.assert_clean()
        finally:
            await mod.close()


async def camera_segment(s: aiohttp.ClientSession, stream: Stream, name: str) -> tuple[str, list[Any]]:
    """The next segment whose pictures are all the camera's (moving), within eight segments."""
    for _ in range(8):
        name, data = await next_segment(s, stream, name)
        pictures = decode(data)
        if pictures and not any(is_card(p) for p in pictures):
            return name, pictures
    raise AssertionError("no segment of camera pictures")


async def camera_on(p: OpenPage) -> None:
    assert await p.page.text_content("#camera-toggle") == "开启摄像头"
    await p.page.click("#camera-toggle")
    await p.page.wait_for_selector("body[data-camera=on]", timeout=20_000)


async def test_recorder_page_sends_the_camera_and_takes_it_over_from_the_station(
    tmp_path: Path, artifacts: Path
) -> None:
    async with (
        running_server(tmp_path) as server,
        launch_chromium(fake_mic_clip(tmp_path)) as browser,
        closing_pages() as pages,
        aiohttp.ClientSession() as s,
    ):
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        camera = server.app[CAMERA]
        try:
            await mod.connect()
            await mod.join("主持人")
            await mod.ok("OpenMeeting")
            stream = await open_stream(s, server.url, mid, links["observer"]["token"])
            name, _ = await next_segment(s, stream)

            pages["station"] = station = await open_page(
                browser, page_url(server, created, "station"), "station", LAPTOP
            )
            await camera_on(station)
            station_device = camera.sender(mid)
            assert station_device is not None

            pages["recorder"] = recorder = await open_page(
                browser, page_url(server, created, "recorder"), "recorder", LAPTOP
            )
            await camera_on(recorder)  # before signing in: the camera needs only the recorder's link
            assert camera.sender(mid) not in (None, station_device)
            # The station is told, turns its camera off and says where it went; it does not reconnect.
            await station.page.wait_for_selector("body[data-camera=replaced]", timeout=10_000)
            assert "记录员页面" in (await station.page.text_content("#camera-status") or "")
            assert await station.page.text_content("#camera-toggle") == "开启摄像头"
            assert await station.page.is_hidden("#camera-preview")
            name, pictures = await camera_segment(s, stream, name)
            assert motion(pictures) > 0.3, motion(pictures)
            await recorder.shot(artifacts, "recorder-camera-on")
            Image.fromarray(pictures[-1]).save(artifacts / "recorder-camera-hls-frame.png")
            await asyncio.sleep(3)  # the station's page would have reconnected by now
            assert await station.page.get_attribute("body", "data-camera") == "replaced"
            assert camera.sender(mid) not in (None, station_device)

            await recorder.page.click("#camera-toggle")
            await recorder.page.wait_for_selector("body[data-camera=off]", timeout=10_000)
            for _ in range(8):
                name, data = await next_segment(s, stream, name)
                if all(is_card(p) for p in decode(data)):
                    break
            assert all(is_card(p) for p in decode(data))
            assert not camera.live_now(mid)
            station.assert_clean()
            recorder.assert_clean()
        finally:
            await mod.close()
