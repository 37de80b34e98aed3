"""A roster over real HTTP: import CSV and XLSX (made here with openpyxl) with good and bad rows, in the
three modes; edit single people; export and re-import."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from tests.support.hub import DEMO_SPEC

from .helpers import Client, clients, sign_in, staff_server, street_with_two_communities

GOOD_CSV = (
    "姓名,楼栋,单元,房号,手机尾号,出生年份,面积,分组,表决权\n"
    "张三,3号楼,2单元,301,0123,1956,89.5,议事代表、楼栋长,是\n"
    "李四,3号楼,2单元,301,,,,居民,是\n"
    '王五,4号楼,1单元,101,4567,1980,70,"商户,居民",否\n'
)
BAD_CSV = GOOD_CSV + "赵六,,1单元,102,13800138000,1850,abc,,也许\n张三,3号楼,2单元,301,,,,,\n"


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(
    client: Client, community: str, data: bytes, mode: str, name: str = "名册.csv"
) -> tuple[int, Any]:
    return await client.call(
        "POST",
        f"/api/communities/{community}/import?mode={mode}&filename={name}",
        data=data,
        headers={"Content-Type": "application/octet-stream"},
    )


async def names(client: Client, community: str) -> list[str]:
    return [p["name"] for p in (await client.ok("GET", f"/api/communities/{community}"))["persons"]]


async def test_csv_import_check_all_valid(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 2) as (admin, li):
        ids = await street_with_two_communities(admin)
        await sign_in(li, "li", "li-password")
        a = ids["a"]
        # Check only: a report, nothing imported.
        status, answer = await upload(li, a, BAD_CSV.encode(), "check")
        report = answer["report"]
        assert status == 200 and report["rows"] == 5 and report["valid"] == 3 and report["imported"] == 0
        rows = {(e["row"], e["field"]): e["message"] for e in report["errors"]}
        assert set(rows) == {
            (5, "building"),
            (5, "phone_tail"),
            (5, "birth_year"),
            (5, "area_m2"),
            (5, "voting"),
            (6, "name"),
        }
        assert rows[(6, "name")] == "与第 2 行重复（同户同名：3号楼 2单元 301 张三）"
        assert {e["label"] for e in report["errors"] if e["row"] == 5} == {
            "楼栋",
            "手机尾号",
            "出生年份",
            "面积",
            "表决权",
        }
        assert await names(li, a) == []
        # All-or-nothing refuses a file with errors, and imports nothing.
        status, answer = await upload(li, a, BAD_CSV.encode(), "all")
        assert (
            status == 422
            and answer["error"]["code"] == "import_errors"
            and len(answer["report"]["errors"]) == 6
        )
        assert await names(li, a) == []
        # "Import the valid rows": the three good ones.
        status, answer = await upload(li, a, BAD_CSV.encode(), "valid")
        assert status == 201 and answer["report"]["imported"] == 3
        roster = (await li.ok("GET", f"/api/communities/{a}"))["persons"]
        assert [p["name"] for p in roster] == ["张三", "李四", "王五"]
        zhang, lisi, wang = roster
        assert zhang["phone_tail"] == "0123" and zhang["groups"] == ["议事代表", "楼栋长"] and zhang["voting"]
        assert lisi["area_m2"] == 89.5  # the household's area
        assert (
            wang["groups"] == ["商户", "居民"]
            and not wang["voting"]
            and wang["household"] == "4号楼 1单元 101"
        )
        # The same file again: every row is already on the roster.
        status, answer = await upload(li, a, GOOD_CSV.encode(), "all")
        assert status == 422
        assert {e["message"] for e in answer["report"]["errors"]} >= {
            "名册中已有同户同名的人（3号楼 2单元 301 张三）"
        }
        assert len(await names(li, a)) == 3


async def test_xlsx_and_other_files(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 2) as (admin, li):
        ids = await street_with_two_communities(admin)
        await sign_in(li, "li", "li-password")
        a = ids["a"]
        book = xlsx(
            [
                ["阳光新城居民名册"],  # a title row above the header
                [
                    "Name",
                    "Building",
                    "Unit",
                    "Room",
                    "Phone_tail",
                    "Birth_year",
                    "Age_band",
                    "Area",
                    "Groups",
                    "Voting",
                ],
                ["张三", "3号楼", "2单元", 301, 123, 1956, None, 89.5, "议事代表、楼栋长", "是"],
                ["李四", "3号楼", "2单元", 302, None, None, "80岁以上", 100, "居民", "否"],
                ["王五", "4号楼", None, 101, "12", None, None, -1, None, None],
            ]
        )
        status, answer = await upload(li, a, book, "all", "名册.xlsx")
        assert status == 422
        errors = answer["report"]["errors"]
        assert [(e["row"], e["field"]) for e in errors] == [(5, "phone_tail"), (5, "area_m2")]
        status, answer = await upload(li, a, book, "valid", "名册.xlsx")
        assert status == 201 and answer["report"]["imported"] == 2
        roster = (await li.ok("GET", f"/api/communities/{a}"))["persons"]
        assert [(p["name"], p["room"], p["phone_tail"], p["age_band"]) for p in roster] == [
            ("张三", "301", "0123", ""),
            ("李四", "302", "", "80+"),
        ]
        # Excel in China saves CSV as GBK: read as such.
        gbk = "姓名,楼栋,房号\n钱八,5号楼,501\n".encode("gb18030")
        assert (await upload(li, a, gbk, "all"))[0] == 201
        # Files the roster cannot read say what to do.
        for data, needle in [
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "另存为"),
            (b"PK\x03\x04not really a zip", "无法读取"),
            (b"", "空"),
            (b"\x00\x01\x02\xff\xfe", "CSV"),
        ]:
            status, answer = await upload(li, a, data, "check")
            assert (
                status == 400
                and answer["error"]["code"] == "bad_file"
                and needle in answer["error"]["message"]
            ), answer
        status, answer = await upload(li, a, b"x" * (5 * 1024 * 1024 + 1), "check")
        assert status == 413
        status, answer = await upload(li, a, b"name,building\n", "sideways")
        assert status == 400


async def test_edit_single_people_and_export(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 2) as (admin, li):
        ids = await street_with_two_communities(admin)
        await sign_in(li, "li", "li-password")
        base = f"/api/communities/{ids['a']}"
        one = (
            await li.ok(
                "POST",
                f"{base}/persons",
                {"name": "张三", "building": "3号楼", "room": "301", "area_m2": "89.5"},
            )
        )["person"]
        two = (
            await li.ok(
                "POST",
                f"{base}/persons",
                {"name": "李四", "building": "3号楼", "room": "301", "groups": "居民、商户"},
            )
        )["person"]
        assert two["area_m2"] == 89.5 and two["groups"] == ["居民", "商户"]
        status, answer = await li.call(
            "POST", f"{base}/persons", {"name": "", "building": "3号楼", "room": "x", "phone_tail": "12"}
        )
        assert status == 400 and answer["error"]["message"] == "姓名不能为空；手机尾号应为4位数字"
        status, answer = await li.call(
            "POST", f"{base}/persons", {"name": "x", "building": "1", "room": "1", "role": "admin"}
        )
        assert status == 400 and "未知字段" in answer["error"]["message"]
        status, answer = await li.call(
            "POST", f"{base}/persons", {"name": "张三", "building": "3号楼", "room": "301"}
        )
        assert status == 409 and answer["error"]["code"] == "duplicate"
        # Change: li's household's area follows, ids stay.
        changed = {
            **{k: two[k] for k in ("name", "building", "unit", "room", "groups")},
            "area_m2": 92,
            "voting": False,
            "birth_year": "1960",
        }
        got = (await li.ok("PUT", f"{base}/persons/{two['person_id']}", changed))["person"]
        assert got["person_id"] == two["person_id"] and got["birth_year"] == 1960 and not got["voting"]
        roster = (await li.ok("GET", base))["persons"]
        assert [(p["person_id"], p["area_m2"]) for p in roster] == [
            (one["person_id"], 92.0),
            (two["person_id"], 92.0),
        ]
        assert (await li.call("PUT", f"{base}/persons/ffffffffffff", changed))[0] == 404
        # Export (the import's header, re-importable) and re-import into another community.
        status, answer = await li.call("GET", f"{base}/roster.csv")
        assert status == 200
        text = answer["_text"]
        assert (
            text.splitlines()[0].lstrip("\ufeff")
            == "姓名,楼栋,单元,房号,手机尾号,出生年份,年龄段,面积,分组,表决权"
        )
        assert "李四,3号楼,,301,,1960,,92,居民、商户,否" in text
        status, answer = await upload(admin, ids["b"], text.encode("utf-8"), "all")
        assert status == 201 and answer["report"]["imported"] == 2
        # Remove.
        await li.ok("DELETE", f"{base}/persons/{one['person_id']}")
        assert [p["name"] for p in (await li.ok("GET", base))["persons"]] == ["李四"]
        assert (await li.call("DELETE", f"{base}/persons/{one['person_id']}"))[0] == 404


async def test_staff_create_meetings_for_their_community(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 3) as (admin, li, zhao):
        ids = await street_with_two_communities(admin)
        await sign_in(li, "li", "li-password")
        await sign_in(zhao, "zhao", "zhao-password")
        created = await li.ok("POST", f"/api/communities/{ids['a']}/meetings", DEMO_SPEC)
        await zhao.ok("POST", f"/api/communities/{ids['b']}/meetings", {**DEMO_SPEC, "title": "幸福里议事会"})
        plain = await server.create_meeting(DEMO_SPEC)  # the admin token's meetings belong to no community
        rt = await server.registry.get(created["meeting_id"])
        assert rt is not None and rt.state is not None and rt.state.community_id == ids["a"]
        other = await server.registry.get(plain["meeting_id"])
        assert other is not None and other.state is not None and other.state.community_id is None
        listed = (await li.ok("GET", f"/api/communities/{ids['a']}/meetings"))["meetings"]
        assert [m["meeting_id"] for m in listed] == [created["meeting_id"]]
        assert listed[0]["links"] == created["links"]  # the same links as issued
        # The participant link from the list opens the meeting's page.
        url = listed[0]["links"]["participant"]["url"]
        status, answer = await li.call("GET", url[url.index("/m/") :])
        assert status == 200 and DEMO_SPEC["title"] in answer["_text"]
        # A spec cannot choose its community (nor its id).
        status, answer = await li.call(
            "POST", f"/api/communities/{ids['a']}/meetings", {**DEMO_SPEC, "community_id": ids["b"]}
        )
        assert status == 400 and "community_id" in answer["error"]["message"]
        status, answer = await li.call(
            "POST", f"/api/communities/{ids['a']}/meetings", {**DEMO_SPEC, "agenda": []}
        )
        assert status == 400
