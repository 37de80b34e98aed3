"""Attacks on the hall display (the projector) holding only the public 旁听 observer link: the display has a
link of its own (role ``hall``), handed out with the officials' links to the staff, so filling the
observer link's connection cap or draining its message buckets never stalls the projector, and the
observer link no longer opens the projector's page."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.invite.helpers import community_meeting, open_meeting, path_of, refused
from tests.staff.helpers import clients, staff_server
from tests.support.hub import FakeClock, Peer

LIMITS = {
    "connections_per_observer_link": 3,
    "link_hellos_burst": 4,
    "link_hellos_per_s": 0.001,
}


async def test_flooding_the_observer_link_does_not_stall_the_projector(tmp_path: Path) -> None:
    clock = FakeClock()
    async with (
        staff_server(tmp_path, clock=clock, overrides={"limits": LIMITS}) as server,
        clients(server.url, 1) as (staff,),
    ):
        c = await community_meeting(staff)
        await open_meeting(server.url, c)
        observer = c.links["observer"]["token"]
        hall = c.links["hall"]
        assert hall["token"] != observer and "/hall?t=" in hall["url"] and hall["label"] == "会场大屏"
        flood = [Peer(server.url, observer) for _ in range(3)]
        projector = Peer(server.url, hall["token"])
        try:
            for p in flood:
                await p.connect()  # each hello takes one of the link's
            assert await refused(server.url, observer) == "too_many_connections"
            ack = await flood[0].sio.call("sync", {}, timeout=10)  # the fourth hello of the link
            assert ack["ok"]
            ack = await flood[1].sio.call("sync", {}, timeout=10)
            assert ack["error"]["code"] == "rate_limited", ack
            # The projector's link is its own: it connects, says hello and is sent the meeting.
            await projector.connect()
            assert projector.view["meeting"]["status"] == "open"
            assert "session" not in projector.welcomes[-1]["you"]  # a watcher: no session, no join
            assert (await projector.join("大屏"))["error"]["code"] == "forbidden"
            assert (await projector.cmd("RaiseHand"))["error"]["code"] == "forbidden"
            async with aiohttp.ClientSession() as s:
                r = await s.get(server.url + path_of(hall["url"]))
                assert r.status == 200 and "会场大屏" in await r.text()
                # The public link may still show the projector's layout, but only as one more observer
                # connection, crowded out like the others: the projector's own link is not.
                r = await s.get(f"{server.url}/m/{c.meeting_id}/hall?t={observer}")
                assert r.status == 200
        finally:
            for p in (*flood, projector):
                await p.close()


async def test_the_hall_link_is_rotated_apart(tmp_path: Path) -> None:
    """A hall link shown where it should not be is rotated by the staff on its own: the projector holding it
    is dropped, the observers are not."""
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await community_meeting(staff)
        await open_meeting(server.url, c)
        projector = Peer(server.url, c.links["hall"]["token"])
        obs = Peer(server.url, c.links["observer"]["token"])
        try:
            await projector.connect()
            await obs.connect()
            await staff.ok("POST", c.base + "/links/hall/rotate", {})
            await projector.wait_for(lambda: not projector.sio.connected, 5)
            assert obs.sio.connected
            await c.invitations()
            assert await refused(server.url, projector.token) == "link_revoked"
            fresh = Peer(server.url, c.links["hall"]["token"])
            await fresh.connect()
            await fresh.close()
        finally:
            await projector.close()
            await obs.close()
