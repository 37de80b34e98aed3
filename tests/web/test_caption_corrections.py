"""A caption corrected on the recorder page in headless Chromium: the participant's phone and the
observer page show the corrected text with its 已更正 mark, and the drafted minutes say it too."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from meeting_server.hub.minutes import MINUTES
from tests.support.hub import running_server
from tests.web.conftest import CHROMIUM, LAPTOP, PHONE, artifacts, browser  # noqa: F401 (fixtures)
from tests.web.helpers import closing_pages, join, open_page, page_url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs chromium (scripts/bootstrap test)"),
]

HEARD = "东门停车为不够，建议增设十个。"
FIXED = "东门停车位不够，建议增设十个临时车位。"


async def test_recorder_corrects_a_caption_everyone_sees_it_and_the_minutes_have_it(
    tmp_path: Path,
    browser: Any,  # noqa: F811
    artifacts: Path,  # noqa: F811
) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        service = server.app[MINUTES]
        service.settings = dataclasses.replace(service.settings, draft_grace_s=0.1)
        created = await server.create_meeting()
        mid = created["meeting_id"]
        pages["recorder"] = await open_page(browser, page_url(server, created, "recorder"), "rec", LAPTOP)
        pages["participant"] = await open_page(browser, page_url(server, created, "participant"), "p", PHONE)
        pages["observer"] = await open_page(browser, page_url(server, created, "observer"), "obs", PHONE)
        pages["moderator"] = await open_page(browser, page_url(server, created, "moderator"), "mod", LAPTOP)
        await join(pages["recorder"], "记录员")
        await join(pages["participant"], "王阿姨")
        await join(pages["moderator"], "主持人")
        rec, wang, obs, mod = (pages[n].page for n in ("recorder", "participant", "observer", "moderator"))
        await mod.evaluate("gz.command('OpenMeeting')")
        await mod.evaluate("gz.command('StartAgendaItem', {index: 0})")
        wang_id = await wang.evaluate("gz.me")
        await mod.evaluate(f"gz.command('GrantFloor', {{participant_id: '{wang_id}'}})")
        rt = await server.registry.get(mid)
        assert rt is not None and rt.state is not None and rt.state.floor is not None
        turn = rt.state.floor.turn_id
        await server.registry.execute(rt, Actor.system(), CommitCaption(turn, wang_id, HEARD, 0.5, 4.0))

        await rec.locator("#captions .cap", has_text=HEARD).wait_for()
        line = rec.locator('#captions .cap[data-caption-id="c1"]')
        await line.locator("button.fix").click()
        field = line.locator(".fix-form input")
        assert await field.input_value() == HEARD  # the recogniser's text, to edit
        await field.fill(FIXED)
        await line.locator(".fix-form button[type=submit]").click()
        await line.locator(".fixed").wait_for()
        assert await line.locator(".what").text_content() == FIXED
        assert await line.locator(".fix-form").count() == 0

        for page in (wang, obs, mod):
            cap = page.locator("#captions .cap", has_text=FIXED)
            await cap.locator(".fixed", has_text="已更正").wait_for(timeout=10_000)
            assert await page.locator("#captions .cap", has_text=HEARD).count() == 0
        await pages["recorder"].shot(artifacts, "caption-corrected")

        # The recorder's page reloaded replays the whole log: the correction lands on the caption it names.
        await rec.reload()
        await rec.wait_for_selector("body[data-state=ready]")
        await line.locator(".fixed").wait_for(timeout=10_000)
        assert await line.locator(".what").text_content() == FIXED

        await wang.evaluate("gz.command('YieldFloor')")
        await mod.evaluate("gz.command('CloseMeeting')")
        await rec.wait_for_function("() => gz.view && gz.view.minutes !== null", timeout=15_000)
        token = created["links"]["participant"]["token"]
        async with aiohttp.ClientSession() as http:
            md = await (await http.get(f"{server.url}/api/meetings/{mid}/minutes.md?t={token}")).text()
        speech = next(ln for ln in md.splitlines() if ln.startswith("1. **王阿姨**"))
        assert FIXED in speech and HEARD not in md
        for p in pages.values():
            p.assert_clean()
