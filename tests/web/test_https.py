"""HTTPS for a hall LAN: ``gongzhi selfsigned`` makes a certificate; the server serves the pages and
socket.io over it (wss), and a phone page opened through it is a secure context with a microphone; the
livestream's fast path works over TLS too."""

from __future__ import annotations

import shutil
import ssl
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from meeting_server.cli import main
from meeting_server.hub.app import create_app
from meeting_server.hub.keys import ADMIN_TOKEN
from meeting_server.hub.live_fast import LiveRunner
from tests.support.hub import DEMO_SPEC, FakeClock, make_settings

from .conftest import PHONE

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@needs_openssl
def test_selfsigned_says_what_phones_will_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["selfsigned", "--host", "127.0.0.1", "--host", "localhost", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "cert.pem").exists() and (tmp_path / "key.pem").stat().st_mode & 0o077 == 0
    assert "您的连接不是私密连接" in out and "Your connection is not private" in out
    assert "GONGZHI_SERVER__TLS_CERT=" in out


@needs_openssl
@pytest.mark.browser
@pytest.mark.slow
async def test_pages_and_socket_over_https(tmp_path: Path, browser: Any) -> None:
    assert main(["selfsigned", "--host", "127.0.0.1", "--out", str(tmp_path / "tls")]) == 0
    cert, key = tmp_path / "tls" / "cert.pem", tmp_path / "tls" / "key.pem"
    settings = make_settings(tmp_path / "data", tls_cert=str(cert), tls_key=str(key))
    app = create_app(settings, clock=FakeClock())
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    runner = LiveRunner(app)  # as `gongzhi serve` runs it
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    url = f"https://127.0.0.1:{runner.addresses[0][1]}"
    try:
        client_ctx = ssl.create_default_context(cafile=str(cert))
        async with aiohttp.ClientSession() as s:
            r = await s.post(
                url + "/api/meetings",
                json=DEMO_SPEC,
                headers={"Authorization": "Bearer " + app[ADMIN_TOKEN]},
                ssl=client_ctx,
            )
            created = await r.json()
        assert r.status == 201, created
        token = created["links"]["participant"]["token"]
        context = await browser.new_context(**PHONE, ignore_https_errors=True)
        page = await context.new_page()
        await page.goto(f"{url}/m/{created['meeting_id']}/participant?t={token}")
        await page.wait_for_selector("body[data-state=ready]")
        assert await page.evaluate("window.isSecureContext")
        assert await page.evaluate("gz.socket.io.engine.transport.name") == "websocket"
        assert await page.evaluate("location.protocol") == "https:"
        await context.close()
        live, watch = f"{url}/m/{created['meeting_id']}/live/", created["links"]["observer"]["token"]
        async with aiohttp.ClientSession() as s:
            async with s.get(f"{live}index.m3u8?t={watch}", ssl=client_ctx) as r:
                assert r.status == 200
        async with aiohttp.ClientSession() as s:  # a new connection: its first request is a live file
            async with s.get(f"{live}s/{watch}/stream.m3u8", ssl=client_ctx) as r:
                assert r.status == 200 and (await r.read()).startswith(b"#EXTM3U")
                assert "Server" not in r.headers and r.headers["X-Frame-Options"] == "DENY"  # the fast path
    finally:
        await runner.cleanup()
