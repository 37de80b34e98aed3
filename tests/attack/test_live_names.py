"""Attacks on the livestream's file names and query, holding the observer link: digits that are not
ASCII digits (「²」, 「٣」) and numbers too long for ``int`` are refused with a reason, never a 500."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.support.hub import Peer, running_server


async def test_odd_numbers_in_live_file_names_are_refused_not_crashed(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        try:
            await mod.connect()
            await mod.join("主持人")
            await mod.ok("OpenMeeting")
            folder = f"{server.url}/m/{mid}/live/s/{links['observer']['token']}/"
            long = "9" * 5000
            async with aiohttp.ClientSession() as s:
                for name in (f"sub{long}.vtt", f"seg{long}.ts", f"seg{long}p1.ts", f"seg1p{long}.ts"):
                    async with s.get(folder + name) as r:
                        body = await r.json()
                        assert (r.status, body["error"]["code"]) == (404, "not_found"), (name[:12], r.status)
                for query in ("_HLS_msn=²", "_HLS_msn=1&_HLS_part=٣", f"_HLS_msn={long}"):
                    async with s.get(folder + "stream.m3u8?" + query) as r:
                        body = await r.json()
                        assert r.status == 400 and body["error"]["code"] in ("bad_request", "too_far"), (
                            query[:20],
                            r.status,
                        )
                        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["message"])
        finally:
            await mod.close()
