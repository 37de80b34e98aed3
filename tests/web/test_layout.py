"""Every page at every device size, in headless Chromium, in the states people actually see.

A meeting is driven by socket.io peers (tests/support/hub.py) through its life — scheduled, open with no
item, a speaker given the floor, the clock running with captions, a vote open right after a floor ran out,
the result with the next speaker, closed — and at each step every page is measured at every size of its
device class: phone 360×640 and 360×740, tablet 800×1280, laptop 1280×800, projector 1280×720 and
1920×1080. The officials' pages and the resident's phone share the session of a peer (as a person's
second device would), so they show what that person sees without clicking through a join form.

Each page at each size must have: no sideways scrolling; the page's key elements (KEYS, per page and
size) wholly on the first screen; clock labels that never break inside a word; no heading without visible
content under it; on phones, touch targets of at least 48 px. A screenshot of each page × size × step goes
to ``test-artifacts/test_layout/``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from meeting_server.hub.keys import HUB
from tests.support.hub import DEMO_SPEC, Peer, Server, running_server

from .conftest import ARTIFACTS, LAPTOP, PHONE, PHONE_SMALL, PROJECTOR, PROJECTOR_HD, TABLET
from .helpers import OpenPage, assert_phone_friendly, closing_pages, open_page, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SPEC: dict[str, Any] = {
    **DEMO_SPEC,
    "title": "幸福路社区第三季度居民议事会",
    "agenda": [
        {"title": "东门停车难怎么办", "planned_minutes": 20},
        {"title": "3号楼加装电梯的费用分摊", "planned_minutes": 30},
        {"title": "其他事项", "planned_minutes": 10},
    ],
}

# Device classes: pages opened once per class (touch and mobile are fixed per browser context) and
# resized to each of its sizes.
KINDS: dict[str, dict[str, Any]] = {
    "phone": {"device": PHONE, "sizes": [PHONE_SMALL["viewport"], PHONE["viewport"]]},
    "tablet": {"device": TABLET, "sizes": [TABLET["viewport"]]},
    "desktop": {
        "device": LAPTOP,
        "sizes": [LAPTOP["viewport"], PROJECTOR["viewport"], PROJECTOR_HD["viewport"]],
    },
}

# The pages of the meeting, and whose session (a peer's) each opens with.
MEETING_PAGES = ("participant", "moderator", "timer", "recorder", "hall", "observer", "station")
SESSIONS = {"moderator": "mod", "timer": "timer", "recorder": "rec", "station": "rec"}

# What must be on the first screen without scrolling, by page: (selectors, size classes where it applies,
# unless this selector is visible). A selector that matches nothing visible in the current state is skipped
# (e.g. the result card while a vote is open). The projector and the timer show everything at once; the
# phone keeps what a resident must act on (their turn to speak, the vote buttons, else the floor and the
# hand) above the fold.
LANDSCAPE = ("laptop", "projector")
EVERY = ("phone", "tablet", *LANDSCAPE)
Keys = tuple[tuple[str, ...], tuple[str, ...], str | None]
KEYS: dict[str, list[Keys]] = {
    "hall": [
        (
            ("#speaker", "#clock", "#vote-card", "#result-card", "#captions-card", "#alert-toggle"),
            LANDSCAPE,
            None,
        ),
    ],
    "timer": [(("#speaker", "#clock", "#clock-buttons button", "#alert-toggle"), EVERY, None)],
    "station": [(("#station-start", "#station-status", "#now-playing"), ("tablet", *LANDSCAPE), None)],
    "moderator": [
        (("#speaker", "#clock", "#floor-buttons button", "#captions"), ("tablet", *LANDSCAPE), None)
    ],
    "participant": [
        (("#join-card button", "#me-speaking", "#vote-buttons button", "#vote-done"), EVERY, None),
        (("#hand-btn", "#hand-hint", "#my-place", "#speaker", "#clock"), EVERY, "#vote-card"),
    ],
    "observer": [(("#speaker", "#clock"), EVERY, None)],
}

# The measurements in the page: sideways scrolling, key elements, broken words, empty headings.
MEASURE = (Path(__file__).parent / "layout_measure.js").read_text("utf-8")


def size_class(viewport: dict[str, int]) -> str:
    w, h = viewport["width"], viewport["height"]
    if w < 600:
        return "phone"
    if h > w:
        return "tablet"
    return "projector" if h <= 720 or w >= 1920 else "laptop"


async def keys_for(p: OpenPage, page: str, viewport: dict[str, int]) -> list[str]:
    cls = size_class(viewport)
    keys = []
    for sels, where, unless in KEYS.get(page, []):
        if cls in where and not (unless and await p.page.is_visible(unless)):
            keys += sels
    return keys


async def check(p: OpenPage, page: str, viewport: dict[str, int], step: str, folder: Path) -> list[str]:
    """Resize to ``viewport``, let it lay out, screenshot it and list what is wrong."""
    await p.page.set_viewport_size(viewport)
    await p.page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    await p.page.evaluate("window.scrollTo(0, 0)")
    size = f"{viewport['width']}x{viewport['height']}"
    await p.page.screenshot(path=str(folder / f"{step}-{p.name}-{size}.png"), full_page=True)
    m = await p.page.evaluate(MEASURE, await keys_for(p, page, viewport))
    where = f"{step} {p.name} {size}"
    problems = []
    if m["width"] > m["vw"]:
        problems.append(f"{where}: scrolls sideways ({m['width']} > {m['vw']} px): {m['wide']}")
    problems += [f"{where}: off the first screen: {s}" for s in m["offscreen"]]
    problems += [f"{where}: broken inside a word: {s}" for s in m["broken"]]
    problems += [f"{where}: empty heading {s!r}" for s in m["empty"]]
    if size_class(viewport) == "phone":
        try:
            await assert_phone_friendly(p)
        except AssertionError as e:
            problems.append(f"{where}: {e}")
    return problems


async def toast_clear_of_captions(p: OpenPage, folder: Path) -> None:
    """A toast (here: the one a resident gets when the floor ends) covers no captions on a phone, with the
    captions where a reader keeps them, and a tap dismisses it."""
    await p.page.evaluate("document.getElementById('captions').scrollIntoView({block: 'center'})")
    await p.page.evaluate("GZ.toast('发言时间到，麦克风已关闭', 'info')")
    boxes = await p.page.evaluate(
        "['toast', 'captions'].map((id) => document.getElementById(id).getBoundingClientRect().toJSON())"
    )
    await p.page.screenshot(path=str(folder / f"5-toast-{p.name}.png"))
    toast, captions = boxes
    assert toast["bottom"] <= captions["top"] or toast["top"] >= captions["bottom"], boxes
    assert toast["height"] < 80, toast
    await p.page.click("#toast")
    await p.page.wait_for_selector("#toast", state="hidden")


async def caption(server: Server, meeting_id: str, text: str) -> None:
    rt = await server.registry.get(meeting_id)
    assert rt is not None and rt.state is not None and rt.state.floor is not None
    floor = rt.state.floor
    await server.registry.execute(
        rt, Actor.system(), CommitCaption(floor.turn_id, floor.participant_id, text, 0.0, 2.0)
    )


async def give_session(p: OpenPage, meeting_id: str, role: str, session: str | None) -> None:
    """This page becomes the peer's second device: its session in localStorage, then a reload."""
    assert session
    key = f"gongzhi:session:{meeting_id}:{role}"
    await p.page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, session])
    await p.page.reload()
    await p.page.wait_for_selector("body[data-state=ready]", timeout=10_000)


