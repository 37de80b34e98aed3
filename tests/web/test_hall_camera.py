"""The hall camera from the hall audio station page, in headless Chromium with its fake camera (a moving
test pattern) over real WebRTC on loopback: 「开启摄像头」 puts the camera into the livestream (an HLS segment
read back with PyAV is moving pictures, not the still card), 「关闭摄像头」 brings the card back."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import numpy as np
import pytest
from PIL import Image

from meeting_server.hub.keys import CAMERA
from tests.live.helpers import decode, is_card, motion, next_segment, open_stream
from tests.support.hub import Peer, running_server

from .conftest import LAPTOP, fake_mic_clip, launch_chromium
from .helpers import closing_pages, open_page, page_url

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
