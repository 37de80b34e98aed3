"""A secret per-person vote with one resident online, over a real server: the unit's only online ballot
(王阿姨's) is not exposed by a split by channel in ``log.jsonl``, in the view an observer is sent, or in the
minutes; the totals and the ballots per channel are. A named vote of the same meeting keeps its split."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp

from tests.invite.elevator import UNIT, elevator_meeting
from tests.invite.helpers import Community, open_meeting, token_of
from tests.staff.helpers import clients, staff_server
from tests.support.hub import Peer


async def _get(url: str, path: str, token: str) -> str:
    async with aiohttp.ClientSession() as s, s.get(url + path, params={"t": token}) as r:
        assert r.status == 200, await r.text()
        return await r.text()


async def _motion(mod: Peer, mover: Peer, seconder: Peer, title: str) -> str:
    def moved() -> list[dict[str, Any]]:
        return [e for e in mod.events if e["type"] == "MotionMoved" and e["payload"]["title"] == title]

    await mover.ok("MoveMotion", title=title, text="申请加装电梯一部。")
    await mod.wait_for(lambda: bool(moved()))
    motion_id: str = moved()[-1]["payload"]["motion_id"]
    await seconder.ok("SecondMotion", motion_id=motion_id)
    return motion_id


async def _vote(
    mod: Peer, rec: Peer, wang: Peer, sun: Peer, hall: list[str], secret: bool
) -> tuple[str, int]:
    """王阿姨 votes yes online (孙阿姨, online too, does not vote); the hall's two vote no."""
    motion_id = await _motion(mod, wang, sun, "加装电梯（无记名）" if secret else "加装电梯（记名）")
    await mod.ok("OpenVote", motion_id=motion_id, rule=UNIT, secret=secret)
    if secret:  # two online voters in the unit: 王阿姨's page tells her her secrecy cannot hold
        await wang.wait_for(lambda: bool(wang.view["vote"]) and wang.view["vote"]["secrecy_at_risk"])
    await wang.ok("CastVote", motion_id=motion_id, choice="yes")
    for pid in hall:
        await rec.ok("CastVote", motion_id=motion_id, choice="no", on_behalf_of=pid)
    seq = await mod.ok("CloseVote", motion_id=motion_id)
    await mod.wait_seq(seq)
    return motion_id, seq


def _closed(lines: list[dict[str, Any]], motion_id: str) -> dict[str, Any]:
    """The VoteClosed payload of ``motion_id`` in served log lines (a payload is served as its JSON text)."""
    closed = [json.loads(r["payload"]) for r in lines if r["type"] == "VoteClosed"]
    (payload,) = [p for p in closed if p["motion_id"] == motion_id]
    return dict(payload)


async def test_one_online_voter_in_a_secret_vote_is_not_exposed(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c: Community = await elevator_meeting(staff)
        await open_meeting(server.url, c)
        mod = Peer(server.url, c.links["moderator"]["token"])
        rec = Peer(server.url, c.links["recorder"]["token"])
        obs = Peer(server.url, c.links["observer"]["token"])
        wang, sun = (Peer(server.url, token_of(c.people[n]["url"])) for n in ("王阿姨", "孙阿姨"))
        peers = [mod, rec, obs, wang, sun]
        try:
            for p in peers:
                await p.connect(since=0)
            await mod.join("主持人甲")
            await rec.join("记录员乙")
            hall: list[str] = []
            for name in ("赵老师", "王叔叔"):
                person_id = c.people[name]["person_id"]
                await rec.ok("CheckInInRoom", name=name, person_id=person_id)
                hall.append("per-" + person_id)
            secret, _ = await _vote(mod, rec, wang, sun, hall, secret=True)
            named, seq = await _vote(mod, rec, wang, sun, hall, secret=False)
            await obs.wait_seq(seq)
            # The view an observer is sent: totals and ballots per channel; no split of the secret vote.
            results = {r["motion_id"]: r for r in obs.view["results"]}
            assert results[secret]["counts"] is None
            assert results[secret]["ballots"] == {"online": 1, "room": 2}
            assert results[secret]["totals"] == {"yes": 1, "no": 2, "abstain": 0}
            assert results[named]["counts"]["online"] == {"yes": 1, "no": 0, "abstain": 0}
            assert results[named]["counts"]["room"] == {"yes": 0, "no": 2, "abstain": 0}
            # The public record, as anyone with a link downloads it.
            text = await _get(
                server.url, f"/api/meetings/{c.meeting_id}/log.jsonl", c.links["observer"]["token"]
            )
            lines = [json.loads(line) for line in text.splitlines() if line.strip()]
            record = _closed(lines, secret)
            assert record["counts"] is None and record["ballots"] == {"online": 1, "room": 2}
            assert _closed(lines, named)["counts"]["online"] == {"yes": 1, "no": 0, "abstain": 0}
            # The minutes: the secret vote's line gives ballots per channel and the totals only.
            md = await _get(
                server.url, f"/api/meetings/{c.meeting_id}/minutes.md", c.links["observer"]["token"]
            )
            assert "线上投票 1 张，现场投票 2 张" in md, md
            assert "线上 赞成 1、反对 0、弃权 0" in md  # the named vote's split, once
            assert md.count("线上 赞成 1、反对 0、弃权 0") == 1
            assert md.count("合计 赞成 1、反对 2、弃权 0") == 2
        finally:
            for p in peers:
                await p.close()
