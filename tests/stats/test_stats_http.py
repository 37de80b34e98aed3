"""The dashboards and their downloads over real HTTP on loopback: the admin sees the street, a 社工 only
their community; every other way is refused in words. And the service's cache: new events show once the
refresh interval has passed."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

from meeting_server.stats import StatsService
from meeting_server.store.eventlog import sqlite_path
from meeting_server.store.sqlite_log import SqliteEventLog
from tests.staff.helpers import clients, sign_in, street_with_two_communities

from . import logs
from .store import seed_into, seed_live, stats_server, write


async def test_admin_street_and_staff_scoping(tmp_path: Path) -> None:
    async with stats_server(tmp_path) as url, clients(url, 3) as (admin, li, anon):
        ids = await street_with_two_communities(admin)
        await seed_live(tmp_path, {"A": ids["a"], "B": ids["b"]})
        await sign_in(li, "li", "li-password")

        s = (await admin.ok("GET", "/api/stats"))["stats"]
        assert s["participation"]["attendances_count"] == 8
        assert {r["title"]: r["attendances_count"] for r in s["communities"]} == {"阳光新城": 7, "幸福里": 1}
        assert s["resolution_rate"]["value_pct"] == 50.0
        status, page = await admin.call("GET", "/staff/stats")
        assert status == 200 and "全街道 · 数据分析" in page["_text"] and "<svg" in page["_text"]

        mine = (await li.ok("GET", f"/api/communities/{ids['a']}/stats"))["stats"]
        assert mine["participation"]["attendances_count"] == 7
        assert "communities" not in mine
        status, page = await li.call("GET", f"/staff/c/{ids['a']}/stats")
        assert status == 200 and "阳光新城 · 数据分析" in page["_text"]

        # Refused, with a reason: the street to a 社工, another community, no session, a bad format.
        status, body = await li.call("GET", "/api/stats")
        assert (status, body["error"]["code"]) == (403, "forbidden") and "街道管理员" in body["error"][
            "message"
        ]
        status, body = await li.call("GET", f"/api/communities/{ids['b']}/stats")
        assert (status, body["error"]["message"]) == (403, "您的账号只能查看本社区的统计。")
        status, page = await li.call("GET", f"/staff/c/{ids['b']}/stats")
        assert status == 403 and "您的账号只能查看本社区的统计" in page["_text"]
        assert "幸福里" not in page["_text"]
        status, body = await anon.call("GET", f"/api/communities/{ids['a']}/stats")
        assert (status, body["error"]["code"]) == (401, "unauthorized")
        status, body = await admin.call("GET", "/api/stats?format=pdf")
        assert (status, body["error"]["code"]) == (400, "invalid")
        status, body = await admin.call("GET", "/api/communities/nope0/stats")
        assert status == 404 and body["error"]["message"] == "没有这个社区"
        # A 社工 opening the street's dashboard lands on their own.
        async with li.http.get(url + "/staff/stats", allow_redirects=False) as r:
            assert r.status == 302 and r.headers["Location"] == f"/staff/c/{ids['a']}/stats"

        # Downloads: CSV (with a BOM for Excel) and XLSX hold the same numbers.
        async with li.http.get(url + f"/api/communities/{ids['a']}/stats?format=csv") as r:
            assert r.status == 200 and "attachment" in r.headers["Content-Disposition"]
            text = (await r.read()).decode("utf-8-sig")
        table = {(row[0], row[1]): row[2] for row in csv.reader(io.StringIO(text))}
        assert table[("participation", "attendances_count")] == "7"
        async with admin.http.get(url + "/api/stats?format=xlsx") as r:
            assert r.status == 200
            wb = openpyxl.load_workbook(io.BytesIO(await r.read()))
        rows = list(wb["各社区"].iter_rows(min_row=2, values_only=True))
        assert sorted(row[1] for row in rows) == ["幸福里", "阳光新城"]


async def test_cache_refreshes_after_new_events(tmp_path: Path) -> None:
    now = [0.0]
    log = SqliteEventLog(sqlite_path(tmp_path))
    try:
        await seed_into(log)
        service = StatsService(log, refresh_s=5.0, clock=lambda: now[0])
        first = await service.stats()
        assert first["participation"]["meetings_count"] == 3
        await write(log, "b2", logs.meeting_b1())
        now[0] = 4.9
        assert (await service.stats()) is first  # within the interval: the cached KPIs
        now[0] = 5.0
        again = await service.stats()
        assert again["participation"]["meetings_count"] == 4
        assert again["participation"]["attendances_count"] == 9
        now[0] = 10.0
        assert (await service.stats()) is again  # nothing new: not recomputed
    finally:
        await log.close()
