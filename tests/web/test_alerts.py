"""The speaking clock's alerts and the moderator's captions, in headless Chromium against the real server.

The timer page and the hall display flash and beep (WebAudio) once at the warning and once at 0:00, on the
server's fake clock (``server.tick``); with the sound switched off (the default on a phone) they flash
only; a page that missed the events while away does neither when it catches up. The moderator's tablet
shows live captions, partial then committed. Screenshots go to ``test-artifacts/<test>/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from meeting_server.hub.keys import HUB
from tests.support.hub import DEMO_SPEC, Peer, Server, running_server

from .conftest import LAPTOP, PHONE, PROJECTOR, TABLET
from .helpers import OpenPage, closing_pages, join, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SPEC: dict[str, Any] = {
    **DEMO_SPEC,
    "settings": {**DEMO_SPEC["settings"], "speaking_limit_s": 60, "warning_s": 10},
}


async def alerts_of(p: OpenPage) -> dict[str, Any]:
    value: dict[str, Any] = await p.page.evaluate("({...gzAlerts})")
    return value


async def wait_alerts(p: OpenPage, **want: Any) -> None:
    """Until window.gzAlerts has these values; fails with what it has."""
    try:
        await p.page.wait_for_function(
            "(want) => Object.entries(want).every(([k, v]) => gzAlerts[k] === v)", arg=want, timeout=5_000
        )
    except Exception as e:
        raise AssertionError(f"{p.name}: want {want}, have {await alerts_of(p)}") from e


async def unlock_sound(p: OpenPage) -> None:
    """Sound is on but the browser holds it until a tap: the hint says so; tapping it starts the audio."""
    assert (await alerts_of(p))["sound"] is True
    await p.page.wait_for_selector("#alert-hint", state="visible")
    assert await p.page.inner_text("#alert-toggle") == "提示音：开"
    await p.page.click("#alert-hint")
    await wait_alerts(p, audio="running")
    await p.page.wait_for_selector("#alert-hint", state="hidden")


async def in_viewport(p: OpenPage, *selectors: str) -> None:
    """Each element is wholly on the first screen (nothing important pushed below the fold)."""
    for sel in selectors:
        box = await p.page.evaluate(
            "(sel) => { const r = document.querySelector(sel).getBoundingClientRect();"
            " return {top: r.top, bottom: r.bottom, h: innerHeight}; }",
            sel,
        )
        assert box["top"] >= 0 and box["bottom"] <= box["h"], f"{p.name}: {sel} at {box}"


async def caption(server: Server, meeting_id: str, text: str) -> None:
    rt = await server.registry.get(meeting_id)
    assert rt is not None and rt.state is not None and rt.state.floor is not None
    floor = rt.state.floor
    await server.registry.execute(
        rt, Actor.system(), CommitCaption(floor.turn_id, floor.participant_id, text, 0.0, 2.0)
    )


async def test_clock_alerts_and_moderator_captions(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        created = await server.create_meeting(SPEC)
        mid = created["meeting_id"]
        pages["moderator"] = await open_page(
            browser, page_url(server, created, "moderator"), "moderator", TABLET
        )
        pages["timer"] = await open_page(browser, page_url(server, created, "timer"), "timer", LAPTOP)
        pages["hall"] = await open_page(browser, page_url(server, created, "hall"), "hall", PROJECTOR)
        # A phone that prefers reduced motion: sound off by default, a steady colour instead of flashing.
        phone_device = {**PHONE, "reduced_motion": "reduce"}
        pages["phone"] = await open_page(browser, page_url(server, created, "timer"), "phone", phone_device)
        mod, timer, hall, phone = (pages[k] for k in ("moderator", "timer", "hall", "phone"))

        # Defaults: sound on at the timer's laptop and the hall, waiting for a tap; off on a phone.
        assert (await alerts_of(phone))["sound"] is False
        assert await phone.page.inner_text("#alert-toggle") == "提示音：关"
        assert await phone.page.is_hidden("#alert-hint")
        await hall.shot(artifacts, "0-before-tap")
        await unlock_sound(timer)
        # The hall's switch: off, remembered across a reload, and on again — that tap also unlocks the sound.
        await hall.page.click("#alert-toggle")
        await wait_alerts(hall, sound=False)
        await hall.page.wait_for_selector("#alert-hint", state="hidden")
        await hall.page.reload()
        await hall.page.wait_for_selector("body[data-state=ready]")
        assert await hall.page.inner_text("#alert-toggle") == "提示音：关"
        await wait_alerts(hall, sound=False, audio="none")
        await hall.page.click("#alert-toggle")
        await wait_alerts(hall, sound=True, audio="running")
        assert await hall.page.is_hidden("#alert-hint")

        # The moderator opens the meeting and gives a resident the floor; the timer starts the clock.
        wang = Peer(server.url, created["links"]["participant"]["token"])
        try:
            await join(mod, "张主任")
            await join(timer, "计时员小陈")
            await mod.page.click("text=开始会议")
            await mod.page.click("#agenda li:first-child button")
            await wang.connect()
            await wang.join("王阿姨")
            await wang.ok("RaiseHand")
            await mod.page.click("#queue li button:text('请发言')")
            await timer.page.click("#start")
            await hall.page.wait_for_selector("#clock[data-clock=normal]")

            # Live captions on the moderator's tablet: the partial line, then the committed one in its place.
            rt = await server.registry.get(mid)
            assert rt is not None and rt.state is not None and rt.state.floor is not None
            turn = rt.state.floor.turn_id
            partial = {"kind": "caption_partial", "turn_id": turn, "participant_id": wang.participant_id,
                       "name": "王阿姨", "text": "东门晚上", "start": 0.0, "end": 1.0}  # fmt: skip
            await server.app[HUB].send_transient(mid, partial)
            await mod.page.wait_for_selector("#captions .cap.partial:has-text('东门晚上')")
            await caption(server, mid, "东门晚上车太多了")
            await mod.page.wait_for_selector(
                "#captions .cap:not(.partial):has-text('王阿姨居民：东门晚上车太多了')"
            )
            assert await mod.page.locator("#captions .cap").count() == 1
            for i in range(8):
                await caption(server, mid, f"第{i + 2}句：停车的事情大家再商量一下")
            await mod.page.wait_for_selector("#captions .cap:has-text('第9句')")
            # A few lines that scroll, the newest in view; the floor buttons and the queue stay on screen.
            box = await mod.page.evaluate(
                "(() => { const c = document.getElementById('captions');"
                " return {h: c.clientHeight, sh: c.scrollHeight, bottom: c.scrollTop + c.clientHeight}; })()"
            )
            assert box["h"] < 160 and box["sh"] > box["h"] and box["bottom"] >= box["sh"] - 2, box
            await in_viewport(mod, "#clock", "#floor-buttons", "#captions", "#grant-head")
            for p in (timer, hall, phone):
                assert (await alerts_of(p))["flashes"] == 0
            await mod.shot(artifacts, "1-captions")

            # The warning (10 s left): each clock flashes once; the laptop and the hall beep, the phone not.
            server.clock.advance(50.5)
            await server.tick(mid)
            for p in (timer, hall, phone):
                await p.page.wait_for_selector("#clock[data-clock=warning][data-alert=warning].alerting")
            await wait_alerts(timer, beeps=1, flashes=1, last="warning")
            await wait_alerts(hall, beeps=1, flashes=1, last="warning")
            await wait_alerts(phone, beeps=0, flashes=1, last="warning")
            assert (
                await timer.page.eval_on_selector("#clock", "(c) => getComputedStyle(c).animationName")
                == "gz-flash"
            )
            assert (
                await phone.page.eval_on_selector("#clock", "(c) => getComputedStyle(c).animationName")
                == "none"
            )
            await timer.shot(artifacts, "2-warning")
            await hall.shot(artifacts, "2-warning")
            await phone.shot(artifacts, "2-warning")
            await in_viewport(hall, "#speaker", "#clock", "#alert-toggle", "#captions")

            # A hall display opened now finds the clock already warned: the colour, but no alert.
            pages["late"] = late = await open_page(
                browser, page_url(server, created, "hall"), "late", PROJECTOR
            )
            await late.page.wait_for_selector("#clock[data-clock=warning]")
            await late.page.click("#alert-hint")
            await wait_alerts(late, audio="running", flashes=0, beeps=0)

            # The flash lasts a few seconds and is not repeated by the clock's repaints.
            for p in (timer, hall, phone):
                await p.page.wait_for_selector("#clock:not([data-alert])", timeout=6_000)
            await wait_alerts(timer, beeps=1, flashes=1)
            await wait_alerts(hall, beeps=1, flashes=1)

            # The late display goes offline and misses 0:00; the others flash and play the double tone.
            await late.context.set_offline(True)
            await late.page.evaluate("gz.socket.io.engine.close()")
            await late.page.wait_for_selector("#conn:has-text('重新连接中…')")
            server.clock.advance(10)
            await server.tick(mid)
            for p in (timer, hall, phone):
                await p.page.wait_for_selector("#clock[data-clock=expired][data-alert=expired].alerting")
            await wait_alerts(timer, beeps=2, flashes=2, last="expired")
            await wait_alerts(hall, beeps=2, flashes=2, last="expired")
            await wait_alerts(phone, beeps=0, flashes=2, last="expired")
            await timer.shot(artifacts, "3-expired")
            await hall.shot(artifacts, "3-expired")
            await mod.shot(artifacts, "3-expired")
            await in_viewport(hall, "#speaker", "#clock", "#alert-toggle")

            # Back online, it catches up on FloorExpired from the log: old news, no flash and no beep.
            head = rt.seq
            await late.context.set_offline(False)
            await late.page.wait_for_selector("#conn", state="hidden", timeout=15_000)
            await late.page.wait_for_function("(seq) => Number(document.body.dataset.seq) >= seq", arg=head)
            assert (await late.page.evaluate("gz.stats"))["replayed"] >= 1
            await wait_alerts(late, flashes=0, beeps=0, last=None)
            await wait_alerts(timer, beeps=2, flashes=2)
            # Its failed reconnection attempts while offline are expected (helpers.open_page lets them be).
            for p in pages.values():
                p.assert_clean()
        finally:
            await wang.close()
