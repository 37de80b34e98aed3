"""The livestream's fast path (``hub.live_fast``) against a real server on loopback, over raw sockets so the
requests are exactly what a player sends: it answers what the aiohttp route answers, with the security
headers; anything else goes to aiohttp on the same connection; requests are answered in order; a rotated
link stops working at once though its signature was remembered; shutdown closes idle connections."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from meeting_server.core.invitations import RotateRoleLink
from meeting_server.core.roles import Actor, Role
from meeting_server.hub.live_fast import plain_head, query_of
from meeting_server.hub.pages import SECURITY_HEADERS
from tests.support.hub import Server, running_server

Response = tuple[int, dict[str, str], bytes]


class Raw:
    """One keep-alive HTTP/1.1 connection; ``send`` writes requests as given, ``read`` reads one answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> Raw:
        host, port = url.removeprefix("http://").split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    def send(self, path: str, extra: str = "", version: str = "1.1") -> None:
        self.writer.write(f"GET {path} HTTP/{version}\r\nHost: x\r\n{extra}\r\n".encode())

    async def read(self) -> Response:
        head = (await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 10)).decode()
        lines = head.split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
        body = await self.reader.readexactly(int(headers["content-length"]))
        return int(lines[0].split()[1]), headers, body

    async def get(self, path: str, extra: str = "", version: str = "1.1") -> Response:
        self.send(path, extra, version)
        return await self.read()

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def _started(server: Server) -> tuple[str, str, str]:
    """A meeting with its stream running: (meeting id, observer token, signed folder path)."""
    created = await server.create_meeting()
    mid, token = created["meeting_id"], created["links"]["observer"]["token"]
    c = await Raw.open(server.url)
    status, _, _ = await c.get(f"/m/{mid}/live/index.m3u8?t={token}")  # not a live file: aiohttp's
    assert status == 200
    await c.close()
    return mid, token, f"/m/{mid}/live/s/{token}/"


def _same(fast: Response, slow: Response) -> None:
    assert fast[0] == slow[0] and fast[2] == slow[2]
    for name in ("content-type", "cache-control", *(h.lower() for h in SECURITY_HEADERS)):
        assert fast[1].get(name) == slow[1].get(name), name
    assert "server" not in fast[1] and "server" in slow[1]  # each came the way it was meant to


async def test_the_fast_path_answers_what_the_route_answers(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        mid, token, folder = await _started(server)
        other = (await server.create_meeting())["links"]["observer"]["token"]
        fast = await Raw.open(server.url)
        playlist = (await fast.get(folder + "stream.m3u8"))[2].decode()
        segment = re.findall(r"^(seg\d+\.ts)$", playlist, re.M)[0]
        paths = [
            folder + segment,
            folder + "sub0.vtt",
            folder + "nothing.vtt",
            folder + "seg999999.ts",
            folder + "stream.m3u8?_HLS_part=1",
            folder + "stream.m3u8?_HLS_msn=x",
            f"/m/{mid}/live/s/{token[:-3]}xyz/{segment}",
            f"/m/{mid}/live/s/{other}/{segment}",
            f"/m/{mid}/live/s/j.e30.AAAA/{segment}",
        ]
        for path in paths:
            # Connection: close is not for the fast path: aiohttp answers those, one connection each.
            slow = await Raw.open(server.url)
            _same(await fast.get(path), await slow.get(path, "Connection: close\r\n"))
            await slow.close()
        status, headers, body = await fast.get(f"/m/{mid}/live/s/{token[:-3]}xyz/{segment}")
        assert (
            status == 403
            and b'"forged_token"' in body
            and headers["content-type"].startswith("application/json")
        )
        await fast.close()


async def test_other_requests_go_to_aiohttp_on_the_same_connection(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        _, _, folder = await _started(server)
        c = await Raw.open(server.url)
        assert (await c.get(folder + "stream.m3u8"))[1].get("server") is None  # the fast path
        status, headers, body = await c.get("/healthz")
        assert status == 200 and b'"ok": true' in body and "server" in headers
        status, headers, body = await c.get(folder + "stream.m3u8")  # aiohttp's from now on
        assert status == 200 and body.startswith(b"#EXTM3U") and "server" in headers
        await c.close()
        # An escaped path, HTTP/1.0 and a request with a body are aiohttp's too, and answered alike.
        for path, extra, version in [
            (folder + "stream%2Em3u8", "", "1.1"),
            (folder + "stream.m3u8", "", "1.0"),
            (folder + "stream.m3u8", "Content-Length: 0\r\n", "1.1"),
        ]:
            c = await Raw.open(server.url)
            status, headers, body = await c.get(path, extra, version)
            assert status == 200 and body.startswith(b"#EXTM3U") and "server" in headers, path
            await c.close()


async def test_pipelined_requests_are_answered_in_order(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        _, _, folder = await _started(server)
        c = await Raw.open(server.url)
        playlist = (await c.get(folder + "stream.m3u8"))[2].decode()
        hint = re.search(r'PRELOAD-HINT:TYPE=PART,URI="seg(\d+)p(\d+)\.ts"', playlist)
        assert hint
        # A blocking reload held until the hinted part exists, then a plain playlist, sent at once.
        c.send(folder + f"stream.m3u8?_HLS_msn={hint[1]}&_HLS_part={hint[2]}")
        c.send(folder + "subs.m3u8")
        first, second = await c.read(), await c.read()
        assert first[0] == 200 and f"seg{hint[1]}p{hint[2]}.ts" in first[2].decode()
        assert second[0] == 200 and b"sub" in second[2] and b"#EXT-X-PART" not in second[2]
        await c.close()


async def test_a_rotated_link_is_refused_at_once(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        mid, _, folder = await _started(server)
        c = await Raw.open(server.url)
        assert (await c.get(folder + "stream.m3u8"))[0] == 200  # its signature is now remembered
        rt = await server.registry.get(mid)
        assert rt is not None
        await server.registry.execute(rt, Actor.system(), RotateRoleLink(Role.OBSERVER))
        status, _, body = await c.get(folder + "stream.m3u8")
        assert status == 403 and b'"link_revoked"' in body
        await c.close()


async def test_shutdown_closes_idle_fast_connections(tmp_path: Path) -> None:
    c: Raw | None = None
    async with running_server(tmp_path) as server:
        _, _, folder = await _started(server)
        c = await Raw.open(server.url)
        assert (await c.get(folder + "stream.m3u8"))[0] == 200
    assert await asyncio.wait_for(c.reader.read(), 5) == b""  # closed by the server's shutdown
    await c.close()


def test_which_heads_stay_on_the_fast_path() -> None:
    stay = [b"\r\nHost: x\r\n", b"\r\nHost: x\r\nConnection: keep-alive\r\n", b"\r\nX-Content-Length: 1\r\n"]
    go = [
        b"\r\nConnection: close\r\n",
        b"\r\nconnection:keep-alive, Upgrade\r\n",
        b"\r\nContent-Length: 0\r\n",
        b"\r\nTransfer-Encoding : chunked\r\n",
        b"\r\nExpect: 100-continue\r\n",
        b"\r\nUpgrade: websocket\r\n",
        b"\r\nHost: x\n\nGET",
    ]
    assert all(plain_head(h) for h in stay) and not any(plain_head(h) for h in go)
    assert query_of(b"_HLS_msn=3&_HLS_part=1&_HLS_msn=9&x") == {"_HLS_msn": "3", "_HLS_part": "1", "x": ""}
