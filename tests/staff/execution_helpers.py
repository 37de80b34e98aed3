"""A community whose meeting passed a resolution (a real vote over python-socketio), for 执行监督."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from meeting_server.community.execution_state import CHINA
from tests.support.hub import Peer

GREEN = "中心绿地补种绿化"
# The tests' dates (deadline 2027-05-31, milestones, overdue months) are read from this moment, whatever
# the day they run: their fake clocks start here.
T0 = datetime(2026, 12, 3, 10, 0, tzinfo=CHINA).timestamp()


async def pass_resolution(url: str, ids: dict[str, Any], title: str = GREEN) -> str:
    """Community A's meeting (``topics_helpers.topics_world``) passes ``title``; its resolution id."""
    mod = Peer(url, ids["moderator"])
    people = {name: Peer(url, token) for name, token in ids["personal"].items()}
    peers = [mod, *people.values()]
    try:
        for p in peers:
            await p.connect()
        assert (await mod.join("主持人"))["ok"]
        for p in people.values():
            assert p.participant_id is not None  # a personal link joins at hello, as its person
        await mod.ok("OpenMeeting")
        await mod.ok("StartAgendaItem", index=0)
        mover, seconder = people["张三"], people["李四"]
        await mover.ok("MoveMotion", title=title, text="由物业招标，在中心绿地补种乔木和草坪。")
        await mod.wait_for(lambda: any(e["type"] == "MotionMoved" for e in mod.events))
        motion_id = next(e for e in mod.events if e["type"] == "MotionMoved")["payload"]["motion_id"]
        await seconder.ok("SecondMotion", motion_id=motion_id)
        await mod.ok("OpenVote", motion_id=motion_id)
        for p in people.values():
            await p.ok("CastVote", motion_id=motion_id, choice="yes")
        seq = await mod.ok("CloseVote", motion_id=motion_id)
        await mod.wait_seq(seq)
        recorded = [e for e in mod.events if e["type"] == "ResolutionRecorded"]
        assert recorded, [e["type"] for e in mod.events]
        resolution_id: str = recorded[-1]["payload"]["resolution_id"]
        return resolution_id
    finally:
        for p in peers:
            await p.sio.disconnect()
