"""The livestream over HTTP: a real server encodes a meeting to HLS; the playlists, segments and subtitles
are fetched like a player does, and every file refuses a bad link."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import aiohttp
import av

from meeting_server.core.commands import CommitCaption
from meeting_server.core.roles import Actor
from meeting_server.hub.keys import LIVE_VIDEO
from meeting_server.media.hls_playlists import PARTS
from tests.support.hub import Peer, running_server


async def _get(s: aiohttp.ClientSession, url: str) -> tuple[int, str, bytes, str]:
    async with s.get(url) as r:
        return r.status, r.content_type, await r.read(), r.headers.get("Cache-Control", "")


async def test_a_meeting_streams_as_hls_with_captions(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod, wang = (
            Peer(server.url, links["moderator"]["token"]),
            Peer(server.url, links["participant"]["token"]),
        )
        live = f"{server.url}/m/{mid}/live/"
        try:
            for p in (mod, wang):
                await p.connect()
            await mod.join("主持人")
            await wang.join("王阿姨")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=1)
            async with aiohttp.ClientSession() as s:
                status, ctype, body, cache = await _get(
                    s, live + "index.m3u8?t=" + links["observer"]["token"]
                )
                assert (status, ctype) == (200, "application/vnd.apple.mpegurl")
                assert "no-cache" in cache
                master = body.decode()
                assert "TYPE=SUBTITLES" in master and 'SUBTITLES="subs"' in master
                variant = re.search(r"^(s/.+/stream\.m3u8)$", master, re.M)
                subs = re.search(r'URI="(s/.+/subs\.m3u8)"', master)
                assert variant and subs
                status, ctype, body, _ = await _get(s, live + variant.group(1))
                assert (status, ctype) == (200, "application/vnd.apple.mpegurl"), body
                segment = re.findall(r"^(seg\d+\.ts)$", body.decode(), re.M)[0]
                folder = live + variant.group(1).rsplit("/", 1)[0] + "/"
                status, ctype, data, cache = await _get(s, folder + segment)
                assert (status, ctype) == (200, "video/mp2t") and "max-age" in cache
                with av.open(io.BytesIO(data)) as ts:
                    kinds = sorted((st.type, st.codec_context.name) for st in ts.streams)
                assert kinds == [("audio", "aac"), ("video", "h264")]

                # A caption committed now shows up, with the speaker and their role, in a later subtitle
                # segment listed by the subtitles playlist.
                await wang.ok("RaiseHand")
                await mod.ok("GrantFloor")
                rt = await server.registry.get(mid)
                assert rt is not None and rt.state is not None and rt.state.floor is not None
                cmd = CommitCaption(rt.state.floor.turn_id, wang.participant_id or "", "楼道灯坏了", 0.1, 1.0)
                await server.registry.execute(rt, Actor.system(), cmd)
                found = ""
                for _ in range(40):
                    _, ctype, body, _ = await _get(s, live + subs.group(1))
                    assert ctype == "application/vnd.apple.mpegurl"
                    for name in re.findall(r"^(sub\d+\.vtt)$", body.decode(), re.M):
                        status, ctype, vtt, _ = await _get(s, folder + name)
                        assert (status, ctype) == (200, "text/vtt")
                        if "楼道灯坏了" in vtt.decode():
                            found = vtt.decode()
                    if found:
                        break
                    await asyncio.sleep(0.5)
                assert found.startswith("WEBVTT") and "X-TIMESTAMP-MAP=MPEGTS:" in found
                assert "王阿姨（居民）：楼道灯坏了" in found

                # Closing the meeting stops its encoder; the stream is refused from then on.
                live_video = server.app[LIVE_VIDEO]
                assert mid in live_video.encoders
                await mod.ok("CloseMeeting")
                for _ in range(50):
                    if mid not in live_video.encoders:
                        break
                    await asyncio.sleep(0.1)
                assert mid not in live_video.encoders
                async with s.get(live + variant.group(1)) as r:
                    assert r.status == 404 and (await r.json())["error"]["code"] == "ended"
        finally:
            for p in (mod, wang):
                await p.close()


async def test_bad_links_are_refused_with_a_reason(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        a = await server.create_meeting()
        b = await server.create_meeting()
        mid, token = a["meeting_id"], a["links"]["observer"]["token"]
        other = b["links"]["observer"]["token"]
        live = f"{server.url}/m/{mid}/live/"
        async with aiohttp.ClientSession() as s:
            cases = {
                "index.m3u8": "no_token",
                "index.m3u8?t=" + token[:-3] + "xyz": "forged_token",
                "index.m3u8?t=" + other: "wrong_meeting",
                f"s/{other}/stream.m3u8": "wrong_meeting",
                f"s/{token[:-3]}xyz/seg0.ts": "forged_token",
            }
            for path, code in cases.items():
                async with s.get(live + path) as r:
                    assert r.status == 403, path
                    body = await r.json()
                    assert body["ok"] is False and body["error"]["code"] == code, path
            # Any role link of the meeting may watch.
            for role in ("moderator", "recorder", "participant"):
                async with s.get(live + "index.m3u8?t=" + a["links"][role]["token"]) as r:
                    assert r.status == 200, role


async def test_an_unwatched_stream_stops_and_restarts_on_demand(tmp_path: Path) -> None:
    async with running_server(tmp_path, live={"idle_minutes": 0.1}) as server:
        created = await server.create_meeting()
        mid, token = created["meeting_id"], created["links"]["observer"]["token"]
        live_video = server.app[LIVE_VIDEO]
        async with aiohttp.ClientSession() as s:
            async with s.get(f"{server.url}/m/{mid}/live/index.m3u8?t={token}") as r:
                assert r.status == 200
            first = live_video.encoders[mid]
            for _ in range(120):  # idle after 6 s; the sweeper looks every 1.5 s
                if mid not in live_video.encoders:
                    break
                await asyncio.sleep(0.1)
            assert mid not in live_video.encoders
            async with s.get(f"{server.url}/m/{mid}/live/index.m3u8?t={token}") as r:
                assert r.status == 200
            assert live_video.encoders[mid] is not first


async def test_ll_hls_parts_and_blocking_playlist_reload(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, token = created["meeting_id"], created["links"]["observer"]["token"]
        folder = f"{server.url}/m/{mid}/live/s/{token}/"
        loop = asyncio.get_running_loop()
        async with aiohttp.ClientSession() as s:
            async with s.get(f"{server.url}/m/{mid}/live/index.m3u8?t={token}") as r:
                assert r.status == 200
            _, _, body, _ = await _get(s, folder + "stream.m3u8")
            text = body.decode()
            assert "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=" in text
            hint = re.search(r'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg(\d+)p(\d)\.ts"', text)
            assert hint, text
            msn, part = int(hint.group(1)), int(hint.group(2))

            # A blocking reload for the hinted part is held until the part exists, then lists it.
            t0 = loop.time()
            status, _, body, _ = await _get(s, folder + f"stream.m3u8?_HLS_msn={msn}&_HLS_part={part}")
            held = loop.time() - t0
            assert status == 200 and f'URI="seg{msn}p{part}.ts"' in body.decode(), body
            assert held < 2.0, held  # a part is 0.5 s of stream

            # Parts are served; a segment is its parts, and its first part starts with a key frame.
            await _get(s, folder + f"stream.m3u8?_HLS_msn={msn + 1}")  # segment msn complete
            parts = []
            for k in range(PARTS):
                status, ctype, data, _ = await _get(s, folder + f"seg{msn}p{k}.ts")
                assert (status, ctype) == (200, "video/mp2t")
                parts.append(data)
            status, _, segment, _ = await _get(s, folder + f"seg{msn}.ts")
            assert status == 200 and segment == b"".join(parts)
            with av.open(io.BytesIO(parts[0])) as ts:
                frames = list(ts.decode(video=0))
            assert frames and frames[0].key_frame
            last = int(
                re.findall(r"^seg(\d+)\.ts$", (await _get(s, folder + "stream.m3u8"))[2].decode(), re.M)[-1]
            )
            status, _, body, _ = await _get(s, folder + f"seg{last + 2}p1.ts")
            assert status == 404 and b'"gone"' in body  # too far ahead to wait for

            # The subtitles playlist may be reloaded blocking on a segment.
            status, _, body, _ = await _get(s, folder + f"subs.m3u8?_HLS_msn={msn + 2}")
            assert status == 200 and f"sub{msn + 2}.vtt" in body.decode()

            # Bad blocking requests are refused with a reason.
            for query, code in {
                "_HLS_part=1": "bad_request",
                "_HLS_msn=x": "bad_request",
                f"_HLS_msn={last + 9}": "too_far",
            }.items():
                async with s.get(folder + "stream.m3u8?" + query) as r:
                    assert r.status == 400 and (await r.json())["error"]["code"] == code, query
