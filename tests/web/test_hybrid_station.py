"""The hybrid meeting both ways, in headless Chromium with fake microphones over real WebRTC (loopback):
the hall audio station's microphone is the floor when an in-room person speaks (captioned on the phones);
a resident's phone is played through the station into the hall (and captioned as the resident)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from asr.metrics import cer
from meeting_server.hub.keys import AUDIO
from tests.support.hub import DEMO_SPEC, Server, running_server

from .conftest import LAPTOP, PHONE, fake_mic_clip, launch_chromium
from .helpers import closing_pages, join, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"
REFERENCE = dict(
    line.split("\t") for line in (SPEECH / "manifest.tsv").read_text("utf-8").splitlines() if line
)
SPEC: dict[str, Any] = {**DEMO_SPEC, "settings": {**DEMO_SPEC["settings"], "speaking_limit_s": 120}}


async def committed(server: Server, meeting_id: str, turn_id: str) -> list[dict[str, Any]]:
    records = await server.registry.read_log(meeting_id, 0)
    return [r.payload for r in records if r.type == "CaptionCommitted" and r.payload["turn_id"] == turn_id]


async def wait_captions(server: Server, meeting_id: str, turn_id: str, clip: str) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 45
    got: list[dict[str, Any]] = []
    while loop.time() < deadline:
        got = await committed(server, meeting_id, turn_id)
        if got and cer([(REFERENCE[clip], "".join(c["text"] for c in got))]) < 0.35:
            return got
        await asyncio.sleep(0.3)
    raise AssertionError(f"captions of {clip}: {got}")


async def floor_turn(server: Server, meeting_id: str) -> str:
    rt = await server.registry.get(meeting_id)
    assert rt is not None and rt.state is not None and rt.state.floor is not None
    return rt.state.floor.turn_id


INBOUND_ENERGY = """async () => {
  const stats = await gzStation.pc.getStats();
  let energy = 0;
  stats.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "audio") energy = s.totalAudioEnergy || 0;
  });
  return energy;
}"""


async def test_hall_station_both_ways(tmp_path: Path, artifacts: Path) -> None:
    async with (
        running_server(tmp_path, captions=True) as server,
        launch_chromium(fake_mic_clip(tmp_path, SPEECH / "c05.wav", lead_s=2.0)) as hall_browser,
        launch_chromium(fake_mic_clip(tmp_path, SPEECH / "c01.wav")) as phone_browser,
        closing_pages() as pages,
    ):
        created = await server.create_meeting(SPEC)
        mid = created["meeting_id"]
        pages["moderator"] = mod = await open_page(
            phone_browser, page_url(server, created, "moderator"), "moderator", LAPTOP
        )
        pages["recorder"] = rec = await open_page(
            phone_browser, page_url(server, created, "recorder"), "recorder", LAPTOP
        )
        station_url = page_url(server, created, "station")
        pages["station"] = station = await open_page(hall_browser, station_url, "station", LAPTOP)
        pages["wang"] = wang = await open_page(
            phone_browser, page_url(server, created, "participant"), "wang", PHONE
        )
        await join(mod, "张主任")
        await join(rec, "记录员小刘")
        await join(wang, "王阿姨")
        await mod.page.click("text=开始会议")
        await mod.page.click("#agenda li:first-child button")
        await rec.page.fill("#ci-name", "刘大爷")
        await rec.page.click("#checkin-form button")
        await mod.page.wait_for_selector("#add-person option:text('刘大爷（现场）')", state="attached")

        # Wang listens to the meeting from home (one tap).
        await wang.page.click("#listen-btn")
        assert await wang.page.get_attribute("#listen-btn", "aria-pressed") == "true"

        # The moderator gives the floor to the in-room person; the station is the floor source by itself.
        await mod.page.select_option("#add-person", label="刘大爷（现场）")
        await mod.page.click("#add-form button")
        await mod.page.click("#queue li button:text('请发言')")
        await station.page.wait_for_function(
            "() => document.getElementById('now-playing').textContent.includes('刘大爷')"
        )
        room_turn = await floor_turn(server, mid)
        await station.page.click("#station-start")  # the hall microphone starts speaking c05 now
        await station.page.wait_for_selector("body[data-station=on]", timeout=20_000)
        # The browser's processing is off on the hall microphone (better far-field captions, README).
        applied = await station.page.evaluate("gzStation.stream.getAudioTracks()[0].getSettings()")
        processing = ("echoCancellation", "noiseSuppression", "autoGainControl")
        assert [applied[k] for k in processing] == [False, False, False], applied
        room = await wait_captions(server, mid, room_turn, "c05.wav")
        liu = {p["participant_id"] for p in room}
        assert len(liu) == 1 and liu != {wang_id := await wang.page.evaluate("gz.me")}
        await wang.page.wait_for_function(
            "(t) => document.getElementById('captions').textContent.includes(t)", arg=room[0]["text"]
        )
        assert await station.page.evaluate("gzStation.peak") > 0.05  # the meter showed the hall speaking
        # ... and Wang's phone plays the meeting audio.
        await wang.page.wait_for_selector("#listen-status[data-listen=on]", timeout=15_000)
        await wang.page.wait_for_function("() => document.getElementById('listen-audio').currentTime > 1")
        assert await wang.page.evaluate("document.getElementById('listen-audio').muted") is False
        await wang.shot(artifacts, "1-listening")
        await station.shot(artifacts, "1-in-room")
        await mod.page.click("#floor-buttons button:text('收回发言权')")

        # A resident speaks from her phone: the station receives and plays her.
        before = await station.page.evaluate(INBOUND_ENERGY)
        await wang.page.click("#hand-btn")
        await mod.page.click("#queue li button:text('请发言')")
        await station.page.wait_for_function(
            "() => document.getElementById('now-playing').textContent.includes('正在播放：王阿姨')"
        )
        phone_turn = await floor_turn(server, mid)
        # Her own listening is muted while she speaks (no echo of her own voice).
        await wang.page.wait_for_function("() => document.getElementById('listen-audio').muted")
        assert "静音" in await wang.page.inner_text("#listen-status")
        phone = await wait_captions(server, mid, phone_turn, "c01.wav")
        assert {p["participant_id"] for p in phone} == {wang_id}  # hers, not the hall's
        after = await station.page.evaluate(INBOUND_ENERGY)
        assert after > before + 0.01, (before, after)
        playing = await station.page.evaluate(
            "(() => { const a = document.getElementById('playback');"
            " return !a.paused && a.srcObject !== null; })()"
        )
        assert playing
        await station.shot(artifacts, "2-playing-phone")
        await wang.shot(artifacts, "2-speaking")
        await mod.page.click("#floor-buttons button:text('收回发言权')")
        await wang.page.wait_for_function("() => !document.getElementById('listen-audio').muted")
        # The server drops the station's connection (a restart, a cut): the page connects again by itself.
        generation = await station.page.evaluate("gzStation.generation")
        assert await server.app[AUDIO].peers.close(f"{mid}/hall")
        await station.page.wait_for_function(
            "(g) => gzStation.generation > g && gzStation.pc && gzStation.pc.connectionState === 'connected'",
            arg=generation,
            timeout=30_000,
        )
        assert f"{mid}/hall" in server.app[AUDIO].peers
        for p in pages.values():
            p.assert_clean()
