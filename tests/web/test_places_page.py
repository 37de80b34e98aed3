"""The 地名 staff page in headless Chromium: a 社工 signs in, goes from the roster to 地名, saves a list (one
place a line), sees a refusal with its reason for a bad one (the saved list unchanged), and the server's
configured places read-only; another community's 社工 gets the page's refusal. Screenshots in
test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.staff.helpers import Client, street_with_two_communities
from tests.support.hub import running_server

from .conftest import LAPTOP
from .helpers import OpenPage, closing_pages, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def signed_in(browser: Any, url: str, username: str, password: str) -> OpenPage:
    p = await open_page(browser, url + "/staff/login", username, LAPTOP)
    await p.page.fill("#login-username", username)
    await p.page.fill("#login-password", password)
    await p.page.click("#login-form button[type=submit]")
    await p.page.wait_for_url(url + "/staff/c/*")
    return p


async def test_staff_keep_their_communitys_place_names(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        admin = Client(server.url)
        try:
            ids = await street_with_two_communities(admin)
        finally:
            await admin.close()
        staff = pages["li"] = await signed_in(browser, server.url, "li", "li-password")
        page = staff.page
        await page.click("a:has-text('地名')")
        await page.wait_for_url(f"{server.url}/staff/c/{ids['a']}/places")
        await page.wait_for_selector("body[data-state=ready]")
        assert await page.text_content("#places") == ""  # nothing saved yet
        await page.fill("#places-text", "幸福路\n 阳光新城北门 \n\n东门菜场")
        assert await page.text_content("#places-count") == "共 3 个"
        await page.click("#places-save")
        await page.wait_for_selector("#places-status:has-text('已保存 3 个地名')")
        assert await page.locator("#places li").all_text_contents() == ["幸福路", "阳光新城北门", "东门菜场"]
        await staff.shot(artifacts, "places-saved")

        # A bad list is refused with its reason and changes nothing.
        await page.fill("#places-text", "幸福路\n<b>东门</b>")
        await page.click("#places-save")
        await page.wait_for_selector("#places-error:has-text('只能由汉字')")
        await staff.shot(artifacts, "places-refused")
        await page.reload()
        await page.wait_for_selector("body[data-state=ready]")
        assert await page.locator("#places li").all_text_contents() == ["幸福路", "阳光新城北门", "东门菜场"]
        assert await page.input_value("#places-text") == "幸福路\n阳光新城北门\n东门菜场"
        assert await page.is_hidden("#configured-card")  # this server configures no places
        staff.assert_clean()

        # Another community's 社工 cannot open it.
        other = pages["zhao"] = await signed_in(browser, server.url, "zhao", "zhao-password")
        response = await other.page.goto(f"{server.url}/staff/c/{ids['a']}/places")
        assert response is not None and response.status == 403
        assert "只能维护本社区的地名" in (await other.page.text_content("body") or "")
