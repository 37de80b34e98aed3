"""The staff's journey in headless Chromium: the first admin signs up with the admin token, creates a
community and a 社工's account; the 社工 signs in, imports a CSV with a bad row, imports the good rows and
edits a person, then creates a meeting for the community — at 1280×800 (a laptop) and 800×1280 (a
portrait tablet). Screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.hub import running_server

from .conftest import LAPTOP, TABLET
from .helpers import OpenPage, closing_pages, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROSTER = (
    "姓名,楼栋,单元,房号,手机尾号,出生年份,面积,分组,表决权\n"
    "张三,3号楼,2单元,301,1234,1956,89.5,议事代表、楼栋长,是\n"
    "李四,3号楼,2单元,301,,,,居民,是\n"
    "王五,4号楼,1单元,101,13800138000,1980,70,商户,否\n"
    "赵六,5号楼,1单元,501,,1949,100,居民、楼栋长,是\n"
)


async def ready(p: OpenPage) -> None:
    await p.page.wait_for_selector("body[data-state=ready]", timeout=10_000)


async def no_sideways_scroll(p: OpenPage, width: int) -> None:
    scroll = await p.page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{p.name}: the page is {scroll}px wide at {width}px"


async def test_admin_and_staff_journey(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        admin = pages["admin"] = await open_page(browser, server.url + "/staff/login", "admin", LAPTOP)
        page = admin.page
        # No admin yet: the page offers the one-time setup with the admin token.
        await page.wait_for_selector("#setup-form", state="visible")
        await admin.shot(artifacts, "1-setup")
        await page.fill("#setup-token", "wrong-token")
        await page.fill("#setup-name", "王主任")
        await page.fill("#setup-username", "wang")
        await page.fill("#setup-password", "street-admin-pw")
        await page.click("#setup-form button[type=submit]")
        await page.wait_for_selector("#setup-error:has-text('管理员口令不正确')")
        assert await page.input_value("#setup-token") == ""  # never kept
        await page.fill("#setup-token", "test-admin-token")
        await page.click("#setup-form button[type=submit]")
        await page.wait_for_url(server.url + "/staff")
        await ready(admin)

        await page.fill("#community-title", "阳光新城小区")
        await page.click("#community-form button[type=submit]")
        await page.wait_for_selector("#communities tr:has-text('阳光新城小区')")
        await page.fill("#account-name", "李社工")
        await page.fill("#account-username", "li")
        await page.select_option("#account-community", label="阳光新城小区")
        await page.fill("#account-password", "li-password")
        await page.click("#account-form button[type=submit]")
        await page.wait_for_selector("#accounts tr[data-username=li]:has-text('社工 · 阳光新城小区')")
        # The admin may disable 李社工, never themselves.
        assert await page.locator("#accounts tr[data-username=li] button:has-text('停用')").count() == 1
        assert await page.locator("#accounts tr[data-username=wang] button:has-text('停用')").count() == 0
        await no_sideways_scroll(admin, 1280)
        await admin.shot(artifacts, "2-street")
        await page.set_viewport_size(TABLET["viewport"])
        await no_sideways_scroll(admin, 800)
        await admin.shot(artifacts, "2-street-tablet")
        await page.click("#sign-out")
        await page.wait_for_url(server.url + "/staff/login")

        # The 社工 signs in and lands on their community's roster.
        staff = pages["staff"] = await open_page(browser, server.url + "/staff/login", "staff", LAPTOP)
        page = staff.page
        assert await page.is_hidden("#setup-form")
        await page.fill("#login-username", "li")
        await page.fill("#login-password", "wrong-password")
        await page.click("#login-form button[type=submit]")
        await page.wait_for_selector("#login-error:has-text('登录名或密码不正确')")
        await page.fill("#login-password", "li-password")
        await page.click("#login-form button[type=submit]")
        await page.wait_for_url("**/staff/c/*")
        await ready(staff)
        assert "阳光新城小区" in await page.inner_text("#community-title")
        assert await page.is_visible("#roster-empty")

        # Import: the check lists the bad row in Chinese; import the good rows only.
        sheet = tmp_path / "阳光新城名册.csv"
        sheet.write_text(ROSTER, encoding="utf-8")
        await page.set_input_files("#import-file", str(sheet))
        assert await page.inner_text("#import-file-name") == "阳光新城名册.csv"
        await page.click("#import-check")
        await page.wait_for_selector("#import-report", state="visible")
        summary = await page.inner_text("#import-summary")
        assert "共 4 行：可导入 3 行" in summary and "1 处问题" in summary
        problem = await page.inner_text("#import-errors tr[data-row='4']")
        assert "第 4 行" in problem and "手机尾号" in problem and "请勿填写完整号码" in problem
        assert await page.is_hidden("#import-all")
        await staff.shot(artifacts, "3-import-check")
        await page.click("#import-valid")
        await page.wait_for_selector("#persons tr:has-text('赵六')")
        assert "共 3 人" in await page.inner_text("#roster-count")
        assert "已导入 3 人" in await page.inner_text("#import-summary")

        # Edit 李四: phone tail and the household's area (张三 shares it).
        await page.click("#persons tr:has-text('李四') button.edit")
        await page.wait_for_selector("#person-card", state="visible")
        assert await page.input_value("#p-area") == "89.5"
        await page.fill("#p-phone", "12")
        await page.click("#person-form button[type=submit]")
        await page.wait_for_selector("#person-error:has-text('手机尾号应为4位数字')")
        await page.fill("#p-phone", "5678")
        await page.fill("#p-area", "92")
        await page.check("#p-groups input[value='议事代表']")
        await staff.shot(artifacts, "4-edit")
        await page.click("#person-form button[type=submit]")
        await page.wait_for_selector("#person-card", state="hidden")
        li_row = page.locator("#persons tr:has-text('李四')")
        await li_row.locator("td", has_text="5678").wait_for()
        assert "议事代表" in await li_row.inner_text()
        assert "92" in await page.inner_text("#persons tr:has-text('张三')")
        # Add one by hand, find them, and remove them (a second click confirms).
        await page.click("#add-person")
        await page.fill("#p-name", "钱八")
        await page.fill("#p-building", "6号楼")
        await page.fill("#p-room", "601")
        await page.fill("#p-age", "80岁以上")
        await page.click("#person-form button[type=submit]")
        await page.wait_for_selector("#persons tr:has-text('钱八'):has-text('80+')")
        await page.fill("#roster-search", "3号楼")
        assert await page.locator("#persons tr").count() == 2
        await page.fill("#roster-search", "")
        await no_sideways_scroll(staff, 1280)
        await staff.shot(artifacts, "4-roster")
        await page.click("#persons tr:has-text('钱八') button.remove")
        await page.click("#persons tr:has-text('钱八') button.remove")
        await page.wait_for_selector("#persons tr:has-text('钱八')", state="detached")
        await page.set_viewport_size(TABLET["viewport"])
        await no_sideways_scroll(staff, 800)
        await staff.shot(artifacts, "4-roster-tablet")
        # The 社工 creates a meeting for their community, with the same form and links as /admin.
        await page.set_viewport_size(LAPTOP["viewport"])
        await page.click("#new-meeting summary")
        await page.fill("#m-title", "阳光新城加装电梯议事会")
        await page.fill("#m-place", "社区活动中心")
        await page.fill("#m-when", "2026-12-03 19:00")
        await page.fill("#m-agenda", "3号楼加装电梯 30")
        await page.click("#create-form button[type=submit]")
        await page.wait_for_selector("#created", state="visible")
        assert await page.locator("#links tr").count() == 7
        await page.wait_for_selector("#meetings li:has-text('阳光新城加装电梯议事会'):has-text('未开始')")
        await page.wait_for_function(
            "() => [...document.querySelectorAll('#links img')].every((i) => i.naturalWidth > 0)"
        )
        await staff.shot(artifacts, "5-meeting")
        (meeting,) = [
            rt for rt in server.registry.loaded() if rt.state and rt.state.title == "阳光新城加装电梯议事会"
        ]
        assert meeting.state is not None and meeting.state.community_id == page.url.rsplit("/", 1)[-1]
        # A 社工 has no street page: /staff sends them to their roster.
        await page.goto(server.url + "/staff")
        await page.wait_for_url("**/staff/c/*")
        for p in pages.values():
            p.assert_clean()
