"""A whole meeting in headless Chromium: moderator (tablet), two residents (phones), timer, recorder, hall
display and observer, each a real page on its own browser context, against the real server on loopback.

A resident speaks a recorded clip through Chromium's fake microphone over real WebRTC (loopback) and the
server's Whisper captions it. The speaking clock runs on the server's fake clock (``server.tick``), so
the countdown expires without waiting three minutes. Screenshots of every page at each step go to
``test-artifacts/<test>/``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from asr.metrics import cer
from tests.support.hub import DEMO_SPEC, Server, running_server

from .conftest import LAPTOP, PHONE, PROJECTOR, TABLET
from .helpers import OpenPage, assert_phone_friendly, closing_pages, join, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SPEC: dict[str, Any] = {
    **DEMO_SPEC,
    "settings": {**DEMO_SPEC["settings"], "speaking_limit_s": 60, "warning_s": 10},
}
SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"
REFERENCE = dict(
    line.split("\t") for line in (SPEECH / "manifest.tsv").read_text("utf-8").splitlines() if line
)


async def text(p: OpenPage, selector: str) -> str:
    value: str = await p.page.inner_text(selector)
    return value


async def wait_text(p: OpenPage, selector: str, want: str, timeout: float = 10_000) -> None:
    await p.page.wait_for_function(
        "([sel, want]) => (document.querySelector(sel)?.textContent ?? '').includes(want)",
        arg=[selector, want],
        timeout=timeout,
    )


async def captions_of_turn(server: Server, meeting_id: str, turn_id: str) -> list[str]:
    records = await server.registry.read_log(meeting_id, 0)
    return [
        r.payload["text"] for r in records if r.type == "CaptionCommitted" and r.payload["turn_id"] == turn_id
    ]


async def speak(server: Server, meeting_id: str, wang: OpenPage, captioned: list[OpenPage]) -> str:
    """The floor holder's phone speaks the clip through real WebRTC; the server's Whisper captions it.

    Waits until the committed captions of the turn read the clip well enough (or fails after 40 s), and
    until every page in ``captioned`` shows them. Returns the turn id.
    """
    await wang.page.wait_for_selector("#mic-status[data-mic=on]", timeout=15_000)
    assert await wang.page.evaluate("gzMic.pc.connectionState") == "connected"
    rt = await server.registry.get(meeting_id)
    assert rt is not None and rt.state is not None and rt.state.floor is not None
    turn_id = rt.state.floor.turn_id
    reference = REFERENCE["c01.wav"]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 40
    texts: list[str] = []
    while loop.time() < deadline:
        texts = await captions_of_turn(server, meeting_id, turn_id)
        if texts and cer([(reference, "".join(texts))]) < 0.35:
            break
        await asyncio.sleep(0.3)
    assert texts and cer([(reference, "".join(texts))]) < 0.35, texts
    for p in captioned:
        for t in texts:
            await wait_text(p, "#captions", t)
    return turn_id


async def test_whole_meeting(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    async with running_server(tmp_path, captions=True) as server, closing_pages() as pages:
        created = await server.create_meeting(SPEC)
        mid = created["meeting_id"]
        devices = {
            "moderator": TABLET,
            "timer": LAPTOP,
            "recorder": LAPTOP,
            "hall": PROJECTOR,
            "observer": LAPTOP,
        }
        for name, device in devices.items():
            pages[name] = await open_page(browser, page_url(server, created, name), name, device)
        for name in ("wang", "li"):
            pages[name] = await open_page(browser, page_url(server, created, "participant"), name, PHONE)
        mod, timer, rec, hall, obs, wang, li = (
            pages[k] for k in ("moderator", "timer", "recorder", "hall", "observer", "wang", "li")
        )

        async def shoot(step: str) -> None:
            await asyncio.gather(*(p.shot(artifacts, step) for p in pages.values()))

        # Everyone is in; the officials and residents give their names.
        await join(mod, "张主任")
        await join(timer, "计时员小陈")
        await join(rec, "记录员小刘")
        await join(wang, "王阿姨")
        await join(li, "李师傅")
        await mod.page.click("text=开始会议")
        await mod.page.click("#agenda li:first-child button")
        await wait_text(wang, "#item-title", "东门停车")
        await rec.page.fill("#ci-name", "刘大爷")
        await rec.page.fill("#ci-building", "3号楼")
        await rec.page.click("#checkin-form button")
        await wait_text(rec, "#room-people", "刘大爷")
        await shoot("1-joined")

        # A resident raises a hand and sees their place; the moderator sees the queue.
        await wang.page.click("#hand-btn")
        await wait_text(wang, "#my-place", "第 1 位")
        await wait_text(mod, "#queue", "王阿姨")
        assert await text(wang, "#hand-btn") == "放下手（取消发言）"

        # The moderator gives the floor: the phone says so and opens its microphone (real WebRTC).
        await mod.page.click("#queue li button:text('请发言')")
        await wang.page.wait_for_selector("#me-speaking", state="visible")
        assert "您正在发言" in await text(wang, "#me-speaking")
        assert await li.page.is_hidden("#me-speaking")
        await wait_text(hall, "#speaker", "王阿姨")
        await timer.page.click("#start")
        await hall.page.wait_for_selector("#clock[data-clock=normal]")

        # Wang speaks the clip through her phone's microphone; the caption reaches the hall and observers,
        # and the observer listens to the live audio stream.
        assert await obs.page.evaluate("document.getElementById('live-audio').play().then(() => true)")
        await speak(server, mid, wang, [hall, obs, wang, rec])
        await obs.page.wait_for_selector("#audio-status[data-audio=playing]")
        await obs.page.wait_for_function("() => document.getElementById('live-audio').currentTime > 1")
        await shoot("2-speaking")
        await assert_phone_friendly(wang)
        await assert_phone_friendly(li)

        # The countdown: warning at 10 s left, expiry at 0 — the phone's microphone closes.
        server.clock.advance(50.5)
        await server.tick(mid)
        await hall.page.wait_for_selector("#clock[data-clock=warning]")
        await shoot("3-warning")
        server.clock.advance(10)
        await server.tick(mid)
        await wang.page.wait_for_selector("#me-speaking", state="hidden")
        await wait_text(wang, "#toast", "发言时间到，麦克风已关闭")
        await hall.page.wait_for_selector("#clock[data-clock=expired]")
        mic = await wang.page.evaluate("({turn: gzMic.turn, pc: gzMic.pc, stream: gzMic.stream})")
        assert mic == {"turn": None, "pc": None, "stream": None}
        assert await text(hall, "#speaker") == "暂无"
        await shoot("4-expired")

        # A motion from a phone, seconded from the other phone, voted from both and by show of hands.
        await li.page.click("#motion-details summary")
        await li.page.fill("#motion-title", "东门增设临时停车位")
        await li.page.fill("#motion-text", "在东门增设十个临时停车位。")
        await li.page.click("#motion-form button")
        await wang.page.click("#motions button:text('附议')")
        await mod.page.wait_for_selector("#motions button:text('付诸表决')")
        await mod.page.click("#motions button:text('付诸表决')")
        await wang.page.wait_for_selector("#vote-card", state="visible")
        await li.page.wait_for_selector("#vote-card", state="visible")
        await wait_text(hall, "#vote-title", "东门增设临时停车位")
        await wang.page.click("#vote-buttons button[data-choice=yes]")
        await li.page.click("#vote-buttons button[data-choice=no]")
        await wait_text(wang, "#vote-done", "您已投票：赞成")
        await rec.page.fill("#h-yes", "1")
        await rec.page.click("#hands-form button")
        # Every page writes vote counts the same way (GZ.countsText); a named vote's yes/no stay hidden
        # until it closes (the meeting does not show running counts): only how many have voted.
        await wait_text(
            mod, "#vote-counts", "线上已投 2 票（结果在表决结束后公布） · 现场举手 赞成 1 · 反对 0 · 弃权 0"
        )
        await wait_text(rec, "#hands-info", "已录入：赞成 1 · 反对 0 · 弃权 0")
        await wait_text(
            hall, "#vote-info", "已投 2 票，结果在表决结束后公布 · 现场举手 赞成 1 · 反对 0 · 弃权 0"
        )
        await assert_phone_friendly(wang)
        await shoot("5-voting")
        await mod.page.click("#close-vote")
        for p in (wang, li, hall, obs):
            await wait_text(p, "#result-text", "通过 · 赞成 2 · 反对 1 · 弃权 0")
        await shoot("6-result")

        # The moderator closes the meeting (two taps); the recorder gets the draft minutes.
        close = mod.page.locator("#meeting-buttons button")
        await close.click()
        await close.click()
        await wang.page.wait_for_selector("#closed-note", state="visible")
        await rec.page.wait_for_selector("#minutes-card", state="visible")
        async with rec.page.expect_download() as download:
            await rec.page.click("#transcript-txt")
        saved = artifacts / "transcript.txt"
        await (await download.value).save_as(saved)
        assert "王阿姨" in saved.read_text("utf-8")
        await shoot("7-closed")
        # The recorder opens the minutes the server drafted from the log (editing and publishing are tested
        # in tests/summarizer/test_minutes_page.py).
        await rec.page.click("#open-minutes")
        await rec.page.wait_for_function("() => gz.view && gz.view.minutes !== null", timeout=20_000)
        await rec.page.wait_for_selector("#edit-item-0", timeout=10_000)
        minutes = await text(rec, "main")
        assert "东门增设临时停车位" in minutes and "王阿姨" in minutes
        await rec.page.screenshot(path=str(artifacts / "recorder-minutes.png"), full_page=True)

        for p in pages.values():
            p.assert_clean()
