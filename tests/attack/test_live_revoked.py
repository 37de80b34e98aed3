"""Attacks on the live audio holding a link that staff then revoke (a lost invitation slip) or rotate (the
observer link posted where it should not be): a live.mp3 stream already open ends with the link, as the
link's sockets are dropped — it does not play on until the meeting closes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from tests.invite.helpers import community_meeting, open_meeting, token_of
from tests.staff.helpers import clients, staff_server


async def _until_end(response: aiohttp.ClientResponse, timeout: float) -> int:
    """Bytes read until the stream ends (within ``timeout`` seconds, else TimeoutError)."""
    n = 0

    async def read() -> None:
        nonlocal n
        while chunk := await response.content.readany():
            n += len(chunk)

    await asyncio.wait_for(read(), timeout)
    return n


async def test_an_open_live_stream_ends_when_its_link_is_revoked_or_rotated(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await community_meeting(staff)
        await open_meeting(server.url, c)
        wang = c.people["王阿姨"]
        live = f"{server.url}/m/{c.meeting_id}/live.mp3?t="
        async with aiohttp.ClientSession() as s:
            personal = await s.get(live + token_of(wang["url"]))
            observer = await s.get(live + c.links["observer"]["token"])
            for r in (personal, observer):
                assert r.status == 200 and r.content_type == "audio/mpeg"
                assert len(await r.content.readexactly(1000)) == 1000  # it plays (silence between turns)
            await staff.ok("POST", c.base + f"/invitations/{wang['person_id']}/revoke", {})
            await _until_end(personal, 5)
            await observer.content.readexactly(1000)  # the observer link still plays ...
            await staff.ok("POST", c.base + "/links/observer/rotate", {})
            await _until_end(observer, 5)  # ... until it is rotated
            for r in (personal, observer):
                r.close()
