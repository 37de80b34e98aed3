"""Personal invitations in headless Chromium: the 社工 opens a meeting's invitations from the roster page,
a resident opens their personal link and is in the meeting under their roster name with nothing typed, a
second phone with the same link takes over (the first says so), the recorder checks people in at the door
by short code and by search, and a revoked link is dropped from the phone holding it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.invite.helpers import community_meeting, path_of
from tests.staff.helpers import Client
from tests.support.hub import running_server

from .conftest import LAPTOP, PHONE
from .helpers import OpenPage, closing_pages, join, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _staff_page(browser: Any, url: str, cookie: str) -> OpenPage:
    context = await browser.new_context(**LAPTOP, locale="zh-CN")
    await context.add_cookies([{"name": "gongzhi_staff", "value": cookie, "url": url}])
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: d.accept())  # the confirm() before revoking
    return OpenPage("staff", context, page, errors)


async def test_invitation_personal_join_takeover_and_door(
    tmp_path: Path, browser: Any, artifacts: Path
) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        api = Client(server.url)
        try:
            c = await community_meeting(api)
            cookie = api.cookie()
        finally:
            await api.close()
        assert cookie is not None

        # The 社工: roster page → the meeting's invitations.
        staff = pages["staff"] = await _staff_page(browser, server.url, cookie)
        page = staff.page
        await page.goto(f"{server.url}/staff/c/{c.community_id}")
        await page.click(f"#meetings li[data-meeting='{c.meeting_id}'] a.invite-link")
        await page.wait_for_selector("body[data-state=ready]")
        row = page.locator("#people tr", has_text="王阿姨")
        link = await row.locator("input.link").input_value()
        code_liu = await page.locator("#people tr", has_text="刘大爷").locator("td.code").inner_text()
        assert link == c.people["王阿姨"]["url"] and code_liu == c.people["刘大爷"]["code"]
        await page.wait_for_function(
            "[...document.querySelectorAll('#people img.qr')].every((i) => i.naturalWidth > 0)"
        )
        assert await page.get_attribute("#print-slips", "href") == c.base + "/invitations.pdf"
        await staff.shot(artifacts, "1-invitations")

        # 王阿姨's phone opens her link: in the meeting as 王阿姨, no name to type.
        phone = pages["phone"] = await open_page(browser, server.url + path_of(link), "phone", PHONE)
        await phone.page.wait_for_selector("#me-name:has-text('王阿姨')")
        assert await phone.page.is_hidden("#join-card")
        await phone.shot(artifacts, "2-personal-join")

        # Her grandson opens the same link on a tablet: it takes over, the phone says so and stays off.
        tablet = pages["tablet"] = await open_page(browser, server.url + path_of(link), "tablet", PHONE)
        await tablet.page.wait_for_selector("#me-name:has-text('王阿姨')")
        await phone.page.wait_for_selector("body[data-state=taken_over]")
        await phone.page.wait_for_selector(".fatal:has-text('您已在另一台设备上进入会议')")
        await phone.shot(artifacts, "3-taken-over")

        # The recorder at the door.
        rec = pages["recorder"] = await open_page(
            browser,
            f"{server.url}/m/{c.meeting_id}/recorder?t={c.links['recorder']['token']}",
            "recorder",
            LAPTOP,
        )
        await join(rec, "记录员小周")
        await rec.page.wait_for_selector("#door-card", state="visible")
        await rec.page.fill("#door-code", code_liu)
        await rec.page.click("#door-code-form button[type=submit]")
        await rec.page.wait_for_selector("#room-people li:has-text('刘大爷')")
        await rec.page.fill("#door-search", "1234")  # 王阿姨's phone tail
        result = rec.page.locator("#door-results li", has_text="王阿姨")
        await result.locator(".tag:has-text('已线上参会')").wait_for()
        await result.locator("button:has-text('签到')").click()
        await rec.page.wait_for_selector("#room-people li:has-text('王阿姨')")
        await rec.shot(artifacts, "4-door")
        named = await rec.page.evaluate(
            "window.gz.view.participants.filter((p) => p.name === '王阿姨').map((p) => p.channel)"
        )
        assert named == ["room"]  # one person, one participant: now in the hall

        # The 社工 revokes 王阿姨's invitation: the tablet holding it is dropped.
        await page.reload()
        await page.wait_for_selector("body[data-state=ready]")
        await page.locator("#people tr", has_text="王阿姨").locator("button.revoke").click()
        await page.wait_for_selector(".toast:has-text('已作废')")
        assert await page.locator("#people tr", has_text="王阿姨").locator("input.link").input_value() != link
        await tablet.page.wait_for_selector("body[data-state=link_revoked]")
        await tablet.page.goto(server.url + path_of(link))
        await tablet.page.wait_for_selector("text=此链接已被收回")
        for p in (staff, phone, rec):
            p.assert_clean()
