"""A secret vote across two server processes on one Redis: both seal with the one ballot key they share
through Redis (no per-process key), each opens the other's sealed ballots when it catches up, and a
second ballot is refused on the other process; the totals at close count every ballot."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.support.hub import DEMO_SPEC, Peer
from tests.support.redis import RedisServer

from .test_two_processes import joined, redis_server, start

__all__ = ["redis_server"]  # the fixture, used by name


async def test_a_secret_vote_across_two_processes(tmp_path: Path, redis_server: RedisServer) -> None:
    a, b = start(tmp_path, "a", redis_server), start(tmp_path, "b", redis_server)
    peers: list[Peer] = []
    try:
        created = a.create_meeting(DEMO_SPEC)
        links = created["links"]
        mod = await joined(a.url, links["moderator"]["token"], "主持人")
        voters = [
            await joined(url, links["participant"]["token"], f"居民{i}")
            for i, url in enumerate([b.url, a.url, b.url])
        ]
        peers = [mod, *voters]
        await mod.ok("OpenMeeting")
        await mod.ok("StartAgendaItem", index=0)
        await voters[0].ok("MoveMotion", title="安装扶手", text="在楼道安装扶手。")
        await mod.wait_for(lambda: any(e["type"] == "MotionMoved" for e in mod.events))
        motion = next(e for e in mod.events if e["type"] == "MotionMoved")["payload"]["motion_id"]
        await voters[1].ok("SecondMotion", motion_id=motion)
        await mod.ok("OpenVote", motion_id=motion, secret=True)
        acks = await asyncio.gather(
            *(
                v.cmd("CastVote", motion_id=motion, choice=c)
                for v, c in zip(voters, ("yes", "no", "yes"), strict=True)
            )
        )
        assert all(x["ok"] for x in acks), acks
        # The same person again, through the other process: refused there too.
        again = Peer(a.url, links["participant"]["token"])
        peers.append(again)
        await again.connect(session=voters[0].session)
        assert (await again.cmd("CastVote", motion_id=motion, choice="no"))["error"]["code"] == "duplicate"
        last = await mod.ok("CloseVote", motion_id=motion)
        await mod.wait_seq(last, timeout=20)
        closed = next(e for e in mod.events if e["type"] == "VoteClosed")["payload"]
        assert closed["counts"] is None and closed["totals"] == {"yes": 2, "no": 1, "abstain": 0}
        sealed = [e for e in mod.events if e["type"] == "SecretBallotCast"]
        assert len(sealed) == 3 and all(e["actor"] == "secret-ballot" for e in sealed)
        assert not (tmp_path / "a" / "ballot.key").exists() and not (tmp_path / "b" / "ballot.key").exists()
    finally:
        for p in peers:
            await p.close()
        a.stop()
        b.stop()
