"""Attacks on a secret vote counted partly in the hall (no roster: the hall is one count) with one resident
online: the published hall count, taken from the totals, gave her choice away. Now the hall's count (its
paper ballots) is sealed in the log like the online ballots and shown to no one — not in the log an
observer downloads, the views it is sent, the minutes or the operator's database — and the close keeps
only totals and ballots per channel. Whoever counted the hall still knows its count, so the lone online
voter is told before she casts (her ballot is refused until she says she was told)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.hub import Peer, running_server

HALL = {"yes": 0, "no": 2, "abstain": 0}  # the hall's paper ballots: what must stay unknown


def holds(value: Any, wanted: dict[str, int]) -> bool:
    """Whether ``wanted`` appears anywhere in ``value`` (nested; JSON text inside is read too)."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            value = json.loads(value)
        except ValueError:
            return False
    if isinstance(value, dict):
        return value == wanted or any(holds(v, wanted) for v in value.values())
    if isinstance(value, list):
        return any(holds(v, wanted) for v in value)
    return False


async def _get(url: str, path: str, token: str) -> str:
    async with aiohttp.ClientSession() as s, s.get(url + path, params={"t": token}) as r:
        assert r.status == 200, await r.text()
        return await r.text()


async def test_a_lone_online_voter_is_not_given_away_by_the_hall_count(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod, rec = Peer(server.url, links["moderator"]["token"]), Peer(server.url, links["recorder"]["token"])
        wang = Peer(server.url, links["participant"]["token"])
        obs = Peer(server.url, links["observer"]["token"])
        peers = [mod, rec, wang, obs]
        try:
            await obs.connect(since=0)
            for p, name in ((mod, "主持人"), (rec, "记录员"), (wang, "王阿姨")):
                await p.connect()
                assert (await p.join(name))["ok"]
            for name in ("刘大爷", "赵大姐"):
                await rec.ok("CheckInInRoom", name=name, building="3号楼")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            await mod.ok("MoveMotion", title="东门停车", text="东门增设十个临时停车位。")
            await wang.ok("SecondMotion", motion_id="m1")
            await mod.ok("OpenVote", motion_id="m1", secret=True)
            await wang.wait_for(lambda: bool(wang.view["vote"]))
            assert wang.view["vote"]["secrecy_at_risk"] is True  # her page shows the warning
            await wang.ok("CastVote", motion_id="m1", choice="yes")
            await rec.ok("RecordShowOfHands", motion_id="m1", **HALL)
            await obs.wait_for(lambda: bool(obs.view["vote"]) and obs.view["vote"]["room_entered"])
            assert obs.view["vote"]["room"] is None and rec.view["vote"]["room"] is None
            seq = await mod.ok("CloseVote", motion_id="m1")
            await obs.wait_seq(seq)
            (result,) = obs.view["results"]
            assert result["counts"] is None and result["ballots"] == {"online": 1, "room": 2}
            assert result["totals"] == {"yes": 1, "no": 2, "abstain": 0}
            await mod.ok("CloseMeeting")
            # Everything an outsider gets: the live messages, the log, the minutes.
            log = await _get(server.url, f"/api/meetings/{mid}/log.jsonl", links["observer"]["token"])
            lines = [json.loads(line) for line in log.splitlines() if line.strip()]
            assert "ShowOfHandsRecorded" not in {r["type"] for r in lines}
            (hall,) = [json.loads(r["payload"]) for r in lines if r["type"] == "SealedHallCount"]
            assert hall["ballots"] == 2 and not {"yes", "no", "abstain"} & set(hall)
            (closed,) = [json.loads(r["payload"]) for r in lines if r["type"] == "VoteClosed"]
            assert closed["counts"] is None
            md = await _get(server.url, f"/api/meetings/{mid}/minutes.md", links["observer"]["token"])
            assert "现场 赞成 0、反对 2" not in md and "线上 赞成 1" not in md
            assert holds(lines, {"yes": 1, "no": 2, "abstain": 0})  # the totals are public (the check works)
            assert not holds(lines, HALL) and not holds([obs.events, obs.views, obs.welcomes], HALL)
        finally:
            for p in peers:
                await p.close()
    # The operator's database keeps the hall's count sealed too.
    db = sqlite3.connect(tmp_path / "gongzhi.sqlite3")
    types = [t for (t,) in db.execute("SELECT type FROM events WHERE meeting_id=?", (mid,))]
    db.close()
    assert "SealedHallCount" in types and "ShowOfHandsRecorded" not in types
