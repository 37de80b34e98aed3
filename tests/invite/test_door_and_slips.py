"""The recorder's door list and check-in by short code or search; the roster snapshot follows the
roster; the printable slips (pypdf reads them back); the staff scope of it all."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any

import aiohttp
import pypdf

from tests.staff.helpers import clients, sign_in, staff_server
from tests.support.hub import Peer

from .helpers import PEOPLE, community_meeting, open_meeting, token_of


async def _door(url: str, meeting_id: str, token: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{url}/api/meetings/{meeting_id}/door", params={"t": token}) as r:
            return r.status, await r.json()


async def test_the_recorder_checks_people_in_by_code_and_by_search(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await community_meeting(staff)
        await open_meeting(server.url, c)
        recorder = c.links["recorder"]["token"]
        status, door = await _door(server.url, c.meeting_id, recorder)
        assert status == 200
        people = {p["name"]: p for p in door["people"]}
        assert set(people) == {p["name"] for p in PEOPLE}
        assert people["王阿姨"]["phone_tail"] == "1234" and people["王阿姨"]["household"] == "3号楼 2单元 301"
        # The codes are the slips' codes, unique, six digits.
        assert {n: p["code"] for n, p in people.items()} == {n: p["code"] for n, p in c.people.items()}
        assert len({p["code"] for p in people.values()}) == 3
        assert all(re.fullmatch(r"\d{6}", p["code"]) for p in people.values())
        # Only the recorder's link reads it.
        for token in (c.links["moderator"]["token"], token_of(c.people["王阿姨"]["url"])):
            assert (await _door(server.url, c.meeting_id, token))[0] == 403

        wang = c.people["王阿姨"]
        online = Peer(server.url, token_of(wang["url"]))
        rec = Peer(server.url, recorder)
        try:
            await online.connect()
            await rec.connect()
            await rec.join("记录员小周")
            # By short code: 刘大爷 has no phone with him; the recorder types the code on his slip.
            liu = next(p for p in people.values() if p["code"] == c.people["刘大爷"]["code"])
            await rec.ok("CheckInInRoom", name=liu["name"], person_id=liu["person_id"])
            again = await rec.cmd("CheckInInRoom", name=liu["name"], person_id=liu["person_id"])
            assert again["error"]["code"] == "duplicate"
            # By search (phone tail 1234): 王阿姨, online already — the same participant, now in the hall.
            found = [p for p in door["people"] if p["phone_tail"] == "1234"]
            assert [p["name"] for p in found] == ["王阿姨"]
            seq = await rec.ok("CheckInInRoom", name="王阿姨", person_id=found[0]["person_id"])
            await rec.wait_seq(seq)
            named = [p for p in rec.view["participants"] if p["name"] == "王阿姨"]
            assert [(p["participant_id"], p["channel"]) for p in named] == [
                ("per-" + wang["person_id"], "room")
            ]
            # Somebody not on the roster: still by a typed name; a made-up person id is refused.
            await rec.ok("CheckInInRoom", name="路过的李先生")
            bad = await rec.cmd("CheckInInRoom", name="x", person_id="nobody")
            assert bad["error"]["code"] == "not_on_roster"
        finally:
            await online.close()
            await rec.close()
        status, door = await _door(server.url, c.meeting_id, recorder)
        states = {p["name"]: (p["present"], p["channel"]) for p in door["people"]}
        assert states == {"王阿姨": (True, "room"), "刘大爷": (True, "room"), "张三": (False, None)}


async def test_the_meetings_roster_follows_the_communitys_until_it_closes(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await community_meeting(staff)
        rt = await server.registry.get(c.meeting_id)
        assert rt is not None and rt.state is not None
        assert {e.name for e in rt.state.electors.values()} == {p["name"] for p in PEOPLE}
        liu = rt.state.electors[c.people["刘大爷"]["person_id"]]
        assert (liu.voting, liu.building, liu.unit, liu.room) == (False, "3号楼", "2单元", "302")
        added = await staff.ok(
            "POST",
            f"/api/communities/{c.community_id}/persons",
            {"name": "赵大姐", "building": "5号楼", "room": "502"},
        )
        assert added["person"]["person_id"] in rt.state.electors
        seq = rt.seq
        await c.invitations()  # nothing changed: nothing written
        assert rt.seq == seq and "赵大姐" in c.people
        await staff.ok("DELETE", f"/api/communities/{c.community_id}/persons/{added['person']['person_id']}")
        assert added["person"]["person_id"] not in rt.state.electors


async def test_the_slips_pdf_has_every_person_their_code_and_link(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await community_meeting(staff)
        for i in range(7):  # ten people: two pages of eight
            await staff.ok(
                "POST",
                f"/api/communities/{c.community_id}/persons",
                {"name": f"居民{i}", "building": "7号楼", "room": f"10{i}"},
            )
        await c.invitations()
        async with staff.http.get(server.url + c.base + "/invitations.pdf") as r:
            assert r.status == 200 and r.content_type == "application/pdf"
            assert r.headers["Cache-Control"] == "no-store"
            pdf = pypdf.PdfReader(io.BytesIO(await r.read()))
        assert len(pdf.pages) == math.ceil(len(c.people) / 8) == 2
        text = re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in pdf.pages))
        for name, p in c.people.items():
            assert name in text and p["code"] in text, name
            assert token_of(p["url"]) in text  # the link, printed under the QR code
        assert "3号楼2单元301" in text and "测试议事会" in text and "社区活动中心" in text
        assert "2026年12月1日19:00" in text and "扫描二维码" in text
        images = sum(len(page.images) for page in pdf.pages)
        assert images == len(c.people)  # one QR code per slip


async def test_invitations_are_the_communitys_staffs_only(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 2) as (staff, other):
        c = await community_meeting(staff)
        # Another community's 社工 (made by the street admin) sees nothing of it.
        await sign_in(other, "wang", "street-admin-pw")
        b = (await other.ok("POST", "/api/street/communities", {"title": "幸福里"}))["community"][
            "community_id"
        ]
        await other.ok(
            "POST",
            "/api/street/accounts",
            {
                "username": "zhao",
                "display_name": "赵社工",
                "role": "staff",
                "community_id": b,
                "password": "zhao-password",
            },
        )
        await sign_in(other, "zhao", "zhao-password")
        wang = c.people["王阿姨"]["person_id"]
        for method, path in [
            ("GET", c.base + "/invitations"),
            ("GET", c.base + "/invitations.pdf"),
            ("POST", c.base + f"/invitations/{wang}/revoke"),
            ("POST", c.base + "/links/moderator/rotate"),
        ]:
            status, _ = await other.call(method, path, {} if method == "POST" else None)
            assert status == 403, (method, path)
        # Their own community's path does not reach this meeting either.
        status, _ = await other.call("GET", f"/api/communities/{b}/meetings/{c.meeting_id}/invitations")
        assert status == 404
        # A write without the CSRF header is refused; nothing was revoked.
        status, answer = await staff.call("POST", c.base + f"/invitations/{wang}/revoke", {}, csrf=False)
        assert (status, answer["error"]["code"]) == (403, "csrf")
        status, answer = await staff.call("POST", c.base + "/invitations/nobody/revoke", {})
        assert (status, answer["error"]["code"]) == (400, "not_on_roster")
        assert (await c.invitations())["people"][0]["revoked"] == 0
