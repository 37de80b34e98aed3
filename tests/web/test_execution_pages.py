"""执行监督 in headless Chromium: a meeting passes the 绿化 resolution; the 社工 opens its execution
record on a laptop (responsible party, deadline, a resident representative and a professional,
a milestone) and copies a member's link; the member on a phone files a report with a photo and stops
the work with a reason; the public progress page (no sign-in) shows the status, the report and its
photo; a month later it flags the missing report 逾期. Screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.staff.execution_helpers import GREEN, T0, pass_resolution
from tests.staff.helpers import clients
from tests.staff.topics_helpers import tiny_png, topics_world
from tests.support.hub import running_server

from .conftest import LAPTOP, PHONE
from .helpers import assert_phone_friendly, closing_pages, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_report_with_photo_then_public_page(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with (
        running_server(tmp_path) as server,
        clients(server.url, 3) as (admin, li, zhao),
        closing_pages() as pages,
    ):
        server.clock.now = T0  # the dates below are read from it
        ids = await topics_world(admin, li, zhao)
        await pass_resolution(server.url, ids)

        # The 社工 on a laptop.
        staff = pages["staff"] = await open_page(browser, server.url + "/staff/login", "staff", LAPTOP)
        page = staff.page
        await page.fill("#login-username", "li")
        await page.fill("#login-password", "li-password")
        await page.click("#login-form button[type=submit]")
        await page.wait_for_url("**/staff/c/*")
        await page.click("a:has-text('执行监督')")
        await page.wait_for_selector("body[data-state=ready]")
        assert GREEN in await page.inner_text("#new-resolution")
        await page.fill("#new-responsible", "阳光物业公司")
        await page.fill("#new-deadline", "2027-05-31")
        await page.locator(".member-row .member-person").first.select_option(label="张三（3号楼）")
        await page.click("#add-member")
        pro = page.locator(".member-row").nth(1)
        await pro.locator(".member-kind").select_option("professional")
        await pro.locator(".member-name").fill("吴工程师")
        await page.fill(".milestone-title", "完成招标")
        await page.fill(".milestone-due", "2027-01-15")
        await page.click("#new-submit")
        record = page.locator("#records > li").first
        await record.wait_for()
        assert "未开始" in await record.inner_text()
        await record.locator("button.show-links").click()
        link = record.locator(".member-link:has-text('张三') input")
        await link.wait_for()
        shown = urlsplit(await link.input_value())  # the configured public address (port 0 here)
        member_url = f"{server.url}{shown.path}?{shown.query}"
        public_path = await record.locator(".links a").get_attribute("href")
        assert public_path is not None
        await staff.shot(artifacts, "1-staff-record")

        # 张三 on his phone: a report with a photo, then 叫停 with a reason.
        phone = pages["member"] = await open_page(browser, member_url, "member", PHONE)
        page = phone.page
        await page.wait_for_selector("body[data-state=ready]")
        assert "张三" in await page.inner_text("header")
        await assert_phone_friendly(phone)
        await page.fill("#report-text", "施工方开始种植，但苗木规格明显小于合同要求。")
        photo = tmp_path / "苗木.png"
        photo.write_bytes(tiny_png(90))
        await page.set_input_files("#report-photos", str(photo))
        await page.check("#report-blocked")
        await page.click("#report-submit")
        await page.wait_for_selector("#status:has-text('受阻')")
        img = page.locator("#timeline .photos img").first
        await img.wait_for()
        await page.wait_for_function(
            "(i) => i.complete && i.naturalWidth === 2", arg=await img.element_handle()
        )
        await page.click("#stop")  # no reason: asked for one, nothing sent
        await page.wait_for_selector("#toast:has-text('请写明叫停的理由')")
        await page.fill("#stop-reason", "偷工减料：苗木规格不符，要求重新招标")
        await page.click("#stop")
        await page.wait_for_selector("#status:has-text('已叫停')")
        assert await page.locator("#restart").is_visible()
        await phone.shot(artifacts, "2-member-stopped")
        await assert_phone_friendly(phone)

        # Anyone, no sign-in, on a phone: the public progress page.
        public = pages["public"] = await open_page(browser, server.url + public_path, "public", PHONE)
        page = public.page
        await page.wait_for_selector("body[data-state=ready]")
        assert await page.inner_text("#status") == "已叫停"
        timeline = await page.inner_text("#timeline")
        assert "苗木规格明显小于合同要求" in timeline and "偷工减料" in timeline and "张三" in timeline
        img = page.locator("#timeline .photos img").first
        await page.wait_for_function(
            "(i) => i.complete && i.naturalWidth === 2", arg=await img.element_handle()
        )
        assert await page.locator(".flag.overdue").count() == 0
        await public.shot(artifacts, "3-public")
        await assert_phone_friendly(public)

        # Two months later nobody reported: the public page flags it.
        server.clock.advance(62 * 86_400)
        await page.reload()
        await page.wait_for_selector("body[data-state=ready]")
        flags = await page.inner_text("#record-card")
        assert "逾期未报" in flags and "1 个节点逾期" in flags
        await public.shot(artifacts, "4-public-overdue")
        for p in pages.values():
            p.assert_clean()
