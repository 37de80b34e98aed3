"""The 数据分析 dashboards in headless Chromium: the street admin's street-wide page (KPI tiles, SVG charts,
the communities table, CSV/XLSX downloads), and a 社工 who sees their own community and is refused the
street's and another community's, in words. Screenshots in test-artifacts/."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.staff.helpers import clients, street_with_two_communities
from tests.stats.store import seed_live, stats_server

from .conftest import LAPTOP, PHONE
from .helpers import closing_pages, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _sign_in(page: Any, username: str, password: str) -> None:
    await page.fill("#login-username", username)
    await page.fill("#login-password", password)
    await page.click("#login-form button[type=submit]")


async def test_street_and_community_dashboards(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with stats_server(tmp_path) as url, clients(url, 1) as (admin_api,), closing_pages() as pages:
        ids = await street_with_two_communities(admin_api)
        await seed_live(tmp_path, {"A": ids["a"], "B": ids["b"]})

        admin = pages["admin"] = await open_page(browser, url + "/staff/login", "admin", LAPTOP)
        page = admin.page
        await _sign_in(page, "wang", "street-admin-pw")
        await page.wait_for_url("**/staff")
        await page.click("a:has-text('数据分析')")
        await page.wait_for_url("**/staff/stats")
        await page.wait_for_selector("#charts svg")
        assert await page.inner_text("#kpi-attendances") == "8"
        assert await page.inner_text("#kpi-residents") == "7"
        assert await page.inner_text("#kpi-youth") == "50.0%"
        assert await page.inner_text("#kpi-adoption") == "25.0%"
        assert await page.inner_text("#kpi-objections") == "2 / 1"
        assert await page.inner_text("#kpi-resolution-rate") == "50.0%"
        assert "尚未记录" in await page.inner_text("#not-recorded")  # no topic-led resolution here
        assert await page.locator("#charts svg").count() == 8
        # The communities' chart draws each community's bar, longest for the most attendances (7 vs 1).
        chart = page.locator("svg[aria-label='各社区参会人次']")
        widths = [
            float(w)
            for w in await chart.locator("rect").evaluate_all("rs => rs.map(r => r.getAttribute('width'))")
        ]
        assert len(widths) == 2 and widths[0] == pytest.approx(7 * widths[1])
        rows = page.locator("#communities tbody tr")
        assert await rows.count() == 2
        assert "阳光新城" in await rows.nth(0).inner_text()
        await admin.shot(artifacts, "1-street")

        async with page.expect_download() as dl:
            await page.click("#export-csv")
        csv_path = tmp_path / "street.csv"
        await (await dl.value).save_as(csv_path)
        table = {(r[0], r[1]): r[2] for r in csv.reader(io.StringIO(csv_path.read_text("utf-8-sig")))}
        assert table[("participation", "attendances_count")] == "8"
        async with page.expect_download() as dl:
            await page.click("#export-xlsx")
        xlsx_path = tmp_path / "street.xlsx"
        await (await dl.value).save_as(xlsx_path)
        assert openpyxl.load_workbook(xlsx_path).sheetnames == ["指标", "各社区", "按月"]
        admin.assert_clean()

        # The 社工 of A on a phone: their community's page; the street's and B's are refused.
        li = pages["li"] = await open_page(browser, url + "/staff/login", "li", PHONE)
        page = li.page
        await _sign_in(page, "li", "li-password")
        await page.wait_for_url("**/staff/c/*")
        await page.click("a:has-text('数据分析')")
        await page.wait_for_url(f"**/staff/c/{ids['a']}/stats")
        await page.wait_for_selector("#charts svg")
        assert await page.inner_text("#kpi-attendances") == "7"
        assert await page.locator("#communities").count() == 0
        await li.shot(artifacts, "2-community-phone")
        await page.goto(url + "/staff/stats")  # the street's: to their own instead
        await page.wait_for_url(f"**/staff/c/{ids['a']}/stats")
        response = await page.goto(url + f"/staff/c/{ids['b']}/stats")
        assert response is not None and response.status == 403
        assert "您的账号只能查看本社区的统计" in await page.inner_text("body")
        assert "幸福里" not in await page.inner_text("body")
        await li.shot(artifacts, "3-other-community-refused")
        li.assert_clean()
