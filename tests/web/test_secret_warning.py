"""A secret vote counted partly in the hall with only two residents online, in headless Chromium: the phone
says above the vote buttons that the choice cannot stay fully secret (whoever counted the hall could take
it from the totals), and a tap still votes. The recorder's page asks for paper ballots and shows no hall
count once entered."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.hub import Peer, running_server

from .conftest import LAPTOP, PHONE
from .helpers import closing_pages, join, open_page, page_url
from .test_running_counts import wait_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_the_phone_warns_a_lone_online_voter_before_a_secret_vote(
    tmp_path: Path, browser: object, artifacts: Path
) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        created = await server.create_meeting()
        links = created["links"]
        mod, li = (
            Peer(server.url, links["moderator"]["token"]),
            Peer(server.url, links["participant"]["token"]),
        )
        rec = Peer(server.url, links["recorder"]["token"])
        try:
            phone = pages["phone"] = await open_page(
                browser, page_url(server, created, "participant"), "phone", PHONE
            )
            await join(phone, "王阿姨")
            for p, name in ((mod, "主持人"), (rec, "记录员"), (li, "李师傅")):
                await p.connect()
                assert (await p.join(name))["ok"]
            for name in ("刘大爷", "赵大姐"):
                await rec.ok("CheckInInRoom", name=name)
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            await mod.ok("MoveMotion", title="东门停车", text="东门增设十个临时停车位。")
            await li.ok("SecondMotion", motion_id="m1")
            recorder = pages["recorder"] = await open_page(
                browser, page_url(server, created, "recorder"), "recorder", LAPTOP
            )
            await join(recorder, "记录员小刘")
            await mod.ok("OpenVote", motion_id="m1", secret=True)
            await wait_text(phone, "#vote-secrecy", "线上只有 2 人可以投票")
            assert "无法完全保密" in await phone.page.inner_text("#vote-secrecy")
            await phone.shot(artifacts, "warned")
            await phone.page.click("#vote-buttons button[data-choice=yes]")
            await wait_text(phone, "#vote-done", "您已投票")
            rt = await server.registry.get(created["meeting_id"])
            assert rt is not None and rt.state is not None and rt.state.vote is not None
            assert rt.state.vote.ballots_cast == 1
            # The recorder enters the paper ballots; the page says it was entered, not what.
            await wait_text(recorder, "#hands-info", "纸质选票")
            for field, n in (("#h-yes", "0"), ("#h-no", "2"), ("#h-abstain", "0")):
                await recorder.page.fill(field, n)
            await recorder.page.click("#hands-form button[type=submit]")
            await wait_text(recorder, "#hands-info", "已录入")
            assert "反对" not in await recorder.page.inner_text("#hands-info")
            await recorder.shot(artifacts, "entered")
            for p in pages.values():
                p.assert_clean()
        finally:
            for p in (mod, li, rec):
                await p.close()
