"""The minutes page in headless Chromium: the recorder who took part in the meeting (same browser, same
session) opens the server's draft laid out as a document — a part per agenda item, each speaker's summary,
each motion, each action item a labelled plain-text field, nothing of markdown in sight — rewrites a
summary and an action item, saves and publishes; the edits are in every download, what the recorder typed
stays text, the download links can be seen on the blue header, and no heading stands over nothing. No
script or CSP error on the pages. Screenshots at 1280×800 and 360×740 go to test-artifacts/."""

from __future__ import annotations

import dataclasses
import io
import os
import re
from pathlib import Path
from typing import Any

import aiohttp
import docx
import pypdfium2
import pytest

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from tests.support.hub import running_server
from tests.web.conftest import CHROMIUM, LAPTOP, PHONE, artifacts, browser  # noqa: F401 (fixtures)
from tests.web.helpers import closing_pages, join, open_page, page_url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs chromium (scripts/bootstrap test)"),
]

SAID = "这件事由物业公司负责，下周五之前完成整改。"
SUMMARY = "王阿姨建议东门增设临时停车位，请物业公司尽快整改。"
ACTION = "物业公司下周五前完成东门整改，并在公告栏通报。"
OWNER = "物业公司（王经理）"
PLACE = "活动中心 ### 二楼 **大厅** [见](#c-1) | 东侧 |"  # markup the recorder might type: it stays text
STORAGE_SYNTAX = re.compile(r"###|\*\*|\]\(#c-|^\s*\||\|\s*-{3}")

# Every heading of the rendered minutes has something under it before the next heading of its level.
LONELY_HEADINGS = """() => [...document.querySelectorAll('article.minutes :is(h2, h3, h4)')].filter((h) => {
  const level = +h.tagName[1], heading = (n) => /^H[1-6]$/.test(n.tagName);
  let next = h.nextElementSibling;
  while (next && heading(next) && +next.tagName[1] > level) next = next.nextElementSibling;
  return !next || (heading(next) && +next.tagName[1] <= level);
}).map((h) => h.textContent)"""

