"""A phone loses its connection while the meeting goes on, and catches up from its last sequence number.

Also: a batch lost in transit is detected by its sequence number and fetched again (``sync``), a reload
keeps the resident's identity and place in the queue (the session token kept on the device), and the view
the page patches with each batch's delta is the server's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from meeting_server.core.view import public_view
from tests.support.hub import Peer, Server, running_server

from .conftest import PHONE
from .helpers import closing_pages, join, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DROP_NEXT_BATCH = """() => {
  const [deliver] = gz.socket.listeners("events");
  gz.socket.off("events");
  let dropped = false;
  gz.socket.on("events", (msg) => { if (!dropped) { dropped = true; return; } deliver(msg); });
}"""


async def caption(server: Server, meeting_id: str, text: str) -> int:
    rt = await server.registry.get(meeting_id)
    assert rt is not None and rt.state is not None and rt.state.floor is not None
    floor = rt.state.floor
    records = await server.registry.execute(
        rt, Actor.system(), CommitCaption(floor.turn_id, floor.participant_id, text, 0.0, 2.0)
    )
    return records[-1].seq


async def wait_seq(page: Any, seq: int) -> None:
    await page.wait_for_function("(seq) => Number(document.body.dataset.seq) >= seq", arg=seq)


async def test_phone_catches_up_after_a_drop(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        created = await server.create_meeting()
        mid = created["meeting_id"]
        mod = Peer(server.url, created["links"]["moderator"]["token"])
        li = Peer(server.url, created["links"]["participant"]["token"])
        try:
            await mod.connect()
            await mod.join("张主任")
            await li.connect()
            await li.join("李师傅")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)

            phone = await open_page(browser, page_url(server, created, "participant"), "wang", PHONE)
            pages["wang"] = phone
            page = phone.page
            await join(phone, "王阿姨")
            await page.click("#hand-btn")
            await page.wait_for_selector("#my-place:visible")
            me = await page.evaluate("gz.me")

            # The network goes away (the phone's socket with it); the banner says so.
            await phone.context.set_offline(True)
            await page.evaluate("gz.socket.io.engine.close()")
            await page.wait_for_selector("#conn:has-text('重新连接中…')")
            await phone.shot(artifacts, "1-offline")

            # Meanwhile the meeting goes on: a round, another speaker with a caption, a motion.
            await mod.ok("OpenRound")
            await li.ok("RaiseHand")
            await mod.ok("MoveInQueue", participant_id=li.participant_id, position=1)
            await mod.ok("GrantFloor")
            await caption(server, mid, "东门晚上车太多了")
            head = await li.ok("MoveMotion", title="东门限时停车", text="晚上十点后只许本小区车辆停放。")
            welcomes = await page.evaluate("gz.stats.welcomes")

            # Back online: the phone reconnects by itself and replays exactly what it missed.
            await phone.context.set_offline(False)
            await page.wait_for_selector("#conn", state="hidden", timeout=15_000)
            await wait_seq(page, head)
            stats = await page.evaluate("gz.stats")
            assert stats["welcomes"] == welcomes + 1 and stats["snapshots"] == 0 and stats["replayed"] >= 5
            assert await page.evaluate("gz.me") == me
            assert "李师傅" in await page.inner_text("#speaker")
            assert "东门晚上车太多了" in await page.inner_text("#captions")
            assert "东门限时停车" in await page.inner_text("#motions")
            assert "第 1 位" in await page.inner_text("#my-place")  # still queued, behind nobody now
            await phone.shot(artifacts, "2-caught-up")

            # A batch lost on the way: the next one shows a gap and the page asks for the missing part.
            await page.evaluate(DROP_NEXT_BATCH)
            await caption(server, mid, "我同意晚上限时")
            head = await mod.ok("RevokeFloor")
            await wait_seq(page, head)
            assert (await page.evaluate("gz.stats"))["syncs"] == 1
            assert "我同意晚上限时" in await page.inner_text("#captions")
            assert await page.inner_text("#speaker") == "暂无"

            # A reload keeps who one is and one's place in the queue.
            await page.reload()
            await page.wait_for_selector("body[data-state=ready]")
            assert await page.is_hidden("#join-card")
            assert await page.evaluate("gz.me") == me
            assert "第 1 位" in await page.inner_text("#my-place")
            await phone.shot(artifacts, "3-reloaded")

            # Between welcomes the page patches its view with each batch's delta, to the server's own view.
            head = await mod.ok("StartAgendaItem", index=1)
            await wait_seq(page, head)
            assert (await page.evaluate("gz.stats"))["deltas"] == 1
            rt = await server.registry.get(mid)
            assert rt is not None and rt.state is not None
            held = await page.evaluate(
                "(() => { const v = Object.assign({}, gz.view); delete v.you; return v; })()"
            )
            assert held == public_view(rt.state, None, server.clock())
            phone.assert_clean()
        finally:
            await mod.close()
            await li.close()
