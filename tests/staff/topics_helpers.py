"""A community with residents, a meeting, and the links the 议题征集 pages are opened with."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.hub import DEMO_SPEC

from .helpers import Client, sign_in, street_with_two_communities

PEOPLE = [
    {"name": "张三", "building": "3号楼", "room": "301"},
    {"name": "李四", "building": "3号楼", "room": "302"},
    {"name": "王五", "building": "5号楼", "room": "101"},
]


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["t"][0]


async def topics_world(admin: Client, li: Client, zhao: Client) -> dict[str, Any]:
    """Communities A (li, three residents, one meeting) and B (zhao, one meeting); every kind of link."""
    ids: dict[str, Any] = await street_with_two_communities(admin)
    await sign_in(li, "li", "li-password")
    await sign_in(zhao, "zhao", "zhao-password")
    a, b = ids["a"], ids["b"]
    for p in PEOPLE:
        await li.ok("POST", f"/api/communities/{a}/persons", p)
    await zhao.ok("POST", f"/api/communities/{b}/persons", {"name": "赵六", "building": "1号楼", "room": "1"})
    meeting = await li.ok("POST", f"/api/communities/{a}/meetings", DEMO_SPEC)
    other = await zhao.ok("POST", f"/api/communities/{b}/meetings", DEMO_SPEC)
    inv = await li.ok("GET", f"/api/communities/{a}/meetings/{meeting['meeting_id']}/invitations")
    inv_b = await zhao.ok("GET", f"/api/communities/{b}/meetings/{other['meeting_id']}/invitations")
    ids["personal"] = {p["name"]: token_of(p["url"]) for p in inv["people"]}
    ids["personal_b"] = token_of(inv_b["people"][0]["url"])
    ids["person_id"] = {p["name"]: p["person_id"] for p in inv["people"]}
    ids["meeting"] = meeting["meeting_id"]
    ids["moderator"] = token_of(meeting["links"]["moderator"]["url"])
    ids["participant"] = token_of(meeting["links"]["participant"]["url"])
    ids["moderator_b"] = token_of(other["links"]["moderator"]["url"])
    ids["topics_link"] = token_of((await li.ok("POST", f"/api/communities/{a}/topics-link", {}))["url"])
    ids["topics_link_b"] = token_of((await zhao.ok("POST", f"/api/communities/{b}/topics-link", {}))["url"])
    return ids


def tiny_png(shade: int = 0) -> bytes:
    """A real 2×2 grey PNG (browsers decode it), different per ``shade``."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([shade, shade]) for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
