"""The observer page checks the meeting's record in headless Chromium: 「核验记录」 fetches every page of
log.jsonl, re-hashes each line with WebCrypto and shows 「记录已核验 · 共 N 条 · 末条哈希 …」 with the head
the server's own verifier gives; a changed line is named by its sequence number; an open named vote's
ballots are said to be withheld."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meeting_server.ledger.verify import verify_rows
from tests.ledger.test_public_log import meeting_with_votes, move_motion
from tests.support.hub import Peer, Server, running_server

from .conftest import PHONE
from .helpers import OpenPage, closing_pages, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_the_observer_page_verifies_the_record(browser: Any, tmp_path: Path) -> None:
    held: list[Peer] = []
    async with running_server(tmp_path) as server, closing_pages() as pages:
        try:
            await _check(browser, server, pages, held)
        finally:
            for p in held:
                await p.close()


async def _check(browser: Any, server: Server, pages: dict[str, OpenPage], held: list[Peer]) -> None:
    m = await meeting_with_votes(server, held)
    records = await server.registry.read_log(m["mid"])
    report = verify_rows(m["mid"], [r.row() for r in records])
    assert report.ok and report.count == m["head_seq"]
    url = f"{server.url}/m/{m['mid']}/observer?t={m['links']['observer']['token']}"
    pages["obs"] = obs = await open_page(browser, url, "obs", PHONE)
    await obs.page.click("#verify-log")
    await obs.page.wait_for_selector("#log-check[data-check=ok]", timeout=15_000)
    text = await obs.page.text_content("#log-check")
    assert text == f"记录已核验 · 共 {report.count} 条 · 末条哈希 {report.head_hash[:16]}…"
    assert await obs.page.get_attribute("#log-check", "data-head") == report.head_hash
    assert await obs.page.text_content("#log-head") == report.head_hash  # in full, to keep for --expect-head
    assert await obs.page.is_visible("#log-head")
    # The same code on a changed copy: the changed record is named.
    broken = await obs.page.evaluate(
        """async () => {
            const r = await GZ.verifyMeetingLog(document.body.dataset.meeting, document.body.dataset.token);
            const lines = r.text.split("\\n");
            lines[6] = lines[6].replace('"actor":"', '"actor":"x');
            return GZ.describeLogCheck(await GZ.verifyLogText(lines.join("\\n")));
        }"""
    )
    assert broken.startswith("记录核验未通过：第 7 条"), broken

    # A named vote now open: its ballots are withheld, and the page says so.
    mod, *voters = held
    motion = await move_motion(mod, voters[0], voters[2], "三号楼外墙修缮")
    await mod.ok("OpenVote", motion_id=motion)
    ballot = await voters[0].ok("CastVote", motion_id=motion, choice="yes")
    await obs.page.click("#verify-log")
    await obs.page.wait_for_function(
        "() => (document.querySelector('#log-check').textContent || '').includes('暂不公开')"
    )
    text = await obs.page.text_content("#log-check")
    assert text is not None and text.startswith(f"记录已核验 · 共 {ballot - 1} 条")
    assert f"（第 {ballot} 条起暂不公开：表决进行中" in text
    obs.assert_clean()
