"""The resident page on loopback: its weight, how soon it is usable, and how soon captions show.

Runs the real server in-process (captions on, Whisper ``base``) and headless Debian Chromium (Playwright,
``/usr/bin/chromium``). Measures, on a phone-sized page:
- ``resident_page_kb``: everything transferred for a cold load (HTML + JS + CSS, headers included), and
  ``resident_js_css_kb`` for the JavaScript and CSS alone (gzip as served);
- ``usable_s``: from navigation start to the socket being connected and the welcome rendered (cold cache),
  ``usable_warm_s`` the same on a second visit (assets cached);
- ``caption_event_to_dom_ms``: a committed caption's path from the server's log to the page's DOM (median);
- ``link_to_first_caption_s``: a resident opens the link while another resident starts speaking a clip
  through real WebRTC; time until the first caption (partial or final) is visible. It includes the speech
  itself (the clip starts after 1 s of silence) and the recogniser's lag.
Prints one JSON line.

    .venv/bin/python bench/pages.py
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from playwright.async_api import async_playwright

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from meeting_server.media.ice import configure_host_addresses
from tests.support.hub import DEMO_SPEC, Peer, Server, running_server
from tests.web.conftest import CHROMIUM, FLAGS, PHONE, fake_mic_clip
from tests.web.helpers import page_url

READY = "body[data-state=ready]"


async def cold_load(browser: Any, url: str) -> dict[str, float]:
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    sizes: list[tuple[str, int, int]] = []

    async def on_finished(request: Any) -> None:
        s = await request.sizes()
        sizes.append((request.resource_type, s["responseBodySize"], s["responseHeadersSize"]))

    page.on("requestfinished", on_finished)
    t0 = time.perf_counter()
    await page.goto(url)
    await page.wait_for_selector(READY)
    usable = time.perf_counter() - t0
    await page.wait_for_timeout(300)  # let the last requestfinished handlers run
    js_css = sum(b + h for kind, b, h in sizes if kind in ("script", "stylesheet"))
    total = sum(
        b + h for kind, b, h in sizes if kind in ("document", "script", "stylesheet", "image", "font")
    )
    # A second visit in the same context: the hashed assets come from the cache.
    warm_page = await context.new_page()
    t0 = time.perf_counter()
    await warm_page.goto(url)
    await warm_page.wait_for_selector(READY)
    warm = time.perf_counter() - t0
    await context.close()
    return {
        "resident_page_kb": round(total / 1024, 1),
        "resident_js_css_kb": round(js_css / 1024, 1),
        "usable_s": round(usable, 3),
        "usable_warm_s": round(warm, 3),
    }


async def caption_to_dom(browser: Any, server: Server, created: dict[str, Any], peer: Peer) -> float:
    """Median time from committing a caption on the server to seeing it in a resident page's DOM."""
    mid = created["meeting_id"]
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await page.goto(page_url(server, created, "participant"))
    await page.wait_for_selector(READY)
    rt = await server.registry.get(mid)
    assert rt is not None and rt.state is not None and rt.state.floor is not None
    floor = rt.state.floor
    delays = []
    for i in range(7):
        text = f"第{i}句测试字幕"
        t0 = time.perf_counter()
        await server.registry.execute(
            rt, Actor.system(), CommitCaption(floor.turn_id, floor.participant_id, text, 0.0, 1.0)
        )
        await page.wait_for_function(
            "(t) => document.getElementById('captions').textContent.includes(t)", arg=text
        )
        delays.append(time.perf_counter() - t0)
    await context.close()
    return round(statistics.median(delays) * 1000, 1)


async def link_to_first_caption(browser: Any, server: Server, created: dict[str, Any], mod: Peer) -> float:
    """A speaker's phone is given the floor; at that moment a listener opens the link."""
    speaker_ctx = await browser.new_context(**PHONE)
    speaker = await speaker_ctx.new_page()
    await speaker.goto(page_url(server, created, "participant"))
    await speaker.wait_for_selector(READY)
    await speaker.fill("#join-name", "王阿姨")
    await speaker.click("#join-form button[type=submit]")
    await speaker.wait_for_selector("#hand-btn:visible")
    await speaker.click("#hand-btn")
    await speaker.wait_for_selector("#my-place:visible")
    listener_ctx = await browser.new_context(**PHONE)
    listener = await listener_ctx.new_page()
    await mod.ok("GrantFloor")
    t0 = time.perf_counter()
    await listener.goto(page_url(server, created, "participant"))
    await listener.wait_for_selector("#captions .cap", timeout=60_000)
    elapsed = time.perf_counter() - t0
    await speaker_ctx.close()
    await listener_ctx.close()
    return round(elapsed, 2)


async def main() -> None:
    configure_host_addresses(("127.0.0.1",))
    with tempfile.TemporaryDirectory() as tmp:
        clip = fake_mic_clip(Path(tmp))
        async with running_server(Path(tmp) / "data", captions=True) as server, async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, args=[*FLAGS, f"--use-file-for-fake-audio-capture={clip}%noloop"]
            )
            created = await server.create_meeting(DEMO_SPEC)
            mod = Peer(server.url, created["links"]["moderator"]["token"])
            li = Peer(server.url, created["links"]["participant"]["token"])
            try:
                await mod.connect()
                await mod.join("主持人")
                await mod.ok("OpenMeeting")
                await mod.ok("StartAgendaItem", index=0)
                result: dict[str, Any] = {"bench": "pages"}
                result.update(await cold_load(browser, page_url(server, created, "participant")))
                await li.connect()
                await li.join("李师傅")
                await li.ok("RaiseHand")
                await mod.ok("GrantFloor")
                result["caption_event_to_dom_ms"] = await caption_to_dom(browser, server, created, li)
                await li.ok("YieldFloor")
                result["link_to_first_caption_s"] = await link_to_first_caption(browser, server, created, mod)
                print(json.dumps(result, ensure_ascii=False))
            finally:
                await mod.close()
                await li.close()
                await browser.close()
    configure_host_addresses(None)


if __name__ == "__main__":
    asyncio.run(main())
