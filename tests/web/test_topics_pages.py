"""议题征集 in headless Chromium: a resident on a phone types a topic, is shown the similar one already
submitted, supports it (附议) and submits their own anyway, with a photo; a neighbour without a personal
link supports it under his typed name and building; the 社工 on a laptop merges it into the
first, accepts the first and rejects another with a reason; the resident's page then shows each status
and reason. Screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.staff.helpers import clients
from tests.staff.topics_helpers import tiny_png, topics_world
from tests.support.hub import running_server

from .conftest import LAPTOP, PHONE
from .helpers import assert_phone_friendly, closing_pages, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST = "地下车库晚上车位不够停"


async def test_submit_similar_support_screen(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with (
        running_server(tmp_path) as server,
        clients(server.url, 4) as (admin, li, zhao, http),
        closing_pages() as pages,
    ):
        ids = await topics_world(admin, li, zhao)
        a = ids["a"]
        link = f"/api/topics/{a}/topics?t={ids['personal']['张三']}"
        first = (await http.ok("POST", link, {"title": FIRST, "body": "每天晚上九点以后地下车库就停满了"}))[
            "topic"
        ]
        gym = (await http.ok("POST", link, {"title": "健身器材坏了没人修", "body": ""}))["topic"]

        # 李四 on his phone, with his personal link: no name to type.
        res = pages["resident"] = await open_page(
            browser, f"{server.url}/c/{a}/topics?t={ids['personal']['李四']}", "resident", PHONE
        )
        page = res.page
        await page.wait_for_selector("body[data-state=ready]")
        assert "李四" in await page.inner_text("header")
        assert await page.locator("#who-name").count() == 0
        await page.fill("#topic-title", "晚上车库没有车位")
        offered = page.locator(f"#similar li[data-topic='{first['topic_id']}']")
        await offered.wait_for(state="visible")
        await res.shot(artifacts, "1-similar")
        await assert_phone_friendly(res)  # no sideways scroll at 360 px, every control ≥ 48 px
        await offered.locator("button.support").click()
        await page.wait_for_selector(f"#topics li[data-topic='{first['topic_id']}'] .tag:has-text('已附议')")
        listed = page.locator(f"#topics li[data-topic='{first['topic_id']}']")
        assert "附议 1 人" in await listed.inner_text()
        # He submits his own anyway.
        await page.fill("#topic-body", "外来车辆占了车位")
        photo = tmp_path / "车库.png"
        photo.write_bytes(tiny_png(120))
        await page.set_input_files("#topic-photos", str(photo))
        await page.click("#topic-submit")
        mine = page.locator("#topics li:has(.tag:has-text('我提出的'))")
        await mine.first.wait_for()
        assert await mine.count() == 1 and "晚上车库没有车位" in await mine.inner_text()
        img = mine.locator(".photos img")
        await img.wait_for()
        await page.wait_for_function(
            "(i) => i.complete && i.naturalWidth === 2", arg=await img.element_handle()
        )
        second_id = await mine.get_attribute("data-topic")
        scroll = await page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= PHONE["viewport"]["width"], scroll
        await res.shot(artifacts, "2-submitted")

        # 陈七 has no personal link: the community's topics link asks for his name and building.
        chen = pages["chen"] = await open_page(
            browser, f"{server.url}/c/{a}/topics?t={ids['topics_link']}", "chen", PHONE
        )
        page = chen.page
        await page.wait_for_selector("body[data-state=ready]")
        card = page.locator(f"#topics li[data-topic='{first['topic_id']}']")
        await card.locator("button.support").click()
        await page.wait_for_selector("#form-error:has-text('请先填写您的姓名和楼栋')")
        await page.fill("#who-name", "陈七")
        await page.fill("#who-building", "9号楼")
        await card.locator("button.support").click()
        await page.wait_for_selector(f"#topics li[data-topic='{first['topic_id']}'] .tag:has-text('已附议')")
        await page.reload()  # remembered on this phone
        await page.wait_for_selector(f"#topics li[data-topic='{first['topic_id']}'] .tag:has-text('已附议')")
        assert await page.input_value("#who-name") == "陈七"
        await assert_phone_friendly(chen)

        # The 社工 screens on a laptop.
        staff = pages["staff"] = await open_page(browser, server.url + "/staff/login", "staff", LAPTOP)
        page = staff.page
        await page.fill("#login-username", "li")
        await page.fill("#login-password", "li-password")
        await page.click("#login-form button[type=submit]")
        await page.wait_for_url("**/staff/c/*")
        await page.click("a:has-text('议题筛选')")
        await page.wait_for_selector("body[data-state=ready]")
        assert await page.locator("#queue > li").count() == 3
        second = page.locator(f"#queue li[data-topic='{second_id}']")
        assert FIRST in await second.locator(".suggest").inner_text()  # the engine's duplicate suggestion
        await staff.shot(artifacts, "3-queue")
        await second.locator("select.merge-into").select_option(first["topic_id"])
        await second.locator("button.merge").click()
        await page.wait_for_selector(f"#all li[data-topic='{second_id}'].status-merged")
        await page.locator(f"#queue li[data-topic='{first['topic_id']}'] button.accept").click()
        await page.wait_for_selector(f"#all li[data-topic='{first['topic_id']}'].status-accepted")
        gym_card = page.locator(f"#queue li[data-topic='{gym['topic_id']}']")
        await gym_card.locator("button.reject").click()  # no reason: asked for one, nothing sent
        await page.wait_for_selector("#toast:has-text('请写明不采纳的理由')")
        assert await page.locator(f"#queue li[data-topic='{gym['topic_id']}']").count() == 1
        await gym_card.locator("input.reject-reason").fill("属于物业报修，已转物业处理")
        await gym_card.locator("button.reject").click()
        await page.wait_for_selector(f"#all li[data-topic='{gym['topic_id']}'].status-rejected")
        assert await page.locator("#queue > li").count() == 0
        await staff.shot(artifacts, "4-screened")

        # Back on the phone: every status and reason.
        page = res.page
        await page.reload()
        await page.wait_for_selector("body[data-state=ready]")
        one = page.locator(f"#topics li[data-topic='{first['topic_id']}']")
        two = page.locator(f"#topics li[data-topic='{second_id}']")
        three = page.locator(f"#topics li[data-topic='{gym['topic_id']}']")
        assert "已采纳" in await one.inner_text()
        # 李四 supported it and wrote the topic merged into it: he counts once, with 陈七.
        assert "附议 2 人" in await one.inner_text()
        assert "其中 1 人为自报身份" in await one.inner_text()  # 陈七 typed his name on the shared link
        assert f"已合并到「{FIRST}」" in await two.inner_text()
        assert "未采纳的理由：属于物业报修，已转物业处理" in await three.inner_text()
        assert await two.locator("button.support").count() == 0
        await res.shot(artifacts, "5-results")
        await assert_phone_friendly(res)
        for p in pages.values():
            p.assert_clean()