async def until(p: OpenPage, js: str, arg: Any = None) -> None:
    await p.page.wait_for_function(js, arg=arg, timeout=10_000)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("kind", list(KINDS))
async def test_layout(kind: str, tmp_path: Path, browser: Any) -> None:
    folder = ARTIFACTS / "test_layout"
    folder.mkdir(parents=True, exist_ok=True)
    device, sizes = KINDS[kind]["device"], KINDS[kind]["sizes"]
    problems: list[str] = []
    async with running_server(tmp_path) as server, closing_pages() as pages:
        created = await server.create_meeting(SPEC)
        mid = created["meeting_id"]
        tokens = {role: link["token"] for role, link in created["links"].items()}
        peers = {
            "mod": Peer(server.url, tokens["moderator"]),
            "timer": Peer(server.url, tokens["timer"]),
            "rec": Peer(server.url, tokens["recorder"]),
            "wang": Peer(server.url, tokens["participant"]),
            "li": Peer(server.url, tokens["participant"]),
            "zhao": Peer(server.url, tokens["participant"]),
        }
        names = {"mod": "张主任", "timer": "计时员小陈", "rec": "记录员小刘", "wang": "王阿姨",
                 "li": "李大爷", "zhao": "赵阿姨"}  # fmt: skip
        try:
            for key, peer in peers.items():
                await peer.connect()
                assert (await peer.join(names[key]))["ok"]
            mod, timer, rec, wang, li, zhao = (
                peers[k] for k in ("mod", "timer", "rec", "wang", "li", "zhao")
            )

            # Static pages: the home page, the admin form (empty, then with the links of a meeting) and an
            # error page.
            statics = {
                "index": server.url + "/",
                "admin": server.url + "/admin",
                "error": f"{server.url}/m/{mid}/participant?t=broken",
            }
            for name, url in statics.items():
                pages[name] = await open_page(browser, url, f"{name}-{kind}", device, ready=False)
            for name in statics:
                for vp in sizes:
                    problems += await check(pages[name], name, vp, "0", folder)
            admin = pages["admin"].page
            await admin.fill("#m-title", "幸福路社区议事会")
            await admin.fill("#m-place", "社区活动中心")
            await admin.fill("#m-when", "2026-12-03 19:00")
            await admin.fill("#m-agenda", "夜间噪音治理 20\n加装电梯")
            await admin.fill("#admin-token", "test-admin-token")
            await admin.click("#create-form button[type=submit]")
            await admin.wait_for_selector("#created", state="visible")
            for vp in sizes:
                problems += await check(pages["admin"], "admin", vp, "1-created", folder)

            for name in MEETING_PAGES:
                p = await open_page(browser, page_url(server, created, name), f"{name}-{kind}", device)
                pages[name] = p
                if name in SESSIONS:
                    role = "recorder" if name == "station" else name
                    await give_session(p, mid, role, peers[SESSIONS[name]].session)
            part = pages["participant"]

            async def step(name: str, settle: Callable[[], Awaitable[None]] | None = None) -> None:
                """Wait until every page has the peers' latest event, then measure them all."""
                seq = max(peer.last_seq for peer in peers.values())
                for n in MEETING_PAGES:
                    await until(pages[n], "(s) => Number(document.body.dataset.seq) >= s", seq)
                if settle:
                    await settle()
                for n in MEETING_PAGES:
                    for vp in sizes:
                        problems.extend(await check(pages[n], n, vp, name, folder))

            # 0: scheduled; the resident has not joined yet (the join form, nothing else to do).
            await step("0-scheduled")

            # 1: open, no item yet; the resident is in (李大爷's phone) and is told when hands go up.
            await give_session(part, mid, "participant", li.session)
            await mod.ok("OpenMeeting")
            await rec.ok("CheckInInRoom", name="刘大爷", building="3号楼", unit="2单元")
            await step("1-open")
            assert await part.page.is_visible("#hand-hint")
            assert "议题开始后可举手" in await part.page.inner_text("#hand-hint")
            assert await part.page.is_hidden("#hand-btn")

            # 2: the first item; 王阿姨 has the floor, the clock not started; 李大爷 queues, moves a motion.
            await mod.ok("StartAgendaItem", index=0)
            await mod.ok("OpenRound")
            await wang.ok("RaiseHand")
            await li.ok("RaiseHand")
            await zhao.ok("RaiseHand")
            await mod.ok("GrantFloor")
            await li.ok(
                "MoveMotion", title="东门增设临时停车位", text="在东门内侧增设十个临时停车位，夜间开放。"
            )
            await step("2-ready")
            # Only people in the hall are added to the queue by the moderator; online residents raise
            # their own hand.
            options = await pages["moderator"].page.eval_on_selector_all(
                "#add-person option", "(os) => os.map((o) => o.textContent)"
            )
            assert options and all("刘大爷" in o for o in options), options

            # 3: the clock runs; captions come in (a partial line, then committed ones).
            await timer.ok("StartClock")
            for text in ("东门晚上车停得太多了，消防通道经常被堵住。", "我建议在东门内侧划出临时停车位。",
                         "晚上十点以后开放，早上七点以前开走。"):  # fmt: skip
                await caption(server, mid, text)
            rt = await server.registry.get(mid)
            assert rt is not None and rt.state is not None and rt.state.floor is not None
            partial = {"kind": "caption_partial", "turn_id": rt.state.floor.turn_id,
                       "participant_id": wang.participant_id, "name": "王阿姨",
                       "text": "另外白天也要有人管", "start": 0.0, "end": 1.0}  # fmt: skip
            await server.app[HUB].send_transient(mid, partial)
            await step("3-speaking")

            # 4: the floor runs out and the moderator puts the seconded motion to the vote at once: the
            # 「时间到」 of the ended floor must not stay up over the vote.
            await caption(server, mid, "另外白天也要有人管。")  # the partial line, now final
            await zhao.ok("SecondMotion", motion_id=mod.view["motions"][0]["motion_id"])
            await mod.wait_seq(zhao.last_seq)
            motion_id = mod.view["motions"][0]["motion_id"]
            server.clock.advance(181)
            await server.tick(mid)
            await until(pages["hall"], "() => document.getElementById('clock').dataset.clock === 'expired'")
            await mod.ok("OpenVote", motion_id=motion_id)
            await wang.ok("CastVote", motion_id=motion_id, choice="yes")
            await zhao.ok("CastVote", motion_id=motion_id, choice="yes")
            await rec.ok("RecordShowOfHands", motion_id=motion_id, yes=1, no=0, abstain=0)

            async def not_expired() -> None:
                for n in ("hall", "timer", "participant", "moderator"):
                    assert await pages[n].page.get_attribute("#clock", "data-clock") == "idle", n
                    colour = await pages[n].page.eval_on_selector(
                        "#clock", "(c) => getComputedStyle(c).backgroundColor"
                    )
                    assert colour == "rgba(0, 0, 0, 0)", (n, colour)  # no red block (nor its flash) left up

            await step("4-vote", not_expired)

            # 5: the result, and the next speaker on the clock, captions again: all on the hall at once.
            await mod.ok("CloseVote", motion_id=motion_id)
            # 赵阿姨 before 李大爷 (whose phone this is: it stays in the queue, first in line).
            await mod.ok("GrantFloor", participant_id=zhao.participant_id)
            await timer.ok("StartClock")
            await caption(server, mid, "停车位的事情我同意，但要写清楚谁来管理。")
            await rec.ok("MarkKeyPoint", text="东门增设十个临时停车位，夜间开放")
            await step("5-result")
            if kind == "phone":
                await toast_clear_of_captions(part, folder)

            # 6: closed: no item is still 进行中 anywhere; the minutes (recorder's and residents' view).
            await mod.ok("CloseMeeting")
            await step("6-closed")
            assert await pages["hall"].page.is_hidden("#clock")  # no clock to wait for after the meeting
            for n in ("participant", "observer", "moderator"):
                tags = await pages[n].page.eval_on_selector_all(
                    "#agenda .tag", "(ts) => ts.map((t) => t.textContent)"
                )
                assert "进行中" not in tags, (n, tags)
            # The draft first: the minutes page reloads itself when the minutes change.
            await mod.wait_for(lambda: mod.view["minutes"] is not None, timeout=30)
            for role in ("recorder", "participant"):
                url = f"{server.url}/m/{mid}/minutes?t={tokens[role]}"
                name = f"minutes-{role}"
                p = pages[name] = await open_page(browser, url, f"{name}-{kind}", device)
                if role == "recorder":
                    await give_session(p, mid, "recorder", rec.session)
                for vp in sizes:
                    problems += await check(p, "minutes", vp, "6-closed", folder)
        finally:
            for peer in peers.values():
                await peer.close()
        for p in pages.values():
            problems += [f"{p.name}: {e}" for e in p.errors]
    (folder / f"problems-{kind}.json").write_text(json.dumps(problems, ensure_ascii=False, indent=1), "utf-8")
    assert not problems, "\n".join(problems)


def test_size_classes() -> None:
    """The size classes the keys are listed by (a typo in a size would silently skip its checks)."""
    got = [size_class(vp) for k in KINDS.values() for vp in k["sizes"]]
    assert got == ["phone", "phone", "tablet", "laptop", "projector", "projector"]
