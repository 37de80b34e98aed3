"""A community meeting with a roster, over the real staff API, and socket clients with personal links."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import socketio

from tests.staff.helpers import Client, bootstrap, sign_in
from tests.support.hub import DEMO_SPEC

PEOPLE = [
    {"name": "王阿姨", "building": "3号楼", "unit": "2单元", "room": "301", "phone_tail": "1234"},
    {"name": "刘大爷", "building": "3号楼", "unit": "2单元", "room": "302", "voting": False},
    {"name": "张三", "building": "5号楼", "room": "101", "phone_tail": "8866"},
]


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["t"][0]


def path_of(url: str) -> str:
    """A link's path and query, to open on the test server (links name the configured host and port)."""
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


@dataclass
class Community:
    staff: Client
    community_id: str
    meeting_id: str
    people: dict[str, dict[str, Any]]  # name -> the invitations row
    links: dict[str, dict[str, str]]  # role -> link

    @property
    def base(self) -> str:
        return f"/api/communities/{self.community_id}/meetings/{self.meeting_id}"

    async def invitations(self) -> dict[str, Any]:
        answer = await self.staff.ok("GET", self.base + "/invitations")
        self.people = {p["name"]: p for p in answer["people"]}
        self.links = answer["role_links"]
        return answer


async def community_meeting(admin: Client, spec: dict[str, Any] | None = None) -> Community:
    """A street admin, a community with a 社工 (signed in on ``admin``'s client), its roster, a meeting."""
    await bootstrap(admin)
    cid = (await admin.ok("POST", "/api/street/communities", {"title": "阳光新城"}))["community"][
        "community_id"
    ]
    await admin.ok(
        "POST",
        "/api/street/accounts",
        {
            "username": "li",
            "display_name": "李社工",
            "role": "staff",
            "community_id": cid,
            "password": "li-password",
        },
    )
    await sign_in(admin, "li", "li-password")
    for person in PEOPLE:
        await admin.ok("POST", f"/api/communities/{cid}/persons", person)
    created = await admin.ok("POST", f"/api/communities/{cid}/meetings", spec or DEMO_SPEC)
    c = Community(admin, cid, created["meeting_id"], {}, created["links"])
    await c.invitations()
    return c


async def refused(url: str, token: str, session: str | None = None) -> str:
    """Connect with ``token`` and return the connect_error code the server sent."""
    sio = socketio.AsyncClient(reconnection=False)
    got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    @sio.on("connect_error")
    async def _err(data: Any) -> None:
        if not got.done():
            got.set_result(data)

    auth = {"token": token} | ({"session": session} if session else {})
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=5)
    data = await asyncio.wait_for(got, 5)
    await sio.disconnect()
    code: str = data["data"]["code"]
    return code


async def open_meeting(url: str, c: Community) -> None:
    """The moderator opens the meeting and its first item (then leaves the socket)."""
    from tests.support.hub import Peer

    mod = Peer(url, c.links["moderator"]["token"])
    try:
        await mod.connect()
        await mod.join("主持人甲")
        await mod.ok("OpenMeeting")
        await mod.ok("StartAgendaItem", index=0)
    finally:
        await mod.close()
