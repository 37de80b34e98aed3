"""公示 in headless Chromium at phone size (360 px): the public page of a resolution without login, a
resident who did not attend objecting with his personal link, day 7 passing on the fake clock, the
outcome 重新协商 on the same page and as the first item of the community's next meeting. Screenshots in
test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.publicity.driver import published_resolution
from tests.staff.helpers import clients, sign_in, staff_server
from tests.support.hub import DEMO_SPEC

from .conftest import PHONE
from .helpers import assert_phone_friendly, closing_pages, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DAY = 86_400.0


async def test_public_page_objection_and_day_7(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,), closing_pages() as pages:
        p = await published_resolution(server.url, staff)
        public = pages["public"] = await open_page(browser, server.url + p.page, "public", PHONE)
        text = await public.page.inner_text("main")
        assert "3号楼2单元加装电梯" in await public.page.inner_text("header")
        assert "公示剩余" in text and "受影响居民 4 人" in text and "已有 0 人提出异议" in text
        assert await public.page.locator("#object-form").count() == 0  # no link: read only
        await public.shot(artifacts, "publicity-1-public")
        await assert_phone_friendly(public)

        # 王叔叔 stayed home; his personal link opens the form with his name.
        own = pages["resident"] = await open_page(
            browser, f"{server.url}{p.page}?t={p.token('王叔叔')}", "resident", PHONE
        )
        assert "王叔叔，您可以提出异议" in await own.page.inner_text("#object-card")
        await own.page.click("#object")  # no reason: the browser keeps the form (required)
        assert await own.page.inner_text("#object-result") == ""
        await own.page.fill("#reason", "一楼住户用不上电梯，不应按楼层分摊。")
        await own.page.click("#object")
        await own.page.wait_for_selector("#object-result:has-text('异议已登记')")
        assert await own.page.inner_text("#objections") == "1"
        await own.shot(artifacts, "publicity-2-objected")
        await assert_phone_friendly(own)
        again = pages["again"] = await open_page(
            browser, f"{server.url}{p.page}?t={p.token('王叔叔')}", "again", PHONE
        )
        await again.page.fill("#reason", "再提一次")
        await again.page.click("#object")
        await again.page.wait_for_selector("#object-result:has-text('只能提出一次')")

        async with aiohttp.ClientSession(server.url) as http:  # 孙阿姨 too: 2 of 4 is over 20 %
            body = {"t": p.token("孙阿姨"), "reason": "费用太高"}
            assert (await (await http.post(p.api + "/objections", json=body)).json())["ok"] is True

        # Day 7 on the server's (fake) clock; the page shows the recorded outcome.
        server.clock.advance(7 * DAY + 1)
        await server.tick(p.meeting_id)
        await public.page.reload()
        await public.page.wait_for_selector("body[data-state=ready]")
        outcome = await public.page.inner_text("#outcome")
        assert outcome == "公示结果：重新协商"
        assert "列入下次议事会议程" in await public.page.inner_text("#outcome-card")
        assert await public.page.locator("#left").count() == 0
        await public.shot(artifacts, "publicity-3-redeliberate")
        await assert_phone_friendly(public)
        records = await server.registry.read_log(p.meeting_id)
        decided = [r.payload for r in records if r.type == "PublicityDecided"]
        assert decided == [
            {
                "resolution_id": p.resolution_id,
                "outcome": "redeliberate",
                "objections": 2,
                "base": 4,
                "percent": 20,
                "title": "3号楼2单元加装电梯",
                "at": server.clock.now,
            }
        ]

        # The community's next meeting opens with it: its observer page shows the carried-over item first.
        await sign_in(staff, "li", "li-password")  # a week later: the 社工 signs in again
        created = await staff.ok("POST", f"/api/communities/{p.c.community_id}/meetings", DEMO_SPEC)
        token = created["links"]["observer"]["token"]
        url = f"{server.url}/m/{created['meeting_id']}/observer?t={token}"
        nxt = pages["next"] = await open_page(browser, url, "next-agenda", PHONE)
        first = nxt.page.locator("#agenda li").first
        await first.wait_for(state="visible")
        assert "重新协商：3号楼2单元加装电梯" in await first.inner_text()
        await nxt.shot(artifacts, "publicity-4-next-agenda")
        for page in pages.values():
            page.assert_clean()
