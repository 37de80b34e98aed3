"""The LL-HLS window on its own: requests held for a part are all released when it is made, a request
given up on (a player gone) does not release the others, a held request runs out with False, and parts are
served a while after the playlist stops listing them (a player running late)."""

from __future__ import annotations

import asyncio

from meeting_server.media.hls_parts import LiveWindow
from meeting_server.media.hls_playlists import PARTS


async def test_held_requests_are_released_together_when_their_part_is_made() -> None:
    window = LiveWindow(1_800_000_000.0)
    for _ in range(PARTS):
        window.add_part(b"p")
    held = [asyncio.create_task(window.reload(1, 0)) for _ in range(3)]  # segment 1's first part
    gone = asyncio.create_task(window.reload(1, 0))
    await asyncio.sleep(0.01)
    gone.cancel()
    await asyncio.sleep(0.01)
    assert not any(t.done() for t in held)
    window.add_part(b"q")
    assert await asyncio.gather(*held) == [True, True, True]
    assert await window.part_bytes(1, 0) == b"q" and await window.reload(0, None)  # made: no wait


async def test_a_held_request_runs_out() -> None:
    window = LiveWindow(1_800_000_000.0)
    assert await window._until(1, 0.05) is False
    assert window._waiting == {}  # nothing left behind


async def test_parts_no_longer_listed_are_served_a_while() -> None:
    window = LiveWindow(1_800_000_000.0)
    for g in range(10 * PARTS):  # segments 0-9 complete
        window.add_part(b"%d" % g)
    assert 'URI="seg7p0.ts"' not in window.playlist and 'URI="seg8p0.ts"' in window.playlist
    assert await window.part_bytes(4, 0) == b"%d" % (4 * PARTS)  # 6 segments back: still there
    assert await window.part_bytes(3, PARTS - 1) is None  # older: gone
