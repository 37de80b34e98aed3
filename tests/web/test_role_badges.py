"""Role badges in the pages (headless Chromium, real server on loopback): every name shown carries what the
person is — a resident named 「张三」 shows 「居民」 in the moderator's queue, on the floor, in the captions
and the attendance; the moderator shows 「主持人」 — and a resident who types 「主持人」 as a name is refused
with the reason in Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from tests.support.hub import running_server

from .conftest import PHONE, TABLET
from .helpers import closing_pages, join, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def badges(page: Any, selector: str) -> list[tuple[str, str]]:
    """(name, badge) of every name shown under ``selector``."""
    rows: list[tuple[str, str]] = await page.eval_on_selector_all(
        selector + " .named",
        "ns => ns.map((n) => [n.querySelector('.who-name').textContent,"
        " n.querySelector('.role-badge')?.textContent ?? ''])",
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_names_carry_their_role_badge(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        created = await server.create_meeting()
        mid = created["meeting_id"]
        pages["mod"] = mod = await open_page(browser, page_url(server, created, "moderator"), "mod", TABLET)
        pages["zhang"] = zhang = await open_page(
            browser, page_url(server, created, "participant"), "zhang", PHONE
        )
        pages["fake"] = fake = await open_page(
            browser, page_url(server, created, "participant"), "fake", PHONE
        )
        pages["obs"] = obs = await open_page(browser, page_url(server, created, "observer"), "obs", PHONE)
        await join(mod, "李明")
        await mod.page.click("text=开始会议")
        await mod.page.click("#agenda li:first-child button")
        await join(zhang, "张三")

        # A resident cannot pass for the moderator by the name alone: refused, and told why.
        await fake.page.fill("#join-name", "主持人")
        await fake.page.click("#join-form button[type=submit]")
        await fake.page.wait_for_selector("#toast:has-text('职务称谓')")
        assert await fake.page.is_visible("#join-card")
        await fake.page.fill("#join-name", "张\u200b三\u202e")
        await fake.page.click("#join-form button[type=submit]")
        await fake.page.wait_for_selector("#toast:has-text('零宽字符')")

        await mod.page.wait_for_selector("#people li:has-text('张三')")
        assert sorted(await badges(mod.page, "#people")) == [("张三", "居民"), ("李明", "主持人")]
        await zhang.page.click("#hand-btn")
        await mod.page.wait_for_selector("#queue li:has-text('张三')")
        assert await badges(mod.page, "#queue") == [("张三", "居民")]
        await mod.page.click("#queue li button:text('请发言')")
        for p in (mod, obs, zhang):
            await p.page.wait_for_selector("#speaker .named")
            assert await badges(p.page, "#speaker") == [("张三", "居民")], p.name

        rt = await server.registry.get(mid)
        assert rt is not None and rt.state is not None and rt.state.floor is not None
        floor = rt.state.floor
        await server.registry.execute(
            rt, Actor.system(), CommitCaption(floor.turn_id, floor.participant_id, "东门停车的事", 0.0, 2.0)
        )
        for p in (mod, obs):
            await p.page.wait_for_selector("#captions .cap:has-text('东门停车的事')")
            assert await badges(p.page, "#captions") == [("张三", "居民")], p.name
        # The badge comes from the role, styled apart from the name.
        official = mod.page.locator("#people .role-badge[data-role=moderator]")
        assert await official.inner_text() == "主持人"
        await mod.shot(artifacts, "badges-moderator")
        await obs.shot(artifacts, "badges-observer")
        for p in (mod, zhang, obs):
            p.assert_clean()
