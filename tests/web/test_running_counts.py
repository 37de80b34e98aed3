"""Running counts as a meeting's setting, in headless Chromium: created from the admin page with
「实时显示票数」 ticked, the hall shows a named vote's yes/no as ballots come in; by default the hall and the
moderator show only 「已投 N 票」 until the close, and a secret vote never shows more. Ballots come from
socket.io clients (the phone's voting is walked in test_whole_meeting)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.hub import Peer, Server, running_server

from .conftest import LAPTOP, TABLET
from .helpers import OpenPage, closing_pages, join, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def wait_text(p: OpenPage, selector: str, want: str, timeout: float = 10_000) -> None:
    await p.page.wait_for_function(
        "([sel, want]) => (document.querySelector(sel)?.textContent ?? '').includes(want)",
        arg=[selector, want],
        timeout=timeout,
    )


async def residents_vote(server: Server, created: dict[str, Any], mod: Peer, secret: bool) -> list[Peer]:
    """Three residents join; one moves, one seconds; the moderator opens the vote; two vote yes and no."""
    voters = [Peer(server.url, created["links"]["participant"]["token"]) for _ in range(3)]
    for i, v in enumerate(voters):
        await v.connect()
        assert (await v.join(f"居民{i}"))["ok"]
    await voters[0].ok("MoveMotion", title="东门增设车位", text="增设十个临时停车位。")
    await mod.wait_for(lambda: any(e["type"] == "MotionMoved" for e in mod.events))
    motion_id = [e for e in mod.events if e["type"] == "MotionMoved"][-1]["payload"]["motion_id"]
    await voters[1].ok("SecondMotion", motion_id=motion_id)
    await mod.ok("OpenVote", motion_id=motion_id, secret=secret)
    await voters[0].ok("CastVote", motion_id=motion_id, choice="yes")
    await voters[1].ok("CastVote", motion_id=motion_id, choice="no")
    return voters


async def test_running_counts_follow_the_meeting_setting(
    tmp_path: Path, browser: Any, artifacts: Path
) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        admin = pages["admin"] = await open_page(browser, server.url + "/admin", "admin", LAPTOP, ready=False)
        page = admin.page
        await page.fill("#m-title", "幸福路社区议事会")
        await page.fill("#m-place", "社区活动中心")
        await page.fill("#m-when", "2026-12-03 19:00")
        await page.fill("#m-agenda", "东门停车 20")
        await page.fill("#m-expected", "4")
        await page.check("#m-running")
        await page.fill("#admin-token", "test-admin-token")
        await page.click("#create-form button[type=submit]")
        await page.wait_for_selector("#created", state="visible")
        shown_id = await page.inner_text("#created-id")
        rt = await server.registry.get(shown_id)
        assert rt is not None and rt.state is not None and rt.state.settings.show_running_counts

        # The default meeting (no setting) and the one from the form, each watched on a hall display.
        plain = await server.create_meeting()
        shown = {"meeting_id": shown_id, "links": {"hall": {"token": await _hall_token(page)}}}
        for name, created in (("hall-plain", plain), ("hall-shown", shown)):
            pages[name] = await open_page(browser, page_url(server, created, "hall"), name, TABLET)
        mod_page = pages["moderator"] = await open_page(
            browser, page_url(server, plain, "moderator"), "moderator", TABLET
        )
        await join(mod_page, "张主任")
        peers: list[Peer] = []
        try:
            for created in (plain, {"meeting_id": shown_id, "links": await _links(page)}):
                mod = Peer(server.url, created["links"]["moderator"]["token"])
                peers.append(mod)
                await mod.connect()
                assert (await mod.join("主持人"))["ok"]
                await mod.ok("OpenMeeting")
                await mod.ok("StartAgendaItem", index=0)
                peers += await residents_vote(server, created, mod, secret=False)
            await wait_text(pages["hall-shown"], "#vote-info", "已投 2 票 · 线上 赞成 1 · 反对 1 · 弃权 0")
            await wait_text(pages["hall-plain"], "#vote-info", "已投 2 票，结果在表决结束后公布")
            await wait_text(mod_page, "#vote-counts", "线上已投 2 票（结果在表决结束后公布）")
            assert "赞成" not in await pages["hall-plain"].page.inner_text("#vote-info")
            for p in pages.values():
                await p.shot(artifacts, "voting")
            # Closed: the totals everywhere.
            await mod_page.page.click("#close-vote")
            await wait_text(pages["hall-plain"], "#result-text", "赞成 1 · 反对 1 · 弃权 0")
            for p in pages.values():
                p.assert_clean()
        finally:
            for peer in peers:
                await peer.close()


async def _links(page: Any) -> dict[str, dict[str, str]]:
    """Every role's token from the admin page's table of links (the meeting it just created)."""
    out: dict[str, dict[str, str]] = {}
    for role in ("moderator", "participant", "observer", "hall"):
        url = await page.inner_text(f"#links tr[data-role={role}] a")
        out[role] = {"token": url.split("t=", 1)[1]}
    return out


async def _hall_token(page: Any) -> str:
    return (await _links(page))["hall"]["token"]
