"""Device pages' links (the hall display, the hall audio station) come from the server, beside the role
links: over HTTP and on the command line."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from meeting_server.cli import main
from tests.support.hub import running_server

DEVICES = {"hall": ("observer", "会场大屏"), "station": ("recorder", "会场音频")}


async def test_the_api_gives_device_links_that_open_their_pages(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        for page, (role, title) in DEVICES.items():
            entry = created["links"][role]
            url = entry[f"{page}_url"]
            assert url == entry["url"].replace(f"/{role}?", f"/{page}?")
            assert page not in created["links"]  # not a role: no token or QR code of its own
            async with aiohttp.ClientSession() as s:
                r = await s.get(server.url + url[url.index("/m/") :])
                assert r.status == 200
                assert title in await r.text()


def test_the_command_line_prints_the_same_device_links(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["create", "--data-dir", str(tmp_path)]) == 0
    urls = {}
    for line in capsys.readouterr().out.splitlines():
        parts = line.split()
        if len(parts) == 3 and "/m/" in parts[2]:
            urls[parts[1]] = parts[2]
    roles = {"moderator", "timer", "recorder", "participant", "observer"}
    assert set(urls) == roles | set(DEVICES)
    for page, (role, _) in DEVICES.items():
        meeting, token = urls[role].split("/m/")[1].split(f"/{role}?t=")
        assert urls[page].endswith(f"/m/{meeting}/{page}?t={token}")
