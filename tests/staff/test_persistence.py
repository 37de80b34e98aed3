"""Everything staff do is events in the log: it survives a restart, in the embedded store and on a real
redis-server, its chains verify, meetings and rosters stay apart, and on Redis two processes agree at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from meeting_server.communities import STREET_STREAM, community_stream
from meeting_server.store.eventlog import open_event_log
from tests.support.hub import DEMO_SPEC, FakeClock, make_settings
from tests.support.redis import RedisServer

from .helpers import clients, sign_in, staff_server, street_with_two_communities
from .test_roster_http import GOOD_CSV, upload


async def test_restart_keeps_everything(tmp_path: Path, redis_url: str) -> None:
    clock = FakeClock()
    async with (
        staff_server(tmp_path, redis_url=redis_url, clock=clock) as server,
        clients(server.url, 2) as (admin, li),
    ):
        ids = await street_with_two_communities(admin)
        await sign_in(li, "li", "li-password")
        assert (await upload(li, ids["a"], GOOD_CSV.encode(), "all"))[0] == 201
        before = (await li.ok("GET", f"/api/communities/{ids['a']}"))["persons"]
        person = before[0]
        edited = {k: person[k] for k in ("name", "building", "unit", "room", "groups")} | {
            "phone_tail": "9999"
        }
        await li.ok("PUT", f"/api/communities/{ids['a']}/persons/{person['person_id']}", edited)
        await admin.ok("POST", f"/api/street/accounts/{ids['zhao']}/disable")
        await server.create_meeting(DEMO_SPEC)  # a meeting in the same log
        cookie = li.cookie()
        expected = (await li.ok("GET", f"/api/communities/{ids['a']}"))["persons"]
        assert [p["person_id"] for p in expected] == [p["person_id"] for p in before]

    async with (
        staff_server(tmp_path, redis_url=redis_url, clock=clock) as server,
        clients(server.url, 3) as (li, zhao, old),
    ):
        # The meeting registry loaded the meeting and no roster as a meeting.
        assert len(server.registry.loaded()) == 1
        await sign_in(li, "li", "li-password")
        assert (await li.ok("GET", f"/api/communities/{ids['a']}"))["persons"] == expected
        status, answer = await zhao.call(
            "POST", "/api/street/session", {"username": "zhao", "password": "zhao-password"}
        )
        assert (status, answer["error"]["code"]) == (401, "account_disabled")
        # A session signed before the restart still works (same key, same epoch).
        assert cookie is not None
        await old.ok("GET", f"/api/communities/{ids['a']}", headers={"Cookie": "gongzhi_staff=" + cookie})

    settings = make_settings(tmp_path).with_overrides(redis={"url": redis_url})
    log = open_event_log(settings)
    try:
        assert len(await log.meeting_ids()) == 1
        assert await log.stream_ids("street") == [STREET_STREAM]
        assert sorted(await log.stream_ids("community")) == sorted([community_stream(ids["a"])])
        for stream in (STREET_STREAM, community_stream(ids["a"])):
            report = await log.verify(stream)
            assert report.ok and report.count > 0, (stream, report)
        # Who did what is in the record: the 社工's account id on the roster's events.
        records = await log.read(community_stream(ids["a"]))
        assert {r.actor for r in records} == {ids["li"]} and {r.role for r in records} == {"staff"}
        assert [r.type for r in records] == ["PersonsAdded", "PersonChanged"]
        # A password is never in the log, only its argon2 hash.
        street = await log.read(STREET_STREAM)
        assert not any("li-password" in str(r.payload) for r in street)
        assert all(
            r.payload["password_hash"].startswith("$argon2id$") for r in street if r.type == "AccountCreated"
        )
    finally:
        await log.close()

    # The command line's chain check: `verify all` is every meeting, roster and the street directory; one
    # roster is checked by its stream id.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env |= {"GONGZHI_STORE__DATA_DIR": str(tmp_path), "GONGZHI_REDIS__URL": redis_url}

    def verify(stream: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "meeting_server", "verify", stream]
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)

    every = verify("all")
    lines = every.stdout.splitlines()
    assert every.returncode == 0 and lines and all(": OK — " in line for line in lines), every
    assert {line.split(":  ")[0].split(": OK")[0] for line in lines} >= {
        community_stream(ids["a"]),
        STREET_STREAM,
    }, every
    assert sum(1 for line in lines if not line.startswith(("community:", "street:"))) == 1, every
    roster = verify(community_stream(ids["a"]))
    assert roster.returncode == 0 and "OK — 2 events" in roster.stdout, roster


async def test_two_processes_on_one_redis_agree_at_once(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis")
    try:
        async with (
            staff_server(tmp_path / "a", redis_url=redis.url) as one,
            staff_server(tmp_path / "b", redis_url=redis.url) as two,
            clients(one.url, 2) as (admin, li_one),
            clients(two.url, 1) as (li_two,),
        ):
            ids = await street_with_two_communities(admin)
            token = (await sign_in(li_one, "li", "li-password"))["token"]
            bearer = {"Authorization": "Bearer " + token}
            # The same session on the other process (same secret key in make_settings): one roster.
            await li_two.ok(
                "POST",
                f"/api/communities/{ids['a']}/persons",
                {"name": "张三", "building": "1", "room": "1"},
                headers=bearer,
            )
            await li_one.ok(
                "POST", f"/api/communities/{ids['a']}/persons", {"name": "李四", "building": "1", "room": "1"}
            )
            got = (await li_two.ok("GET", f"/api/communities/{ids['a']}", headers=bearer))["persons"]
            assert [p["name"] for p in got] == ["张三", "李四"]
            # Disabled through one process: the other refuses the very next request.
            await admin.ok("POST", f"/api/street/accounts/{ids['li']}/disable")
            status, answer = await li_two.call("GET", f"/api/communities/{ids['a']}", headers=bearer)
            assert (status, answer["error"]["code"]) == (401, "account_disabled")
    finally:
        redis.stop()
