"""Presence and 旁听 in the pages (headless Chromium, real server on loopback, the meeting's fake clock).

A resident closes the tab: the moderator's list says 「已断开」 and 到会 drops once the grace period is over.
A typed-name join to a meeting with a roster is 旁听: the page says so and shows no vote buttons, and a
hand only once the moderator's toggle allows it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from meeting_server.core.commands import JoinMeeting, MoveMotion, SecondMotion
from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.core.roles import Actor, Role
from meeting_server.hub.keys import HUB
from tests.support.hub import Server, running_server

from .conftest import PHONE, TABLET
from .helpers import closing_pages, join, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GRACE = 45.0


async def _wait_gone(server: Server, mid: str, pid: str) -> None:
    presence = server.app[HUB].presence
    for _ in range(250):
        if presence.connected_here(mid, pid) == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the server never saw the tab go")


async def test_a_closed_tab_shows_as_disconnected_and_leaves_attendance(
    tmp_path: Path, browser: Any, artifacts: Path
) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        created = await server.create_meeting()
        mid = created["meeting_id"]
        pages["mod"] = mod = await open_page(browser, page_url(server, created, "moderator"), "mod", TABLET)
        await join(mod, "张主任")
        phone = await open_page(browser, page_url(server, created, "participant"), "wang", PHONE)
        await join(phone, "王阿姨")
        pid = await phone.page.evaluate("gz.me")
        row = mod.page.locator(f"#people li[data-pid='{pid}']")
        await row.locator(".conn-state:has-text('在线')").wait_for()
        await mod.page.wait_for_selector("#quorum:has-text('到会 1 人')")

        await phone.context.close()  # the tab is closed
        await _wait_gone(server, mid, pid)
        server.clock.advance(GRACE - 5)
        await server.app[HUB].presence.sweep()
        await asyncio.sleep(0.3)
        assert "在线" in await row.inner_text()  # still within the grace period
        server.clock.advance(6)
        await server.app[HUB].presence.sweep()
        await row.locator(".conn-state:has-text('已断开')").wait_for()
        await mod.page.wait_for_selector("#quorum:has-text('到会 0 人')")
        await mod.shot(artifacts, "disconnected")
        mod.assert_clean()
        phone.assert_clean()


async def test_a_typed_name_in_a_roster_meeting_listens(
    tmp_path: Path, browser: Any, artifacts: Path
) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        created = await server.create_meeting()
        mid = created["meeting_id"]
        rt = await server.registry.get(mid)
        assert rt is not None
        system = Actor.system()
        roster = (Elector("r1", "王阿姨", "3号楼"), Elector("r2", "李师傅", "5号楼"), Elector("r3", "赵大姐"))
        await server.registry.execute(rt, system, SetElectorate("c-1", roster))
        # Roster people joined by their personal links (issued elsewhere): the voters (a quorum of 4: 3).
        wang, li = Actor("per-r1", Role.PARTICIPANT, "r1"), Actor("per-r2", Role.PARTICIPANT, "r2")
        for voter in (wang, li, Actor("per-r3", Role.PARTICIPANT, "r3")):
            await server.registry.execute(rt, voter, JoinMeeting(name="-"))

        pages["mod"] = mod = await open_page(browser, page_url(server, created, "moderator"), "mod", TABLET)
        await join(mod, "张主任")
        pages["guest"] = guest = await open_page(
            browser, page_url(server, created, "participant"), "guest", PHONE
        )
        await join(guest, "路过的居民")
        await guest.page.wait_for_selector("#listener-note:has-text('您以旁听身份参加，不参与表决')")
        await mod.page.wait_for_selector("#people .tag.listener:has-text('旁听')")
        await mod.page.wait_for_selector("#quorum:has-text('到会 3 人')")
        await mod.page.wait_for_selector("#quorum:has-text('旁听 1 人')")

        await mod.page.click("#meeting-buttons button:has-text('开始会议')")
        await mod.page.click("#agenda button:has-text('开始此议题') >> nth=0")
        await guest.page.wait_for_selector("#hand-hint:has-text('需主持人允许')")
        assert await guest.page.is_hidden("#hand-btn")
        assert await guest.page.is_hidden("#motion-details")

        # The chair lets listeners ask to speak: the hand appears, and the queue shows who it is.
        await mod.page.click("#listeners-buttons button:has-text('允许旁听人员举手')")
        await guest.page.click("#hand-btn")
        await mod.page.wait_for_selector("#queue .tag.listener")

        # A vote: the listener sees it happen but gets no buttons.
        await server.registry.execute(rt, wang, MoveMotion("东门车位", "增设十个车位"))
        await server.registry.execute(rt, li, SecondMotion("m1"))
        await mod.page.click("#motions button:has-text('付诸表决')")
        await mod.page.wait_for_selector("#vote-live:visible")
        await asyncio.sleep(0.5)
        assert await guest.page.is_hidden("#vote-buttons")
        assert await guest.page.is_hidden("#vote-card")
        await guest.shot(artifacts, "listener")
        mod.assert_clean()
        guest.assert_clean()
