"""The pages under the socket edge's rules, in Chromium: a page refused because its link is full connects by
itself once there is room, and a resident whose connection drops while holding the floor gets the microphone
back (the server closes a socket's audio when the socket goes away; the page offers again)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from meeting_server.hub.keys import AUDIO
from tests.media.helpers import wait_until
from tests.support.hub import Peer, running_server

from .conftest import PHONE
from .helpers import closing_pages, join, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_a_page_refused_for_a_full_link_comes_in_when_there_is_room(
    tmp_path: Path, browser: Any
) -> None:
    async with (
        running_server(tmp_path, limits={"connections_per_link": 1}) as server,
        closing_pages() as pages,
    ):
        created = await server.create_meeting()
        holder = Peer(server.url, created["links"]["participant"]["token"])
        try:
            await holder.connect()
            phone = await open_page(
                browser, page_url(server, created, "participant"), "wang", PHONE, ready=False
            )
            pages["wang"] = phone
            await asyncio.sleep(1.0)
            assert await phone.page.evaluate("document.body.dataset.state") != "ready"
            assert await phone.page.evaluate("document.body.dataset.state") != "refused"  # not a dead end
            await holder.close()
            await phone.page.wait_for_selector("body[data-state=ready]", timeout=15_000)
            phone.assert_clean()
        finally:
            await holder.close()


async def test_the_microphone_comes_back_after_the_socket_drops(tmp_path: Path, browser: Any) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        created = await server.create_meeting()
        mid = created["meeting_id"]
        mod = Peer(server.url, created["links"]["moderator"]["token"])
        try:
            await mod.connect()
            await mod.join("张主任")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            phone = await open_page(browser, page_url(server, created, "participant"), "wang", PHONE)
            pages["wang"] = phone
            page = phone.page
            await join(phone, "王阿姨")
            me = await page.evaluate("gz.me")
            peers = server.app[AUDIO].peers
            await page.click("#hand-btn")
            await mod.wait_for(lambda: any(q["participant_id"] == me for q in mod.view["queue"]))
            await mod.ok("GrantFloor")
            await page.wait_for_selector("#mic-status[data-mic=on]", timeout=15_000)
            assert f"{mid}/{me}" in peers

            # The socket drops (the network stays): the server closes that socket's audio at once.
            await page.evaluate("window.firstPc = gzMic.pc; gz.socket.io.engine.close()")
            await page.wait_for_function(
                "() => gzMic.pc !== null && gzMic.pc !== window.firstPc", timeout=15_000
            )
            await page.wait_for_selector("#mic-status[data-mic=on]", timeout=15_000)
            await wait_until(lambda: f"{mid}/{me}" in peers, within=10)
            assert await page.evaluate("gzMic.pc.connectionState") == "connected"
            phone.assert_clean()
        finally:
            await mod.close()