# The download links against the header they sit on: colours and WCAG contrast.
LINK_CONTRAST = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const lin = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    const [r, g, b] = rgb(c).map(lin);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const header = getComputedStyle(document.querySelector('header.top')).backgroundColor;
  return [...document.querySelectorAll('a.dl')].map((a) => {
    const color = getComputedStyle(a).color, box = a.getBoundingClientRect();
    const [l1, l2] = [lum(color), lum(header)].sort((x, y) => y - x);
    return {color, header, contrast: (l1 + 0.05) / (l2 + 0.05), height: box.height, visible: box.width > 0};
  });
}"""


def _lonely_markdown_headings(md: str) -> list[str]:
    lines = [line for line in md.splitlines() if line.strip()]
    out = []
    for i, line in enumerate(lines):
        if m := re.match(r"^(#{1,4}) ", line):
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            n = re.match(r"^(#{1,4}) ", nxt or "")
            if nxt is None or (n is not None and len(n.group(1)) <= len(m.group(1))):
                out.append(line)
    return out


def _lonely_docx_headings(document: Any) -> list[str]:
    body = [n for n in document.element.body.iterchildren() if not n.tag.endswith("}sectPr")]

    def level(node: Any) -> int | None:
        style = node.xpath("string(./w:pPr/w:pStyle/@w:val)") if node.tag.endswith("}p") else ""
        if style == "Title":
            return 0
        return int(style[7:]) if style.startswith("Heading") and style[7:].isdigit() else None

    out = []
    for i, node in enumerate(body):
        here = level(node)
        after = level(body[i + 1]) if i + 1 < len(body) else -1  # the end: nothing under it
        if here is not None and after is not None and after <= here:
            out.append("".join(node.itertext()))
    return out


async def test_recorder_edits_the_minutes_as_a_document_and_publishes(
    tmp_path: Path,
    browser: Any,  # noqa: F811
    artifacts: Path,  # noqa: F811
) -> None:
    async with running_server(tmp_path) as server, closing_pages() as pages:
        from meeting_server.hub.minutes import MINUTES

        service = server.app[MINUTES]
        service.settings = dataclasses.replace(service.settings, draft_grace_s=0.1)
        created = await server.create_meeting()
        mid, token = created["meeting_id"], created["links"]["recorder"]["token"]
        ptoken = created["links"]["participant"]["token"]
        pages["recorder"] = await open_page(
            browser, page_url(server, created, "recorder"), "recorder", LAPTOP
        )
        pages["participant"] = await open_page(browser, page_url(server, created, "participant"), "p", PHONE)
        pages["moderator"] = await open_page(browser, page_url(server, created, "moderator"), "mod", LAPTOP)
        await join(pages["recorder"], "记录员")
        await join(pages["participant"], "王阿姨")
        await join(pages["moderator"], "主持人")
        mod, wang = pages["moderator"].page, pages["participant"].page
        await mod.evaluate("gz.command('OpenMeeting')")
        await mod.evaluate("gz.command('StartAgendaItem', {index: 0})")
        wang_id = await wang.evaluate("gz.me")
        await mod.evaluate(f"gz.command('GrantFloor', {{participant_id: '{wang_id}'}})")
        rt = await server.registry.get(mid)
        assert rt is not None and rt.state is not None and rt.state.floor is not None
        turn = rt.state.floor.turn_id
        await server.registry.execute(rt, Actor.system(), CommitCaption(turn, wang_id, SAID, 0.5, 4.0))
        await wang.evaluate("gz.command('YieldFloor')")
        await mod.evaluate(
            "gz.command('MoveMotion', {title: '东门停车', text: '增设十个车位，由物业公司负责。'})"
        )
        await mod.evaluate("gz.command('CloseMeeting')")  # no vote is taken in this meeting

        rec = pages["recorder"].page
        rec.on("dialog", lambda d: d.accept())
        await rec.wait_for_function("() => gz.view && gz.view.minutes !== null", timeout=15_000)
        await rec.goto(f"{server.url}/m/{mid}/minutes?t={token}")
        await rec.wait_for_selector("#f-item-0-speech-1-text", timeout=10_000)

        # The draft as a document: a part per agenda item, subheadings, labelled plain-text fields.
        assert (await rec.inner_text("#edit-item-0 h3")).startswith("议题一：")
        assert {"发言", "提案与表决", "待办事项"} <= set(
            await rec.locator("#edit-item-0 h4").all_inner_texts()
        )
        for field, label in (
            ("speech-1-text", "发言摘要"),
            ("action-1-owner", "负责人"),
            ("action-1-text", "事项"),
        ):
            assert await rec.inner_text(f"label[for=f-item-0-{field}]") == label
        assert await rec.input_value("#f-item-0-speech-1-text") == SAID
        # What was decided is shown as the log records it, not as a field to rewrite.
        assert await rec.inner_text("#f-item-0-motion-m1-text") == "增设十个车位，由物业公司负责。"
        assert await rec.locator(".kind-motion :is(input, textarea)").count() == 0
        values = await rec.eval_on_selector_all(
            "#sections :is(input, textarea)", "els => els.map(e => e.value)"
        )
        assert len(values) >= 10
        leaked = [v for v in values if STORAGE_SYNTAX.search(v)]
        assert not leaked, f"storage format in the editor: {leaked}"
        await rec.screenshot(path=str(artifacts / "editor-1280x800.png"))
        await rec.screenshot(path=str(artifacts / "editor-1280x800-full.png"), full_page=True)

        # The recorder's page at phone size shows the same editor, without sideways scrolling.
        pages["recorder-phone"] = await open_page(
            browser, f"{server.url}/m/{mid}/minutes?t={token}", "recorder-phone", PHONE
        )
        phone = pages["recorder-phone"].page
        await phone.wait_for_selector("#f-item-0-speech-1-text", timeout=10_000)
        assert await phone.evaluate("document.documentElement.scrollWidth") <= 360
        await phone.screenshot(path=str(artifacts / "editor-360x740.png"))
        await phone.screenshot(path=str(artifacts / "editor-360x740-full.png"), full_page=True)
        await pages.pop("recorder-phone").context.close()

        await rec.fill("#f-item-0-speech-1-text", SUMMARY)
        await rec.fill("#f-item-0-action-1-owner", OWNER)
        await rec.fill("#f-item-0-action-1-text", ACTION)
        await rec.fill("#f-header-place-text", PLACE)
        assert "有 4 处修改尚未保存" in await rec.inner_text("#unsaved")
        await rec.click("#save")
        await rec.wait_for_function(
            f"() => document.querySelector('#s-item-0').textContent.includes({ACTION!r})", timeout=10_000
        )
        await rec.wait_for_selector("#f-item-0-speech-1-text")
        assert await rec.input_value("#f-item-0-speech-1-text") == SUMMARY
        assert "没有未保存的修改" in await rec.inner_text("#unsaved")
        await rec.click("#publish")
        await rec.wait_for_selector(".status-published", timeout=15_000)
        item = await rec.text_content("#s-item-0")
        assert item is not None and SUMMARY in item and ACTION in item and OWNER in item
        assert "00:00:00" in item  # the time of the speech is still shown, linked to its transcript line
        assert await rec.locator("#s-item-0 a[href^='#c-']").count() >= 2
        assert PLACE in (await rec.text_content("#s-header") or "")
        assert await rec.locator("#s-header :is(h3, strong, a)").count() == 0  # the typed markup is text
        assert await rec.evaluate(LONELY_HEADINGS) == []
        assert await rec.locator("article.minutes h3", has_text="决议").count() == 0  # nothing was resolved

        # The download links stand out from the blue header (they used to be blue on blue).
        links = await rec.evaluate(LINK_CONTRAST)
        assert len(links) == 6
        for link in links:
            assert link["visible"] and link["color"] != link["header"], link
            assert link["contrast"] >= 4.5 and link["height"] >= 48, link
        await rec.screenshot(path=str(artifacts / "published-1280x800.png"))
        await rec.screenshot(path=str(artifacts / "published-1280x800-full.png"), full_page=True)
        pages["resident-minutes"] = await open_page(
            browser, f"{server.url}/m/{mid}/minutes?t={ptoken}", "resident-minutes", PHONE
        )
        resident = pages["resident-minutes"].page
        await resident.wait_for_selector(".status-published")
        assert await resident.evaluate("document.documentElement.scrollWidth") <= 360
        assert all(link["contrast"] >= 4.5 for link in await resident.evaluate(LINK_CONTRAST))
        await resident.screenshot(path=str(artifacts / "published-360x740.png"))

        # Every download holds the edits; none has a heading over nothing; the typed markup is text.
        async with aiohttp.ClientSession() as http:
            base = f"{server.url}/api/meetings/{mid}/minutes"
            md = await (await http.get(f"{base}.md?t={ptoken}")).text()
            html = await (await http.get(f"{base}.html?t={ptoken}")).text()
            docx_bytes = await (await http.get(f"{base}.docx?t={ptoken}")).read()
            pdf_bytes = await (await http.get(f"{base}.pdf?t={ptoken}")).read()
        for text in (SUMMARY, ACTION, OWNER):
            assert text in md and text in html
        assert _lonely_markdown_headings(md) == []
        assert r"活动中心 \#\#\# 二楼 \*\*大厅\*\* \[见\](\#c-1) \| 东侧 \|" in md
        assert 'href="#c-1"' not in html and "<strong>大厅" not in html
        document = docx.Document(io.BytesIO(docx_bytes))
        text = "\n".join(p.text for p in document.paragraphs)
        for expected in (SUMMARY, ACTION, OWNER, PLACE):
            assert expected in text
        assert _lonely_docx_headings(document) == []
        pdf = pypdfium2.PdfDocument(pdf_bytes)
        pdf_text = re.sub(
            r"\s+", "", "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        )
        for expected in (SUMMARY, ACTION, OWNER):
            assert re.sub(r"\s+", "", expected) in pdf_text
        for p in pages.values():
            p.assert_clean()
