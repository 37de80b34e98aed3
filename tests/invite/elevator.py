"""The elevator case for the voting-rule tests (core.vote_rules): a community meeting whose roster has the
voters of 3号楼2单元 — with the helpers' roster (王阿姨 301, 刘大爷 302 without voting rights, 张三 of 5号楼
without an area): 王阿姨, 王叔叔 (301), 赵老师 (401), 孙阿姨 (402)."""

from __future__ import annotations

from tests.staff.helpers import Client

from .helpers import Community, community_meeting

ELEVATOR = [
    {"name": "王叔叔", "building": "3号楼", "unit": "2单元", "room": "301", "area_m2": 90},
    {"name": "赵老师", "building": "3号楼", "unit": "2单元", "room": "401", "area_m2": 100},
    {"name": "孙阿姨", "building": "3号楼", "unit": "2单元", "room": "402", "area_m2": 80},
]
UNIT = {"scope": "unit", "building": "3号楼", "unit": "2单元", "threshold": "three_quarters"}


async def elevator_meeting(staff: Client) -> Community:
    c = await community_meeting(staff)
    for person in ELEVATOR:
        await staff.ok("POST", f"/api/communities/{c.community_id}/persons", person)
    await c.invitations()
    return c
