"""Device pages' links (the hall display, the hall audio station) come from the server, beside the role
links: over HTTP and on the command line. The hall display has a role and link of its own (not the
public observer link: flooding that must not stall the projector); the station opens with the
recorder's."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from meeting_server.cli import main
from tests.support.hub import running_server

DEVICES = {"station": ("recorder", "会场音频")}


async def test_the_api_gives_device_links_that_open_their_pages(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        hall = created["links"]["hall"]
        assert "/hall?t=" in hall["url"] and hall["token"] != created["links"]["observer"]["token"]
        # Where the projector's link used to be: now the hall link's URL, not the public observer token's.
        assert created["links"]["observer"]["hall_url"] == hall["url"]
        async with aiohttp.ClientSession() as s:
            r = await s.get(server.url + hall["url"][hall["url"].index("/m/") :])
            assert r.status == 200 and "会场大屏" in await r.text()
            observer = created["links"]["observer"]["token"]
            r = await s.get(f"{server.url}/m/{created['meeting_id']}/hall?t={observer}")
            # The public link still shows the projector's layout, as one more observer connection (its
            # shared cap and buckets); the hall's own link is the one that cannot be crowded out.
            assert r.status == 200 and "会场大屏" in await r.text()
            participant = created["links"]["participant"]["token"]
            r = await s.get(f"{server.url}/m/{created['meeting_id']}/hall?t={participant}")
            assert r.status == 403
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
    roles = {"moderator", "timer", "recorder", "participant", "observer", "hall"}
    assert set(urls) == roles | set(DEVICES)
    for page, (role, _) in DEVICES.items():
        meeting, token = urls[role].split("/m/")[1].split(f"/{role}?t=")
        assert urls[page].endswith(f"/m/{meeting}/{page}?t={token}")
