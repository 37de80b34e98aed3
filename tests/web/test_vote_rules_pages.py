"""The elevator vote in headless Chromium: the moderator's page opens a vote of the residents of one unit
(3号楼2单元) with a 3/4 threshold, picking the building and unit from the meeting's roster; a resident of
the unit votes from her phone and sees the rule; a resident of another building sees 「本次表决仅限…」 and
no ballot buttons; the recorder's page enters the ballot of a resident in the hall; the result on the
moderator's page says which rule was applied. Screenshots go to ``test-artifacts/<test>/``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.invite.elevator import elevator_meeting
from tests.invite.helpers import path_of, token_of
from tests.staff.helpers import Client
from tests.support.hub import Peer, running_server

from .conftest import LAPTOP, PHONE, TABLET
from .helpers import closing_pages, join, open_page
from .test_hybrid_hall_vote import wait_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_a_unit_scoped_three_quarters_vote(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        api = Client(server.url)
        try:
            c = await elevator_meeting(api)
        finally:
            await api.close()
        base = f"{server.url}/m/{c.meeting_id}"
        mod = pages["moderator"] = await open_page(
            browser, f"{base}/moderator?t={c.links['moderator']['token']}", "moderator", TABLET
        )
        rec = pages["recorder"] = await open_page(
            browser, f"{base}/recorder?t={c.links['recorder']['token']}", "recorder", LAPTOP
        )
        await join(mod, "张主任")
        await join(rec, "记录员小刘")
        await mod.page.click("text=开始会议")
        await mod.page.click("#agenda li:first-child button")
        wang = pages["wang"] = await open_page(
            browser, server.url + path_of(c.people["王阿姨"]["url"]), "wang", PHONE
        )
        zhang = pages["zhang"] = await open_page(
            browser, server.url + path_of(c.people["张三"]["url"]), "zhang", PHONE
        )
        # 王叔叔 moves, 孙阿姨 seconds (from their own phones, here socket clients); 赵老师 is in the hall.
        uncle = Peer(server.url, token_of(c.people["王叔叔"]["url"]))
        sun = Peer(server.url, token_of(c.people["孙阿姨"]["url"]))
        try:
            await uncle.connect()
            await sun.connect()
            await uncle.ok("MoveMotion", title="3号楼2单元加装电梯", text="申请加装电梯一部。")
            await wait_text(mod, "#motions", "加装电梯")
            await sun.ok("SecondMotion", motion_id="m1")
            await rec.page.fill("#door-search", "赵老师")
            await rec.page.click("#door-results li:has-text('赵老师') button")
            await wait_text(rec, "#room-people", "赵老师")

            # The moderator: scope = one unit, from the roster's buildings and units; threshold 3/4.
            await mod.page.wait_for_selector("#rule-scope-m1")
            await mod.page.select_option("#rule-scope-m1", "unit")
            await mod.page.select_option("#rule-building-m1", "3号楼")
            await mod.page.select_option("#rule-unit-m1", "2单元")
            await mod.page.select_option("#rule-threshold-m1", "three_quarters")
            await asyncio.gather(*(p.shot(artifacts, "1-rule-form") for p in (mod,)))
            await mod.page.click("#motions button:text('付诸表决')")
            await wait_text(mod, "#vote-counts", "表决范围：3号楼2单元住户")

            # In the unit: the rule is shown and she votes. Outside it: told who may vote, no buttons.
            await wait_text(
                wang, "#vote-info", "表决范围：3号楼2单元住户；通过标准：赞成票达投票数的四分之三以上"
            )
            await wang.page.click("#vote-buttons button[data-choice=yes]")
            await wait_text(wang, "#vote-done", "您已投票")
            await wait_text(zhang, "#vote-done", "本次表决仅限3号楼2单元住户参加")
            assert await zhang.page.is_hidden("#vote-buttons")
            await asyncio.gather(*(p.shot(artifacts, "2-voting") for p in (wang, zhang)))
            # Sent anyway (a stale page, a script), the server refuses it with the same words.
            ack = await zhang.page.evaluate("gz.command('CastVote', {motion_id: 'm1', choice: 'no'})")
            assert ack["error"] == {"code": "not_in_scope", "message": "本次表决仅限3号楼2单元住户参加"}
            await wait_text(zhang, "#toast", "本次表决仅限3号楼2单元住户参加")

            # The recorder enters 赵老师's ballot (no show of hands under a per-person rule).
            assert await rec.page.is_hidden("#hands-form")
            await rec.page.fill("#ballot-search", "401")  # by room, from the roster
            await wait_text(rec, "#ballot-people", "3号楼 2单元 401")
            await rec.page.click("#ballot-people li:has-text('赵老师') button:text('反对')")
            await wait_text(rec, "#ballot-people", "已录入")
            await uncle.ok("CastVote", motion_id="m1", choice="yes")
            await sun.ok("CastVote", motion_id="m1", choice="yes")
            await wait_text(mod, "#vote-counts", "已投 4 票")

            # 3 yes of 4 = exactly 3/4: carried, and the result says under which rule.
            await mod.page.click("#close-vote")
            await wait_text(mod, "#results", "结果：通过")
            results = await mod.page.inner_text("#results")
            assert "3号楼2单元住户共 4 人，开始表决时到会 4 人" in results and "四分之三" in results
            await wait_text(wang, "#result-text", "3号楼2单元住户")
            await asyncio.gather(*(p.shot(artifacts, "3-result") for p in (mod, wang)))
        finally:
            await uncle.close()
            await sun.close()
        for p in pages.values():
            p.assert_clean()
