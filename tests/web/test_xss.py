"""Names, titles, motions and captions carrying HTML/script payloads render as inert text on every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from tests.support.hub import DEMO_SPEC, Peer, running_server

from .conftest import LAPTOP, PHONE, PROJECTOR, TABLET
from .helpers import closing_pages, join, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IMG = "<img src=x onerror=window.__xss=1>"
SCRIPT = "<script>window.__xss=1</script>"
SVG = '"><svg onload=window.__xss=1>'
TITLE = SCRIPT + "议事会"
ITEM = IMG + "停车"
MOTION = SCRIPT + "动议"
MOTION_TEXT = '<a href="javascript:window.__xss=1">点我</a>'
CAPTION = IMG + "字幕"

# Elements a payload would create if it were parsed as HTML inside the page's live parts.
INJECTED = (
    "document.querySelectorAll('main img, main script, main svg, main a[href^=javascript], "
    "header img, header script, header svg')"
)


async def test_payloads_render_as_text(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    spec = {**DEMO_SPEC, "title": TITLE, "agenda": [{"title": ITEM, "planned_minutes": 10}]}
    async with running_server(tmp_path) as server, closing_pages() as pages:
        created = await server.create_meeting(spec)
        mid = created["meeting_id"]
        mod = Peer(server.url, created["links"]["moderator"]["token"])
        rec = Peer(server.url, created["links"]["recorder"]["token"])
        try:
            for peer, name in ((mod, SVG), (rec, "记录员")):
                await peer.connect()
                assert (await peer.join(name))["ok"]
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            await rec.ok("CheckInInRoom", name=SVG, building=IMG[:20])

            devices = {
                "participant": PHONE,
                "moderator": TABLET,
                "hall": PROJECTOR,
                "observer": LAPTOP,
                "recorder": LAPTOP,
            }
            for name, device in devices.items():
                pages[name] = await open_page(browser, page_url(server, created, name), name, device)
            resident = pages["participant"]
            await join(resident, IMG)
            await join(pages["moderator"], "主持人二号")
            await join(pages["recorder"], "记录员二号")
            await resident.page.click("#hand-btn")
            await mod.ok("MoveMotion", title=MOTION, text=MOTION_TEXT)
            await mod.ok("GrantFloor")
            rt = await server.registry.get(mid)
            assert rt is not None and rt.state is not None and rt.state.floor is not None
            floor = rt.state.floor
            await server.registry.execute(
                rt, Actor.system(), CommitCaption(floor.turn_id, floor.participant_id, CAPTION, 0, 1)
            )
            captioned = ("participant", "hall", "observer", "recorder")
            for name in captioned:
                await pages[name].page.wait_for_function(
                    "(want) => document.body.textContent.includes(want)", arg=CAPTION
                )
            await pages["moderator"].page.wait_for_function(
                "(want) => document.body.textContent.includes(want)", arg=IMG
            )

            for name, p in pages.items():
                page = p.page
                body = await page.inner_text("body")
                assert await page.evaluate("window.__xss") is None, name
                assert await page.evaluate(f"{INJECTED}.length") == 0, name
                assert TITLE in await page.title() and TITLE in body, name  # server-rendered, escaped
                assert ITEM in body and (CAPTION in body or name not in captioned), name
                await p.shot(artifacts, name)
                p.assert_clean()
            assert IMG in await resident.page.inner_text("#speaker")
            for name in ("participant", "moderator"):
                assert MOTION in await pages[name].page.inner_text("#motions"), name
                assert MOTION_TEXT in await pages[name].page.inner_text("#motions"), name
            assert SVG in await pages["recorder"].page.inner_text("#room-people")
            assert SVG in await pages["moderator"].page.inner_text("#people")
        finally:
            await mod.close()
            await rec.close()
