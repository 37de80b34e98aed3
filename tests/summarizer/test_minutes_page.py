"""The minutes page in headless Chromium: the recorder who took part in the meeting (same browser, same
session) opens the server's draft, saves an edit and publishes. No script or CSP error on the pages."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.hub import running_server
from tests.web.conftest import CHROMIUM, LAPTOP, PHONE, artifacts, browser  # noqa: F401 (fixtures)
from tests.web.helpers import closing_pages, join, open_page, page_url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs chromium (scripts/bootstrap test)"),
]


async def test_recorder_edits_and_publishes_in_the_browser(tmp_path: Path, browser: Any) -> None:  # noqa: F811
    async with running_server(tmp_path) as server, closing_pages() as pages:
        from meeting_server.hub.minutes import MINUTES

        service = server.app[MINUTES]
        service.settings = dataclasses.replace(service.settings, draft_grace_s=0.1)
        created = await server.create_meeting()
        mid, token = created["meeting_id"], created["links"]["recorder"]["token"]
        pages["recorder"] = await open_page(
            browser, page_url(server, created, "recorder"), "recorder", LAPTOP
        )
        pages["participant"] = await open_page(browser, page_url(server, created, "participant"), "p", PHONE)
        pages["moderator"] = await open_page(browser, page_url(server, created, "moderator"), "mod", LAPTOP)
        await join(pages["recorder"], "记录员")
        await join(pages["participant"], "王阿姨")
        await join(pages["moderator"], "主持人")
        mod = pages["moderator"].page
        await mod.evaluate("gz.command('OpenMeeting')")
        await mod.evaluate("gz.command('StartAgendaItem', {index: 0})")
        await mod.evaluate(
            "gz.command('MoveMotion', {title: '东门停车', text: '增设十个车位，由物业公司负责。'})"
        )
        await mod.evaluate("gz.command('CloseMeeting')")
        await server.registry.get(mid)

        rec = pages["recorder"].page
        rec.on("dialog", lambda d: d.accept())
        await rec.wait_for_function("() => gz.view && gz.view.minutes !== null", timeout=15_000)
        await rec.goto(f"{server.url}/m/{mid}/minutes?t={token}")
        await rec.wait_for_selector("#edit-item-0", timeout=10_000)
        await rec.fill("#edit-item-0", "记录员修改：东门停车位问题另行讨论。")
        await rec.click("#edit-item-0 + button")
        await rec.wait_for_function("() => document.body.textContent.includes('已保存')", timeout=10_000)
        await rec.click("#publish")
        await rec.wait_for_selector(".status-published", timeout=15_000)
        assert "记录员修改：东门停车位问题另行讨论。" in await rec.text_content("#s-item-0")
        pages["recorder"].assert_clean()
        pages["participant"].assert_clean()
