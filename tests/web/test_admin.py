"""Creating a meeting from the admin page: the admin token is typed in, links and QR codes come back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.hub import running_server

from .conftest import LAPTOP, PHONE
from .helpers import closing_pages, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_admin_creates_a_meeting_and_gets_links(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        admin = pages["admin"] = await open_page(browser, server.url + "/admin", "admin", LAPTOP, ready=False)
        page = admin.page
        await page.fill("#m-title", "幸福路社区议事会")
        await page.fill("#m-place", "社区活动中心")
        await page.fill("#m-when", "2026-12-03 19:00")
        await page.fill("#m-agenda", "夜间噪音治理 20\n加装电梯")
        await page.fill("#admin-token", "wrong")
        await page.click("#create-form button[type=submit]")
        await page.wait_for_selector("#admin-error:has-text('管理员口令不正确')")
        assert await page.input_value("#admin-token") == ""  # never kept after use

        await page.fill("#admin-token", "test-admin-token")
        await page.click("#create-form button[type=submit]")
        await page.wait_for_selector("#created", state="visible")
        rows = page.locator("#links tr")
        assert await rows.count() == 7  # five roles, the hall display, the hall audio station
        await page.wait_for_function(
            "() => [...document.querySelectorAll('#links img')].every((i) => i.naturalWidth > 0)"
        )
        assert await page.locator("#links img").count() == 5
        hall = await page.inner_text("#links tr[data-role=hall] a")
        assert "/hall?t=" in hall
        assert "/station?t=" in await page.inner_text("#links tr[data-role=station] a")
        assert "test-admin-token" not in await page.content()
        await admin.shot(artifacts, "created")

        # The resident link from the table opens the meeting (the base URL is the server's own).
        link = await page.inner_text("#links tr[data-role=participant] a")
        path = link[link.index("/m/") :]
        resident = pages["resident"] = await open_page(browser, server.url + path, "resident", PHONE)
        assert "幸福路社区议事会" in await resident.page.inner_text("#meeting-title")
        for p in pages.values():
            p.assert_clean()


async def test_the_date_field_is_the_same_in_an_english_browser(tmp_path: Path, browser: Any) -> None:
    """An en-US Chromium shows no mm/dd/yyyy: the field is text in the form its placeholder shows, and the
    meeting is scheduled at that local time with the browser's offset."""
    async with running_server(tmp_path) as server:
        context = await browser.new_context(**LAPTOP, locale="en-US", timezone_id="Asia/Shanghai")
        try:
            page = await context.new_page()
            await page.goto(server.url + "/admin")
            field = page.locator("#m-when")
            assert await field.get_attribute("type") in (None, "text")
            assert await field.get_attribute("placeholder") == "2026-12-03 19:00"
            await page.fill("#m-title", "幸福路社区议事会")
            await page.fill("#m-place", "社区活动中心")
            await page.fill("#m-agenda", "夜间噪音治理 20")
            await page.fill("#admin-token", "test-admin-token")
            # Not a date the browser's pattern check catches (Feb 30th): the page says how to write it.
            await page.fill("#m-when", "2026-02-30 19:00")
            await page.click("#create-form button[type=submit]")
            await page.wait_for_selector("#admin-error:has-text('2026-12-03 19:00')")
            await page.fill("#m-when", "2026-12-3 9:05")
            await page.click("#create-form button[type=submit]")
            await page.wait_for_selector("#created", state="visible")
            mid = await page.inner_text("#created-id")
            rt = await server.registry.get(mid)
            assert rt is not None and rt.state is not None
            assert rt.state.scheduled_at == "2026-12-03T09:05+08:00"
        finally:
            await context.close()
