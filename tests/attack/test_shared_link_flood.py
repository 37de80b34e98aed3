"""Attacks on the socket limits holding only the shared resident link of a meeting with a roster (it is
printed on posters; it gives 旁听): its connections and messages are counted for that link, so filling
its connection cap or draining its message bucket never locks a resident with a personal link out of the
meeting or their vote."""

from __future__ import annotations

from pathlib import Path

from tests.invite.helpers import community_meeting, open_meeting, refused, token_of
from tests.staff.helpers import clients, staff_server
from tests.support.hub import FakeClock, Peer

LIMITS = {
    "connections_per_link": 3,
    "link_commands_burst": 5,
    "link_commands_per_s": 0.001,
    "link_joins_burst": 100,
}


async def test_the_shared_link_cannot_crowd_out_personal_links(tmp_path: Path) -> None:
    clock = FakeClock()
    async with (
        staff_server(tmp_path, clock=clock, overrides={"limits": LIMITS}) as server,
        clients(server.url, 1) as (staff,),
    ):
        c = await community_meeting(staff)
        await open_meeting(server.url, c)
        shared = c.links["participant"]["token"]
        flood = [Peer(server.url, shared) for _ in range(LIMITS["connections_per_link"])]
        wang = Peer(server.url, token_of(c.people["王阿姨"]["url"]))
        zhang = Peer(server.url, token_of(c.people["张三"]["url"]))
        try:
            for i, p in enumerate(flood):
                await p.connect()
                assert (await p.join(f"旁听{i}"))["ok"]
            # The shared link is full ...
            assert await refused(server.url, shared) == "too_many_connections"
            # ... and has spent its messages.
            codes = [(await flood[0].cmd("RaiseHand"))["ok"] for _ in range(LIMITS["link_commands_burst"])]
            assert (await flood[1].cmd("RaiseHand"))["error"]["code"] == "rate_limited", codes
            # Residents with their own links still come in and act.
            await wang.connect()
            await zhang.connect()
            await wang.ok("MoveMotion", title="东门停车", text="东门增设十个临时停车位。")
            await zhang.ok("SecondMotion", motion_id="m1")
        finally:
            for p in (*flood, wang, zhang):
                await p.close()
