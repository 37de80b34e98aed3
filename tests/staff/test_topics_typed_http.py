"""An attack with nothing but the community's topics link: typing a neighbour's name and building.
On a real server, the typed name supports as a self-declared person (said so in the heat and to the
screener), the neighbour's own link still supports and replaces it, and the typed name cannot add a
second support for the same person."""

from __future__ import annotations

from pathlib import Path

from .helpers import clients, staff_server
from .test_topics_http import PARKING, api, refused
from .topics_helpers import topics_world


async def test_typing_a_neighbours_name_takes_nothing_from_him(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 4) as (admin, li, zhao, web):
        ids = await topics_world(admin, li, zhao)
        zhang, li4 = ids["personal"]["张三"], ids["personal"]["李四"]
        topic = (await web.ok("POST", api(ids, "/topics", zhang), {"title": PARKING}))["topic"]
        support = f"/topics/{topic['topic_id']}/support"
        as_li4 = {"name": "李四", "building": "3号楼"}  # 李四's name and building, typed by anyone
        typed = (await web.ok("POST", api(ids, support), as_li4))["topic"]
        assert typed["supporters"] == 1 and "其中 1 人为自报身份" in typed["heat"]["explanation"]
        await refused(web, "POST", api(ids, support), as_li4, 409, "duplicate")
        # 李四 on his own link: accepted, and he counts once; the typed support is no longer counted.
        own = (await web.ok("POST", api(ids, support, li4), {}))["topic"]
        assert own["supporters"] == 1 and own["supported"] is True
        assert "自报" not in own["heat"]["explanation"]
        await refused(web, "POST", api(ids, support, li4), {}, 409, "duplicate")
        await refused(web, "POST", api(ids, support), as_li4, 409, "duplicate")
        # A topic submitted under a typed name is shown to the screener as self-declared.
        await web.ok("POST", api(ids, "/topics"), {"title": "南门垃圾桶太臭", **as_li4})
        queue = (await li.ok("GET", f"/api/communities/{ids['a']}/topics"))["queue"]
        assert [t["author"]["self_declared"] for t in queue] == [False, True]
