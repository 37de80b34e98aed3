"""Helpers for the browser tests: open a page in its own browser context, watch it for errors, screenshots."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tests.support.hub import Server


@dataclasses.dataclass
class OpenPage:
    """A page in its own context (its own localStorage, as on a separate device), with what went wrong."""

    name: str
    context: Any
    page: Any
    errors: list[str]

    async def shot(self, folder: Path, step: str) -> None:
        await self.page.screenshot(path=str(folder / f"{step}-{self.name}.png"), full_page=True)

    def assert_clean(self) -> None:
        assert not self.errors, f"{self.name}: {self.errors}"


async def open_page(
    browser: Any, url: str, name: str, device: dict[str, Any], *, ready: bool = True
) -> OpenPage:
    context = await browser.new_context(**device, locale="zh-CN")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))

    def console(msg: Any) -> None:
        text = msg.text
        # A refused CSP is a bug in our pages; so is any script error.
        # A socket failing while a test has taken the device offline is what that test wants to see.
        if "Content Security Policy" in text or (
            msg.type == "error"
            and "Failed to load resource" not in text
            and "ERR_INTERNET_DISCONNECTED" not in text
        ):
            errors.append(f"console {msg.type}: {text}")

    page.on("console", console)
    await page.goto(url)
    if ready:
        await page.wait_for_selector("body[data-state=ready]", timeout=10_000)
    return OpenPage(name, context, page, errors)


@asynccontextmanager
async def closing_pages() -> AsyncIterator[dict[str, OpenPage]]:
    """Pages to close before the server stops (an open socket would hold the server's shutdown)."""
    pages: dict[str, OpenPage] = {}
    try:
        yield pages
    finally:
        for p in pages.values():
            await p.context.close()


def page_url(server: Server, created: dict[str, Any], page: str) -> str:
    """The URL of ``page`` for a meeting: the role's own join link (the hall display has its own; the hall
    audio station opens with the recorder's)."""
    role = {"station": "recorder"}.get(page, page)
    token = created["links"][role]["token"]
    return f"{server.url}/m/{created['meeting_id']}/{page}?t={token}"


async def join(p: OpenPage, name: str) -> None:
    await p.page.fill("#join-name", name)
    await p.page.click("#join-form button[type=submit]")
    await p.page.wait_for_selector("#join-card", state="hidden")


async def assert_phone_friendly(p: OpenPage) -> None:
    """No sideways scrolling at 360 px, and every visible button is at least 48 px tall (a thumb)."""
    width = await p.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{p.name}: page is {width}px wide"
    small = await p.page.evaluate(
        """() => [...document.querySelectorAll('button, summary, input, select, textarea')]
            .filter((b) => b.offsetParent !== null && b.getBoundingClientRect().height < 48)
            .map((b) => b.id || b.textContent.trim())"""
    )
    assert not small, f"{p.name}: touch targets under 48px: {small}"
