"""Every HTTP endpoint a join link opens checks it the same way, on the server's injected clock: a link
that the fake clock has moved past its expiry is refused everywhere, with the same error shape."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.support.hub import DEMO_SPEC, running_server

TTL_S = 2 * 3600


async def test_link_expiry_over_http_follows_the_injected_clock(tmp_path: Path) -> None:
    async with running_server(tmp_path, link_ttl_hours=2) as server:
        # Scheduled in the past (entered after the fact): its links last link_ttl_hours from creation, the
        # least a link lasts (hub.invites; tests/invite cover expiry from the schedule).
        created = await server.create_meeting({**DEMO_SPEC, "scheduled_at": "2020-01-01T19:00+08:00"})
        mid = created["meeting_id"]
        links = created["links"]
        observer = links["observer"]["token"]
        recorder = links["recorder"]["token"]
        api = {
            f"/api/meetings/{mid}/qr/observer.png?t={observer}": "image/png",
            f"/api/meetings/{mid}/transcript.txt?t={observer}": "text/plain",
            f"/api/meetings/{mid}/minutes.md?t={observer}": "text/markdown",
            f"/m/{mid}/live.mp3?t={observer}": "audio/mpeg",
            f"/m/{mid}/live/index.m3u8?t={observer}": "application/vnd.apple.mpegurl",
            f"/m/{mid}/live/s/{observer}/stream.m3u8": "application/vnd.apple.mpegurl",
        }
        pages = [
            f"/m/{mid}/observer?t={observer}",
            f"/m/{mid}/hall?t={links['hall']['token']}",
            f"/m/{mid}/minutes?t={recorder}",
        ]
        async with aiohttp.ClientSession() as s:

            async def status(path: str) -> tuple[int, str]:
                async with s.get(server.url + path) as r:
                    return r.status, r.content_type

            for path, content_type in api.items():
                assert await status(path) == (200, content_type), path
            for path in pages:
                assert await status(path) == (200, "text/html"), path

            server.clock.advance(TTL_S + 1)  # nothing but the fake clock moves
            for path in api:
                async with s.get(server.url + path) as r:
                    assert r.status == 403, path
                    body = await r.json()
                    assert body == {
                        "ok": False,
                        "error": {"code": "expired_token", "message": "the link has expired"},
                    }, path
            for path in pages:
                async with s.get(server.url + path) as r:
                    assert r.status == 403 and r.content_type == "text/html", path
                    assert "已过期" in await r.text() or "链接无效" in await r.text(), path


async def test_missing_wrong_and_unknown_links_get_one_error_shape(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        a = await server.create_meeting()
        b = await server.create_meeting()
        token_a = a["links"]["observer"]["token"]
        cases = {
            f"/api/meetings/{a['meeting_id']}/transcript.txt": (403, "no_token"),
            f"/api/meetings/{a['meeting_id']}/transcript.txt?t=junk": (403, "bad_token"),
            f"/api/meetings/{b['meeting_id']}/minutes.json?t={token_a}": (403, "wrong_meeting"),
            f"/m/{b['meeting_id']}/live.mp3?t={token_a}": (403, "wrong_meeting"),
            f"/api/meetings/{a['meeting_id']}/qr/moderator.png?t={token_a}": (403, "wrong_role"),
        }
        async with aiohttp.ClientSession() as s:
            for path, (code, error) in cases.items():
                async with s.get(server.url + path) as r:
                    body = await r.json()
                    assert (r.status, body["error"]["code"]) == (code, error), path
                    assert body["ok"] is False and body["error"]["message"], path
