"""The hall display's link comes from the server, beside the role links: over HTTP and on the command line."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from meeting_server.cli import main
from tests.support.hub import running_server


async def test_the_api_gives_a_hall_link_that_opens_the_hall_display(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        observer = created["links"]["observer"]
        hall = observer["hall_url"]
        assert hall == observer["url"].replace("/observer?", "/hall?")
        assert "hall" not in created["links"]  # not a role: no token or QR code of its own
        async with aiohttp.ClientSession() as s:
            r = await s.get(server.url + hall[hall.index("/m/") :])
            assert r.status == 200
            assert "会场大屏" in await r.text()


def test_the_command_line_prints_the_same_hall_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["create", "--data-dir", str(tmp_path)]) == 0
    urls = {}
    for line in capsys.readouterr().out.splitlines():
        parts = line.split()
        if len(parts) == 3 and "/m/" in parts[2]:
            urls[parts[1]] = parts[2]
    assert set(urls) == {"moderator", "timer", "recorder", "participant", "observer", "hall"}
    meeting, token = urls["observer"].split("/m/")[1].split("/observer?t=")
    assert urls["hall"].endswith(f"/m/{meeting}/hall?t={token}")
