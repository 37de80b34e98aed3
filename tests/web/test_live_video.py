"""Chromium plays the livestream on the observer page: hls.js in low-latency mode (Chromium has no native
HLS) loading the LL-HLS parts, the still card as picture (no camera), the clock advancing within a few
seconds of the live edge, and a caption committed on the server shown as a cue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from tests.support.hub import Peer, running_server

from .conftest import LAPTOP
from .helpers import closing_pages, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The card's mean colour over the frame, read from the playing <video> through a canvas.
FRAME_COLOUR = """() => {
  const v = document.getElementById("live-video");
  const c = document.createElement("canvas");
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext("2d");
  g.drawImage(v, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < d.length; i += 4) { sum[0] += d[i]; sum[1] += d[i + 1]; sum[2] += d[i + 2]; }
  const n = d.length / 4;
  return { w: c.width, h: c.height, rgb: sum.map((s) => s / n) };
}"""

# hls.js's view of the stream: the playlist's parts, and how far behind the live edge it plays (s).
LOW_LATENCY = """() => {
  const h = window.gzHls, d = h.levels[h.currentLevel < 0 ? 0 : h.currentLevel].details;
  return { lowLatencyMode: h.lowLatencyMode, parts: d.partList ? d.partList.length : 0,
           partHoldBack: d.partHoldBack, targetLatency: h.targetLatency, latency: h.latency };
}"""

CUES = """() => [...document.getElementById("live-video").textTracks].flatMap(
  (t) => [...(t.cues || [])].map((c) => ({ mode: t.mode, text: c.text })))"""


async def test_observer_watches_the_stream_with_captions(
    tmp_path: Path, browser: Any, artifacts: Path
) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod, wang = (
            Peer(server.url, links["moderator"]["token"]),
            Peer(server.url, links["participant"]["token"]),
        )
        try:
            for p in (mod, wang):
                await p.connect()
            await mod.join("主持人")
            await wang.join("王阿姨")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=1)
            async with closing_pages() as pages:
                obs = pages["observer"] = await open_page(
                    browser, page_url(server, created, "observer"), "obs", LAPTOP
                )
                page = obs.page
                await page.evaluate("() => { document.getElementById('live-video').muted = true; }")
                await page.click("#watch")
                await page.wait_for_function(
                    "() => document.getElementById('live-video').currentTime > 1", timeout=30_000
                )
                t1 = await page.evaluate("() => document.getElementById('live-video').currentTime")
                await page.wait_for_timeout(2500)
                t2 = await page.evaluate("() => document.getElementById('live-video').currentTime")
                assert t2 - t1 > 1.5, (t1, t2)  # playing in real time, not stuck
                ll = await page.evaluate(LOW_LATENCY)
                print("hls.js", ll)
                assert ll["lowLatencyMode"] and ll["parts"] > 0 and ll["partHoldBack"] == 1.5, ll
                assert ll["targetLatency"] == 1.5 and 0 < ll["latency"] < 4.0, ll

                frame = await page.evaluate(FRAME_COLOUR)
                assert (frame["w"], frame["h"]) == (640, 360)
                r, _g, b = frame["rgb"]
                assert b > r + 30 and b > 60, frame  # the still card's dark blue, not a black frame

                await wang.ok("RaiseHand")
                await mod.ok("GrantFloor")
                rt = await server.registry.get(mid)
                assert rt is not None and rt.state is not None and rt.state.floor is not None
                cmd = CommitCaption(
                    rt.state.floor.turn_id, wang.participant_id or "", "楼道灯坏了三天", 0.1, 1.0
                )
                await server.registry.execute(rt, Actor.system(), cmd)
                await page.wait_for_function(
                    "() => [...document.getElementById('live-video').textTracks].some((t) =>"
                    " t.mode === 'showing' && t.activeCues &&"
                    " [...t.activeCues].some((c) => c.text.includes('楼道灯坏了三天')))",
                    timeout=30_000,
                )
                cues = await page.evaluate(CUES)
                assert any(c["text"] == "王阿姨（居民）：楼道灯坏了三天" for c in cues), cues
                await obs.shot(artifacts, "live")
                assert await page.get_attribute("#bigcaps", "aria-pressed") == "true"
                await page.click("#bigcaps")
                assert await page.get_attribute("#bigcaps", "aria-pressed") == "false"
                assert not await page.evaluate(
                    "() => document.getElementById('live-box').classList.contains('big-caps')"
                )
                obs.assert_clean()
        finally:
            for p in (mod, wang):
                await p.close()


# A plain-HLS player on the same page: hls.js without low-latency mode, as an older player (or WeChat's
# native one) plays the stream: whole 1 s segments, three target durations behind the live edge.
PLAIN_PLAYER = """(src) => {
  const v = document.createElement("video");
  v.muted = true;
  document.body.appendChild(v);
  const h = new window.Hls({ enableWorker: false, lowLatencyMode: false });
  const loaded = [];
  h.on(window.Hls.Events.FRAG_LOADED, (_e, d) => loaded.push({ sn: d.frag.sn, part: d.part ? 1 : 0 }));
  window.gzPlain = { h, v, loaded };
  h.loadSource(src);
  h.attachMedia(v);
  v.play();
}"""
PLAIN_STATE = """() => {
  const { h, v, loaded } = window.gzPlain;
  return { t: v.currentTime, latency: h.latency, targetLatency: h.targetLatency,
           targetDuration: h.levels[0].details.targetduration, loaded };
}"""


async def test_a_plain_hls_player_plays_three_target_durations_behind(tmp_path: Path, browser: Any) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        async with closing_pages() as pages:
            obs = pages["observer"] = await open_page(
                browser, page_url(server, created, "observer"), "obs", LAPTOP
            )
            src = await obs.page.get_attribute("#live-video", "data-src")
            await obs.page.evaluate(PLAIN_PLAYER, src)
            await obs.page.wait_for_function("() => window.gzPlain.v.currentTime > 1", timeout=30_000)
            await obs.page.wait_for_timeout(3000)
            state = await obs.page.evaluate(PLAIN_STATE)
            print("plain hls.js", {k: v for k, v in state.items() if k != "loaded"})
            assert state["targetDuration"] == 1 and state["targetLatency"] == 3, state
            assert 2.5 < state["latency"] < 6.0, state  # the goal for plain HLS: within 6 s of the hall
            video = [f for f in state["loaded"] if f["sn"] != "initSegment"]
            assert len(video) >= 4 and not any(f["part"] for f in video), state  # whole segments only
            obs.assert_clean()
