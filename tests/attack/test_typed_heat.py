"""An attack with nothing but the community's topics link: one person typing many names and buildings to
make a topic hot (and proposed for escalation). Self-declared supporters count at most three in the heat,
and the explanation on the topic says so; residents supporting on their own links count fully."""

from __future__ import annotations

from pathlib import Path

from meeting_server.topics.heat import ESCALATE_AT
from tests.staff.helpers import clients, staff_server
from tests.staff.test_topics_http import api
from tests.staff.topics_helpers import topics_world


async def test_typed_names_cannot_inflate_a_topics_heat(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await topics_world(admin, li, zhao)
        title = "小区东门晚上噪音太大"  # 噪音油烟: the 民生 weight, the hottest category
        topic = (await web.ok("POST", api(ids, "/topics", ids["personal"]["张三"]), {"title": title}))[
            "topic"
        ]
        support = f"/topics/{topic['topic_id']}/support"
        heats = []
        for n in range(40):
            typed = {"name": f"居民{n}", "building": f"{n % 9 + 1}号楼"}
            answer = (await web.ok("POST", api(ids, support), typed))["topic"]
            heats.append(answer["heat"]["score"])
        assert answer["supporters"] == 40
        explanation = answer["heat"]["explanation"]
        assert "其中 40 人为自报身份，自报身份最多计 3 人" in explanation, explanation
        assert heats[3:] == [heats[2]] * 37  # the fourth typed name on adds nothing
        assert answer["heat"]["score"] < ESCALATE_AT and not answer["heat"]["escalate"]
        # A resident on her own link still counts in full.
        own = (await web.ok("POST", api(ids, support, ids["personal"]["王五"]), {}))["topic"]
        assert own["supporters"] == 41 and own["heat"]["score"] > heats[-1]
        # The screeners' queue says the same.
        queue = (await li.ok("GET", f"/api/communities/{ids['a']}/topics"))["queue"]
        (row,) = [t for t in queue if t["topic_id"] == topic["topic_id"]]
        assert row["heat"] == own["heat"]
