"""Scale-out on Redis with real processes: two meeting servers share one redis-server (started here)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.hub import DEMO_SPEC, Peer
from tests.support.process import ServerProcess
from tests.support.redis import RedisServer

SECRET = "scaleout-test-secret-key-0123456789"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


def start(tmp_path: Path, name: str, redis: RedisServer, port: int | None = None) -> ServerProcess:
    return ServerProcess(
        tmp_path / name,
        port=port,
        extra_env={
            "GONGZHI_REDIS__URL": redis.url,
            "GONGZHI_SERVER__SECRET_KEY": SECRET,
            "GONGZHI_MEDIA__CAPTIONS": "false",
        },
    )


def seqs(peer: Peer) -> list[int]:
    return [e["seq"] for e in peer.events]


async def joined(url: str, token: str, name: str | None) -> Peer:
    peer = Peer(url, token)
    await peer.connect()
    if name:
        assert (await peer.join(name))["ok"]
    return peer


async def test_meeting_across_two_processes(tmp_path: Path, redis_server: RedisServer) -> None:
    a, b = start(tmp_path, "a", redis_server), start(tmp_path, "b", redis_server)
    peers: list[Peer] = []
    try:
        created = a.create_meeting(DEMO_SPEC)
        links = created["links"]
        mod = await joined(a.url, links["moderator"]["token"], "主持人")
        rec = await joined(a.url, links["recorder"]["token"], "记录员")
        wang = await joined(b.url, links["participant"]["token"], "王阿姨")
        li = await joined(b.url, links["participant"]["token"], "李师傅")
        zhao = await joined(a.url, links["participant"]["token"], "赵同学")
        obs_b = await joined(b.url, links["observer"]["token"], None)
        obs_a = await joined(a.url, links["observer"]["token"], None)
        peers = [mod, rec, wang, li, zhao, obs_a, obs_b]
        await mod.ok("OpenMeeting")
        await mod.ok("StartAgendaItem", index=0)
        await wang.ok("RaiseHand")  # decided on B
        await li.ok("RaiseHand")
        await mod.ok("GrantFloor")  # decided on A, from B's queue
        await wang.ok("YieldFloor")
        await wang.ok("MoveMotion", title="安装扶手", text="在楼道安装扶手。")
        await obs_a.wait_for(lambda: any(e["type"] == "MotionMoved" for e in obs_a.events))
        motion = next(e for e in obs_a.events if e["type"] == "MotionMoved")["payload"]["motion_id"]
        await li.ok("SecondMotion", motion_id=motion)
        await mod.ok("OpenVote", motion_id=motion)
        # Concurrent ballots through B and a key point through A: compare-and-set keeps one sequence.
        acks = await asyncio.gather(
            wang.cmd("CastVote", motion_id=motion, choice="yes"),
            li.cmd("CastVote", motion_id=motion, choice="no"),
            zhao.cmd("CastVote", motion_id=motion, choice="yes"),
            *(rec.cmd("MarkKeyPoint", text=f"要点{i}") for i in range(10)),
        )
        assert all(x["ok"] for x in acks), acks
        await mod.ok("CloseVote", motion_id=motion)
        last = await mod.ok("CloseMeeting")
        for p in peers:
            await p.wait_seq(last, timeout=20)
        reference = seqs(obs_a)
        assert reference == list(range(reference[0], last + 1))
        for p in peers:
            got = [s for s in seqs(p) if s >= reference[0]]
            assert got == reference, (p.participant_id, got)
            assert p.view["meeting"]["status"] == "closed"
        # Each process diffs the views it sends its own clients (theirs and the other process's batches):
        # patched on either side, everyone holds the same view (the minutes' draft may have come since).
        assert obs_a.deltas > 0 and obs_b.deltas > 0 and wang.deltas > 0
        reference_view = {k: v for k, v in obs_a.view.items() if k not in ("you", "minutes")}
        for p in peers:
            assert {k: v for k, v in p.view.items() if k not in ("you", "minutes")} == reference_view
        closed = next(e for e in obs_b.events if e["type"] == "VoteClosed")["payload"]
        assert (closed["totals"]["yes"], closed["totals"]["no"]) == (2, 1)
        # The chain in Redis verifies, with the same CLI as the embedded mode.
        verify = subprocess.run(
            [sys.executable, "-m", "meeting_server", "verify", created["meeting_id"]],
            env={**os.environ, "GONGZHI_REDIS__URL": redis_server.url},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        # Every event up to the close, and the minutes the server drafts a moment after it.
        count = int(re.search(r"OK — (\d+) events", verify.stdout).group(1))  # type: ignore[union-attr]
        assert count >= last, verify.stdout
    finally:
        for p in peers:
            await p.close()
        a.stop()
        b.stop()


async def test_killed_process_clients_move_to_the_other(tmp_path: Path, redis_server: RedisServer) -> None:
    a, b = start(tmp_path, "a", redis_server), start(tmp_path, "b", redis_server)
    peers: list[Peer] = []
    try:
        created = a.create_meeting(DEMO_SPEC)
        links = created["links"]
        mod = await joined(a.url, links["moderator"]["token"], "主持人")
        rec = await joined(a.url, links["recorder"]["token"], "记录员")
        wang = await joined(b.url, links["participant"]["token"], "王阿姨")
        peers = [mod, rec, wang]
        await mod.ok("OpenMeeting")
        await mod.ok("StartAgendaItem", index=0)
        acked = set()
        for i in range(5):
            acked.add(await rec.ok("MarkKeyPoint", text=f"要点{i}"))
        acked.add(await wang.ok("RaiseHand"))
        a.proc.kill()  # SIGKILL process A mid-meeting
        a.proc.wait()
        await mod.close()
        await rec.close()
        # While A's clients are away, the meeting goes on through B.
        acked.add(await wang.ok("LowerHand"))
        moved: list[Peer] = []
        for old in (mod, rec):
            new = Peer(b.url, old.token)
            new.events = list(old.events)
            await new.connect(session=old.session, since=old.last_seq)
            assert new.participant_id == old.participant_id  # same person, same role
            moved.append(new)
        peers = [*moved, wang]
        mod2, rec2 = moved
        await mod2.wait_seq(max(acked))
        assert acked <= set(seqs(mod2))
        assert seqs(mod2) == list(range(seqs(mod2)[0], seqs(mod2)[-1] + 1))
        last = await rec2.ok("MarkKeyPoint", text="换到另一台服务器以后")
        await wang.wait_seq(last)
        assert seqs(wang)[-1] == last
    finally:
        for p in peers:
            await p.close()
        a.stop()
        b.stop()


async def test_redis_restart_mid_meeting(tmp_path: Path, redis_server: RedisServer) -> None:
    a, b = start(tmp_path, "a", redis_server), start(tmp_path, "b", redis_server)
    peers: list[Peer] = []
    try:
        created = a.create_meeting(DEMO_SPEC)
        links = created["links"]
        mod = await joined(a.url, links["moderator"]["token"], "主持人")
        rec = await joined(a.url, links["recorder"]["token"], "记录员")
        obs = await joined(b.url, links["observer"]["token"], None)
        peers = [mod, rec, obs]
        await mod.ok("OpenMeeting")
        acked = {await rec.ok("MarkKeyPoint", text=f"重启前{i}") for i in range(3)}
        redis_server.stop()
        # Redis is away: commands are refused explicitly (nothing half-done), never acknowledged.
        ack: dict[str, Any] = await rec.cmd("MarkKeyPoint", text="Redis 停机时")
        assert ack["ok"] is False and ack["error"]["code"] == "internal"
        await asyncio.sleep(2)
        redis_server.start()
        for _ in range(50):  # the servers' Redis connections come back by themselves
            ack = await rec.cmd("MarkKeyPoint", text="重启后")
            if ack["ok"]:
                acked.add(ack["seq"])
                break
            await asyncio.sleep(0.2)
        assert ack["ok"], ack
        acked.add(await mod.ok("StartAgendaItem", index=1))
        await obs.wait_seq(max(acked), timeout=30)
        got = seqs(obs)
        assert got == list(range(got[0], got[-1] + 1)), got  # no duplicate, no gap
        assert acked <= set(got)
        texts = [e["payload"]["text"] for e in obs.events if e["type"] == "KeyPointMarked"]
        assert "Redis 停机时" not in texts and texts.count("重启后") == 1
    finally:
        for p in peers:
            await p.close()
        a.stop()
        b.stop()
