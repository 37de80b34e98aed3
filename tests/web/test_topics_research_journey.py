"""The issue's journey in headless Chromium: a resident submits a topic; a 议事代表 typing the same thing
is shown it and supports it; the 社工 accepts it; three 议事代表 research it (one writes and submits the
report with a PDF, two confirm); the 社工 creates a meeting with the topic ticked as an agenda item; the
participant's meeting page shows the item with its report link, and the topic's timeline shows the
meeting. Screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.staff.helpers import clients
from tests.staff.test_topics_research_http import PDF, REPORT, REPS, research_world
from tests.staff.topics_helpers import token_of
from tests.support.hub import running_server

from .conftest import LAPTOP, PHONE
from .helpers import closing_pages, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TITLE = "地下车库晚上车位不够停"


async def test_topic_to_research_to_agenda_to_timeline(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with (
        running_server(tmp_path) as server,
        clients(server.url, 4) as (admin, li, zhao, http),
        closing_pages() as pages,
    ):
        ids = await research_world(admin, li, zhao, http, topic=False)
        a, personal = ids["a"], ids["personal"]

        # 钱八 submits the topic on his phone.
        qian = pages["qian"] = await open_page(
            browser, f"{server.url}/c/{a}/topics?t={personal['钱八']}", "qian", PHONE
        )
        page = qian.page
        await page.wait_for_selector("body[data-state=ready]")
        await page.fill("#topic-title", TITLE)
        await page.fill("#topic-body", "每天晚上九点以后地下车库就停满了")
        await page.click("#topic-submit")
        mine = page.locator("#topics li:has(.tag:has-text('我提出的'))")
        await mine.first.wait_for()
        topic = await mine.first.get_attribute("data-topic")
        assert topic

        # 赵七 types the same thing: shown the topic, he supports it instead.
        zhao7 = pages["zhao7"] = await open_page(
            browser, f"{server.url}/c/{a}/topics?t={personal['赵七']}", "zhao7", PHONE
        )
        page = zhao7.page
        await page.wait_for_selector("body[data-state=ready]")
        await page.fill("#topic-title", "晚上车库没有车位")
        offered = page.locator(f"#similar li[data-topic='{topic}']")
        await offered.wait_for(state="visible")
        await offered.locator("button.support").click()
        await page.wait_for_selector(f"#topics li[data-topic='{topic}'] .tag:has-text('已附议')")

        # The 社工 accepts it.
        staff = pages["staff"] = await open_page(browser, server.url + "/staff/login", "staff", LAPTOP)
        page = staff.page
        await page.fill("#login-username", "li")
        await page.fill("#login-password", "li-password")
        await page.click("#login-form button[type=submit]")
        await page.wait_for_url("**/staff/c/*")
        roster_url = page.url
        await page.click("a:has-text('议题筛选')")
        await page.wait_for_selector("body[data-state=ready]")
        await page.locator(f"#queue li[data-topic='{topic}'] button.accept").click()
        await page.wait_for_selector(f"#all li[data-topic='{topic}'].status-accepted")

        # The 社工 assigns the research to three 议事代表 (two first: refused, with the reason said).
        task = page.locator(f"#all li[data-topic='{topic}'] details.research-assign")
        await task.locator("summary").click()
        for name in REPS[:2]:
            await task.locator(f"label:has-text('{name}') input").check()
        await task.locator("button.assign-research").click()
        await page.wait_for_selector("#toast:has-text('至少需要 3 名议事代表')")
        await task.locator(f"label:has-text('{REPS[2]}') input").check()
        await task.locator("button.assign-research").click()
        await page.wait_for_selector("#toast:has-text('已安排调研')")
        await staff.shot(artifacts, "research-0-assigned")
        writer = pages["writer"] = await open_page(
            browser, f"{server.url}/c/{a}/research?t={personal['张三']}", "writer", PHONE
        )
        page = writer.page
        await page.wait_for_selector(f"#tasks li[data-topic='{topic}']")
        prefix = f"#r-{topic}-"
        for name in ("situation", "demands", "proposal"):
            await page.fill(prefix + name, str(REPORT[name]))
        await page.fill(prefix + "households", str(REPORT["households"]))
        await page.fill(prefix + "questionnaires", str(REPORT["questionnaires"]))
        pdf = tmp_path / "问卷汇总.pdf"
        pdf.write_bytes(PDF)
        await page.set_input_files(prefix + "files", str(pdf))
        await page.wait_for_selector("#tasks .hint:has-text('已上传 1 个附件')")
        await page.click("#tasks button.save-draft")
        await page.wait_for_selector("#toast:has-text('草稿已保存')")
        await page.click("#tasks button.submit-report")
        await page.wait_for_selector("#tasks .badge:has-text('待确认')")
        await writer.shot(artifacts, "research-1-submitted")
        for name in REPS[1:3]:
            rep = pages[name] = await open_page(
                browser, f"{server.url}/c/{a}/research?t={personal[name]}", name, PHONE
            )
            await rep.page.locator("#tasks button.confirm").click()
            await rep.page.wait_for_selector("#toast:has-text('已确认')")
        await rep.page.wait_for_selector("#tasks .badge:has-text('已完成')")

        # Every participant reads the report under the topic.
        page = qian.page
        await page.reload()
        report = page.locator(f"#topics li[data-topic='{topic}'] details.research")
        await report.wait_for()
        text = await report.inner_text()
        assert "已完成" in text and str(REPORT["proposal"]) in text and "问卷汇总.pdf" in text
        await qian.shot(artifacts, "research-2-report")

        # The 社工 creates a meeting with the topic ticked on the form.
        page = staff.page
        await page.goto(roster_url)
        try:
            await page.wait_for_selector("body[data-state=ready]")
        except Exception:
            raise AssertionError((page.url, staff.errors, (await page.content())[:3000])) from None
        await page.click("#new-meeting summary")
        box = page.locator(f"#agenda-topics input[data-topic='{topic}']")
        await box.wait_for()
        assert "调研已完成" in await page.inner_text("#agenda-topics")
        await page.fill("#m-title", "阳光新城十二月居民议事会")
        await page.fill("#m-place", "社区活动中心二楼")
        await page.fill("#m-when", "2026-12-20 19:00")
        await box.check()
        await page.click("#create-form button[type=submit]")
        await page.wait_for_selector("#created:not([hidden])")
        await staff.shot(artifacts, "research-3-meeting")
        listing = await li.ok("GET", f"/api/communities/{a}/meetings")
        meeting = next(m for m in listing["meetings"] if m["title"] == "阳光新城十二月居民议事会")
        participant = token_of(meeting["links"]["participant"]["url"])

        # The participant's meeting page shows the agenda item and its report link; the timeline the meeting.
        res = pages["participant"] = await open_page(
            browser,
            f"{server.url}/m/{meeting['meeting_id']}/participant?t={participant}",
            "participant",
            PHONE,
        )
        page = res.page
        link = page.locator("#agenda li:has-text('" + TITLE + "') a.topic-report")
        await link.wait_for()
        assert await link.get_attribute("href") == f"/c/{a}/topics/{topic}?t={participant}"
        await res.shot(artifacts, "research-4-agenda")
        # It opens in a new tab: open the same address as the participant would.
        tl = pages["timeline"] = await open_page(
            browser, server.url + str(await link.get_attribute("href")), "timeline", PHONE
        )
        page = tl.page
        step = page.locator("#timeline li[data-kind=meeting]")
        await step.wait_for()
        assert "阳光新城十二月居民议事会" in await step.inner_text()
        kinds = await page.locator("#timeline li").evaluate_all("(ns) => ns.map((n) => n.dataset.kind)")
        assert kinds[0] == "submitted" and "support" in kinds and "screening" in kinds
        assert kinds.count("research") == 3 and kinds[-1] == "meeting"
        assert str(REPORT["situation"]) in await page.inner_text("#research-report")
        await tl.shot(artifacts, "research-5-timeline")
        for p in pages.values():
            p.assert_clean()
