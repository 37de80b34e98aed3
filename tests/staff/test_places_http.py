"""A community's place names over real HTTP: its 社工 keeps them, the others read or are refused with the
reason, bad lists are refused whole; they survive a restart and reach the hot words of the community's
meetings (before the server's ``[meeting] places``), and of no other community's."""

from __future__ import annotations

from pathlib import Path

from meeting_server.community.places_rules import MAX_PLACES
from meeting_server.hub.keys import AUDIO
from tests.support.hub import DEMO_SPEC, FakeClock, Server

from .helpers import Client, clients, sign_in, staff_server, street_with_two_communities


def url(community: str) -> str:
    return f"/api/communities/{community}/places"


async def test_places_kept_by_the_communitys_staff(tmp_path: Path) -> None:
    clock = FakeClock()
    async with (
        staff_server(tmp_path, clock=clock) as server,
        clients(server.url, 4) as (admin, li, zhao, anon),
    ):
        ids = await street_with_two_communities(admin)
        a, b = ids["a"], ids["b"]
        await sign_in(li, "li", "li-password")
        await sign_in(zhao, "zhao", "zhao-password")

        assert (await li.ok("GET", url(a)))["places"] == []
        saved = await li.ok("PUT", url(a), {"places": ["幸福路", " 阳光新城北门 ", "东门菜场"]})
        assert saved["places"] == ["幸福路", "阳光新城北门", "东门菜场"]
        assert saved["limits"] == {"count": MAX_PLACES, "min_len": 2, "max_len": 16}

        # Role and scope: another community's 社工 neither reads nor writes; the street admin reads only.
        for method, body in (("GET", None), ("PUT", {"places": ["西门"]})):
            status, answer = await zhao.call(method, url(a), body)
            assert status == 403 and answer["error"]["code"] == "forbidden", answer
        assert (await admin.ok("GET", url(a)))["places"] == saved["places"]
        status, answer = await admin.call("PUT", url(a), {"places": ["西门"]})
        assert status == 403 and answer["error"]["code"] == "forbidden", answer
        status, _ = await anon.call("GET", url(a))
        assert status == 401
        status, _ = await li.call("PUT", url(a), {"places": ["西门"]}, csrf=False)
        assert status == 403

        # Bad input: refused whole, with the reason; the saved list is unchanged.
        bad: list[tuple[object, str]] = [
            ({"places": "幸福路"}, "列表"),
            ({"places": ["幸福路", 3]}, "列表"),
            ({"places": ["幸福路"], "extra": 1}, "未知字段"),
            ({"places": ["东"]}, "太短"),
            ({"places": ["<script>"]}, "只能由汉字"),
            ({"places": ["幸福路", "幸福路"]}, "重复"),
            ({"places": [f"地名{i}号" for i in range(MAX_PLACES + 1)]}, f"最多 {MAX_PLACES} 个"),
            ({"places": ["幸福路", "阳光新城北门", "东门菜场"]}, "没有变化"),
        ]
        for body, words in bad:
            status, answer = await li.call("PUT", url(a), body)
            assert status in (400, 409) and words in answer["error"]["message"], (body, status, answer)
        assert (await li.ok("GET", url(a)))["places"] == saved["places"]

        # The hot words of a turn in community A's meeting carry them; community B's meeting does not.
        mine = (await li.ok("POST", f"/api/communities/{a}/meetings", DEMO_SPEC))["meeting_id"]
        theirs = (await zhao.ok("POST", f"/api/communities/{b}/meetings", DEMO_SPEC))["meeting_id"]
        words = await hotwords(server, mine)
        assert {"幸福路", "阳光新城北门", "东门菜场"} <= set(words), words
        assert "幸福路" not in await hotwords(server, theirs)
        # A change is read again at the next turn.
        await li.ok("PUT", url(a), {"places": ["幸福路", "南湖公园"]})
        assert "南湖公园" in await hotwords(server, mine)

    # After a restart (the same log), with server places configured for A: the staff's first.
    overrides = {"meeting": {"places": ["街道大厅", f"{a}:老街口"]}}
    async with (
        staff_server(tmp_path, clock=clock, overrides=overrides) as server,
        clients(server.url, 1) as (li,),
    ):
        await sign_in(li, "li", "li-password")
        answer = await li.ok("GET", url(a))
        assert answer["places"] == ["幸福路", "南湖公园"]
        assert answer["configured"] == ["街道大厅", "老街口"]
        words = await hotwords(server, mine)
        assert words.index("南湖公园") < words.index("街道大厅") < words.index("老街口"), words


async def hotwords(server: Server, meeting_id: str) -> list[str]:
    """What a turn starting now in the meeting gets (the hub reads the community's lists at each turn)."""
    audio = server.app[AUDIO]
    rt = await audio.registry.get(meeting_id)
    assert rt is not None
    return await audio.read_hotwords(rt)


async def test_the_places_page_needs_the_communitys_account(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 3) as (admin, li, zhao):
        ids = await street_with_two_communities(admin)
        await sign_in(li, "li", "li-password")
        await sign_in(zhao, "zhao", "zhao-password")
        status, page = await li.call("GET", f"/staff/c/{ids['a']}/places")
        assert status == 200 and "地名" in page["_text"] and "staff_places.js" in page["_text"]
        status, page = await zhao.call("GET", f"/staff/c/{ids['a']}/places")
        assert status == 403 and "只能维护本社区的地名" in page["_text"]
        anon = Client(server.url)
        try:
            async with anon.http.get(server.url + f"/staff/c/{ids['a']}/places", allow_redirects=False) as r:
                assert r.status == 302 and r.headers["Location"] == "/staff/login"
        finally:
            await anon.close()
