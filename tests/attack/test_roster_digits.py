"""A roster field with digits that are digits to ``str.isdigit`` but not to ``int`` (Ethiopic 「፩」, as a
pasted cell may hold): refused 400 with the field's Chinese message, by hand and in an import — never a
500, never stored as a phone tail the door's search cannot find."""

from __future__ import annotations

from pathlib import Path

from tests.staff.helpers import clients, staff_server
from tests.staff.topics_helpers import topics_world


async def test_non_ascii_digits_in_a_roster_are_refused(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 3) as (admin, li, zhao):
        ids = await topics_world(admin, li, zhao)
        base = f"/api/communities/{ids['a']}"
        for field, value, message in (("birth_year", "፩፱፭፮", "四位年份"), ("phone_tail", "፩፪፫፬", "数字")):
            person = {"name": "赵六", "building": "1号楼", "room": "101", field: value}
            status, body = await li.call("POST", base + "/persons", person)
            assert (status, body["error"]["code"]) == (400, "invalid"), (field, status, body)
            assert message in body["error"]["message"]
        csv = "姓名,楼栋,房号,出生年份\n赵六,1号楼,101,፩፱፭፮\n".encode()
        status, body = await li.call("POST", base + "/import?mode=check&filename=r.csv", data=csv)
        assert status == 200 and body["report"]["errors"][0]["field"] == "birth_year", (status, body)
