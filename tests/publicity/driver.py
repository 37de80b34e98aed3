"""A published resolution of one unit over the real server: the elevator meeting (tests.invite.elevator)
passes 3号楼2单元加装电梯 in the unit's scope, closes, and the recorder publishes the minutes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.invite.elevator import UNIT, elevator_meeting
from tests.invite.helpers import Community, open_meeting, token_of
from tests.staff.helpers import Client
from tests.support.hub import DEMO_SPEC, Peer

RULE = {**UNIT, "threshold": "majority_cast"}


@dataclass
class Published:
    c: Community
    meeting_id: str
    resolution_id: str
    topic_id: str = ""

    def token(self, name: str) -> str:
        """The personal link token of a roster person."""
        return token_of(self.c.people[name]["url"])

    @property
    def recorder(self) -> str:
        return self.c.links["recorder"]["token"]

    @property
    def page(self) -> str:
        return f"/p/{self.meeting_id}/{self.resolution_id}"

    @property
    def api(self) -> str:
        return f"/api/p/{self.meeting_id}/{self.resolution_id}"


def of_type(peer: Peer, kind: str) -> list[dict[str, Any]]:
    return [e for e in peer.events if e["type"] == kind]


async def topic_meeting(staff: Client, c: Community) -> str:
    """张三 submits the elevator as a topic, the 社工 accepts it, and a new meeting (now ``c``'s) has it as
    its first agenda item. Returns the topic id."""
    a = c.community_id
    body = {"title": "3号楼2单元想装电梯", "body": "老人上下楼太难"}
    submitted = await staff.ok("POST", f"/api/topics/{a}/topics?t={token_of(c.people['张三']['url'])}", body)
    topic_id: str = submitted["topic"]["topic_id"]
    await staff.ok("POST", f"/api/communities/{a}/topics/{topic_id}/accept", {})
    item = {"title": "3号楼2单元加装电梯", "planned_minutes": 20, "topic_id": topic_id}
    spec = {**DEMO_SPEC, "agenda": [item, *DEMO_SPEC["agenda"]]}
    created = await staff.ok("POST", f"/api/communities/{a}/meetings", spec)
    c.meeting_id = created["meeting_id"]
    await c.invitations()
    return topic_id


async def published_resolution(url: str, staff: Client, topic: bool = False) -> Published:
    """王阿姨 and 孙阿姨 online, 赵老师 in the hall (the recorder enters her ballot); 王叔叔 stays home.
    With ``topic``, the meeting's first agenda item names an accepted topic (``topic_meeting``)."""
    c = await elevator_meeting(staff)
    topic_id = await topic_meeting(staff, c) if topic else ""
    await open_meeting(url, c)
    mod, rec = Peer(url, c.links["moderator"]["token"]), Peer(url, c.links["recorder"]["token"])
    wang, sun = Peer(url, token_of(c.people["王阿姨"]["url"])), Peer(url, token_of(c.people["孙阿姨"]["url"]))
    peers = [mod, rec, wang, sun]
    try:
        for p in peers:
            await p.connect()
        await mod.join("主持人甲")
        await rec.join("记录员乙")
        await wang.ok("MoveMotion", title="3号楼2单元加装电梯", text="申请加装电梯一部，费用按楼层分摊。")
        await mod.wait_for(lambda: bool(of_type(mod, "MotionMoved")))
        motion_id = of_type(mod, "MotionMoved")[-1]["payload"]["motion_id"]
        await sun.ok("SecondMotion", motion_id=motion_id)
        zhao = c.people["赵老师"]
        await rec.ok("CheckInInRoom", name="赵老师", person_id=zhao["person_id"])
        await mod.ok("OpenVote", motion_id=motion_id, rule=RULE)
        await wang.ok("CastVote", motion_id=motion_id, choice="yes")
        await sun.ok("CastVote", motion_id=motion_id, choice="yes")
        await rec.ok("CastVote", motion_id=motion_id, choice="no", on_behalf_of="per-" + zhao["person_id"])
        await mod.ok("CloseVote", motion_id=motion_id)
        await mod.ok("CloseMeeting")
        await rec.wait_for(lambda: bool(of_type(rec, "MinutesDrafted")), timeout=30)
        seq = await rec.ok("PublishMinutes")
        await rec.wait_seq(seq)
        (resolution,) = of_type(rec, "ResolutionRecorded")
        return Published(c, c.meeting_id, resolution["payload"]["resolution_id"], topic_id)
    finally:
        for p in peers:
            await p.close()
