"""The pages over plain HTTP: who may open which page, error pages in Chinese, security and cache headers."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict

from meeting_server.core.roles import Role
from meeting_server.hub.keys import SIGNER
from meeting_server.hub.pages import CSP, PAGES, TEMPLATES_DIR
from tests.support.hub import running_server

from .helpers import page_url


async def get(url: str, **kw: Any) -> tuple[int, CIMultiDict[str], str]:
    async with aiohttp.ClientSession(auto_decompress=True) as s, s.get(url, **kw) as r:
        return r.status, CIMultiDict(r.headers), await r.text()


@pytest.mark.parametrize("page", sorted(PAGES))
async def test_each_page_opens_with_its_own_link(tmp_path: Path, page: str) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        status, headers, html = await get(page_url(server, created, page))
        assert status == 200, html
        assert headers["Content-Security-Policy"] == CSP
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "no-store"
        assert "测试议事会" in html and 'lang="zh-CN"' in html
        # Every script is an external file of our own (CSP: script-src 'self'), with a hashed URL.
        scripts = re.findall(r"<script([^>]*)>", html)
        assert scripts and all(re.search(r'src="/static/[^"]+\?v=[0-9a-f]{16}"', s) for s in scripts)
        assert " style=" not in html and "<style" not in html


async def test_page_titles_name_each_part_once(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        titles = {}
        for path in ("/", "/admin", page_url(server, created, "hall")[len(server.url) :]):
            _, _, html = await get(server.url + path)
            found = re.search(r"<title>(.*?)</title>", html)
            assert found, path
            titles[path.split("?")[0].rsplit("/", 1)[-1]] = found.group(1)
        assert titles == {
            "": "共治通",
            "admin": "创建会议 · 共治通",
            "hall": "会场大屏 · 测试议事会 · 共治通",
        }


async def test_refusals_are_chinese_pages_not_stack_traces(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid = created["meeting_id"]
        links = created["links"]
        signer = server.app[SIGNER]
        expired = signer.link(mid, Role.PARTICIPANT, time.time() - 10)
        cases = {
            f"/m/{mid}/participant": (403, "缺少凭证"),
            f"/m/{mid}/participant?t=garbage": (403, "损坏"),
            f"/m/{mid}/participant?t={links['participant']['token'][:-2]}xx": (403, "签名不符"),
            f"/m/{mid}/participant?t={expired}": (403, "已过期"),
            f"/m/{mid}/moderator?t={links['participant']['token']}": (403, "身份不符"),
            f"/m/{mid}/hall?t={links['moderator']['token']}": (403, "身份不符"),
            f"/m/other/participant?t={links['participant']['token']}": (403, "另一场会议"),
            f"/m/{mid}/nosuchpage?t={links['participant']['token']}": (404, ""),
        }
        for path, (want_status, want_text) in cases.items():
            status, _, html = await get(server.url + path)
            assert status == want_status, path
            assert want_text in html, path
            assert "Traceback" not in html
        ghost = signer.link("deadbeef", Role.PARTICIPANT, time.time() + 60)
        status, _, html = await get(f"{server.url}/m/deadbeef/participant?t={ghost}")
        assert status == 404 and "找不到这场会议" in html


async def test_static_assets_are_hashed_gzipped_and_cached(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        _, _, html = await get(page_url(server, created, "participant"))
        urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
        assert any("socket.io.min.js" in u for u in urls) and any("style.css" in u for u in urls)
        for url in urls:
            status, headers, _ = await get(server.url + url, headers={"Accept-Encoding": "gzip"})
            assert status == 200, url
            assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert headers.get("Content-Encoding") == "gzip", url
            assert "charset=utf-8" in headers["Content-Type"]
            status, _, _ = await get(server.url + url, headers={"If-None-Match": headers["ETag"]})
            assert status == 304
        status, headers, _ = await get(server.url + "/static/common.js")
        assert status == 200 and headers["Cache-Control"] == "no-cache"
        assert (await get(server.url + "/static/../pyproject.toml"))[0] == 404
        assert (await get(server.url + "/static/nope.js"))[0] == 404


async def test_admin_page_never_contains_the_admin_token(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        status, headers, html = await get(server.url + "/admin")
        assert status == 200 and "创建议事会" in html
        assert "test-admin-token" not in html
        assert headers["Content-Security-Policy"] == CSP


def test_templates_have_no_inline_code() -> None:
    for path in TEMPLATES_DIR.glob("*.html"):
        text = path.read_text("utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"\son[a-z]+=", text) and " style=" not in text, path
        assert "|safe" not in text and "autoescape false" not in text, path
