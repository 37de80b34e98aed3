"""A meeting held entirely in the hall, in headless Chromium: the recorder's page checks in two
residents and a 列席 guest, moves for one resident and seconds for the other; the moderator's page gives
the guest the floor, opens the vote, is refused closing it before the hall's hands are in (and says why);
the recorder enters the show of hands and the motion passes. The minutes name the in-room mover; the
guest neither moves nor has a hand counted. Screenshots go to ``test-artifacts/<test>/``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.hub import DEMO_SPEC, running_server

from .conftest import LAPTOP, TABLET
from .helpers import OpenPage, closing_pages, join, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Two residents, both in the hall: a quorum of two.
SPEC: dict[str, Any] = {**DEMO_SPEC, "settings": {**DEMO_SPEC["settings"], "expected_members": 2}}
TITLE = "东门增设临时停车位"


async def wait_text(p: OpenPage, selector: str, want: str, timeout: float = 10_000) -> None:
    await p.page.wait_for_function(
        "([sel, want]) => (document.querySelector(sel)?.textContent ?? '').includes(want)",
        arg=[selector, want],
        timeout=timeout,
    )


async def toast(p: OpenPage, want: str) -> None:
    await wait_text(p, "#toast", want)
    await p.page.evaluate("document.getElementById('toast').hidden = true")


async def test_an_all_hall_meeting_votes_by_show_of_hands(
    tmp_path: Path, browser: Any, artifacts: Path
) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        created = await server.create_meeting(SPEC)
        mid = created["meeting_id"]
        mod = pages["moderator"] = await open_page(
            browser, page_url(server, created, "moderator"), "moderator", TABLET
        )
        rec = pages["recorder"] = await open_page(
            browser, page_url(server, created, "recorder"), "recorder", LAPTOP
        )

        async def shoot(step: str) -> None:
            await asyncio.gather(*(p.shot(artifacts, step) for p in pages.values()))

        await join(mod, "张主任")
        await join(rec, "记录员小刘")
        await mod.page.click("text=开始会议")
        await mod.page.click("#agenda li:first-child button")
        await wait_text(rec, "#item-title", "东门停车")

        # The recorder checks in two residents and a 列席 guest.
        for name, building in (("刘大爷", "3号楼"), ("孙奶奶", "5号楼")):
            await rec.page.fill("#ci-name", name)
            await rec.page.fill("#ci-building", building)
            await rec.page.click("#checkin-form button")
            await wait_text(rec, "#room-people", name)
        await rec.page.click("#guest-details summary")
        await rec.page.fill("#g-name", "王科长")
        await rec.page.fill("#g-org", "街道办事处")
        await rec.page.click("#guest-form button")
        await wait_text(rec, "#room-people", "列席 · 街道办事处")
        assert "现场已签到居民 2 人 · 列席 1 人" in await rec.page.inner_text("#room-count")
        await wait_text(mod, "#people", "列席")
        await shoot("1-checked-in")

        # The moderator queues the guest (labelled 列席) and gives them the floor, from the hall.
        assert "王科长（列席，街道办事处）" in await mod.page.inner_text("#add-person")
        await mod.page.select_option("#add-person", label="王科长（列席，街道办事处）")
        await mod.page.click("#add-form button")
        await wait_text(mod, "#queue", "列席")
        await mod.page.click("#queue li button:text('请发言')")
        await wait_text(mod, "#speaker", "王科长")
        await wait_text(rec, "#speaker", "当前发言：王科长列席")
        await mod.page.click("#floor-buttons button:text('收回发言权')")
        await wait_text(rec, "#speaker", "暂无发言")

        # The recorder moves for 刘大爷: the form offers the hall's residents only, never the guest.
        await rec.page.click("#behalf-details summary")
        options = await rec.page.eval_on_selector_all(
            "#behalf-mover option", "os => os.map((o) => o.textContent)"
        )
        assert options == ["刘大爷（3号楼）", "孙奶奶（5号楼）"]
        await rec.page.select_option("#behalf-mover", label="刘大爷（3号楼）")
        await rec.page.fill("#behalf-title", TITLE)
        await rec.page.fill("#behalf-text", "在东门增设十个临时停车位。")
        await rec.page.click("#behalf-form button")
        await wait_text(mod, "#motions", "提议人：刘大爷居民（现场，记录员代录）")
        # … and seconds for 孙奶奶 (the mover is not offered to second their own motion).
        seconders = await rec.page.eval_on_selector_all(
            "#rec-motions li select option", "os => os.map((o) => o.textContent)"
        )
        assert seconders == ["孙奶奶（5号楼）"]
        await rec.page.click("#rec-motions button:text('代现场人员附议')")
        await wait_text(mod, "#motions", "附议人：孙奶奶居民（现场，记录员代录）")

        # A guest does not move: sent from the recorder's page all the same, the server refuses it.
        rt = await server.registry.get(mid)
        assert rt is not None and rt.state is not None
        guest = next(p.participant_id for p in rt.state.participants.values() if p.name == "王科长")
        ack = await rec.page.evaluate(
            "(g) => gz.command('MoveMotion', {title: '列席动议', text: '内容', on_behalf_of: g})", guest
        )
        assert ack["ok"] is False and ack["error"]["code"] == "not_a_voter"
        await toast(rec, "列席人员和会务人员不参加表决")

        # The vote: the moderator sees the hall is not counted yet, and closing is refused with the reason.
        await mod.page.click("#motions button:text('付诸表决')")
        await mod.page.wait_for_selector("#vote-live", state="visible")
        await mod.page.wait_for_selector("#vote-hall", state="visible")
        assert "现场举手未录入" in await mod.page.inner_text("#vote-hall")
        await wait_text(rec, "#hands-info", "尚未录入")
        await mod.page.click("#close-vote")
        await toast(mod, "现场举手结果还没有录入")
        assert await mod.page.is_visible("#vote-live")
        await shoot("2-not-counted")

        # Three hands would count the guest: refused. Two are entered; the moderator closes; it passes.
        await rec.page.fill("#h-yes", "3")
        await rec.page.click("#hands-form button")
        await toast(rec, "超过了现场可投票人数")
        await rec.page.fill("#h-yes", "2")
        await rec.page.click("#hands-form button")
        await wait_text(rec, "#hands-info", "已录入：赞成 2 · 反对 0 · 弃权 0")
        await mod.page.wait_for_selector("#vote-hall", state="hidden")
        await wait_text(mod, "#vote-counts", "现场举手 赞成 2 · 反对 0 · 弃权 0")
        await mod.page.click("#close-vote")
        await wait_text(mod, "#results", "通过 · 赞成 2 · 反对 0 · 弃权 0")
        await wait_text(rec, "#results", "通过")
        await shoot("3-passed")

        # The meeting closes; the minutes name the in-room mover and list the guest apart.
        close = mod.page.locator("#meeting-buttons button")
        await close.click()
        await close.click()
        await rec.page.wait_for_selector("#minutes-card", state="visible")
        await rec.page.click("#open-minutes")
        await rec.page.wait_for_function("() => gz.view && gz.view.minutes !== null", timeout=20_000)
        await rec.page.wait_for_selector("#edit-item-0", timeout=10_000)
        minutes = await rec.page.inner_text("main")
        assert "动议 刘大爷（现场，记录员 记录员小刘 代录）" in minutes
        assert "附议 孙奶奶（现场，记录员 记录员小刘 代录）" in minutes
        assert "列席（不参加表决）：王科长（街道办事处）" in minutes
        await rec.page.screenshot(path=str(artifacts / "recorder-minutes.png"), full_page=True)
        async with aiohttp.ClientSession() as http:
            url = f"{server.url}/api/meetings/{mid}/minutes.md?t={created['links']['recorder']['token']}"
            md = await (await http.get(url)).text()
        assert "动议 刘大爷（现场，记录员 记录员小刘 代录）" in md

        for p in pages.values():
            p.assert_clean()
