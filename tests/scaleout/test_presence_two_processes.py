"""Presence across two server processes on one Redis: a phone whose socket drops on A and comes back on B
is never marked out by A; a drop B sees (nobody back) is marked after the grace period."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hub import DEMO_SPEC, Peer
from tests.support.process import ServerProcess
from tests.support.redis import RedisServer

from .test_two_processes import SECRET, joined

GRACE_S = 1.0


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


def start(tmp_path: Path, name: str, redis: RedisServer) -> ServerProcess:
    return ServerProcess(
        tmp_path / name,
        extra_env={
            "GONGZHI_REDIS__URL": redis.url,
            "GONGZHI_SERVER__SECRET_KEY": SECRET,
            "GONGZHI_MEDIA__CAPTIONS": "false",
            "GONGZHI_MEETING__PRESENCE_GRACE_S": str(GRACE_S),
        },
    )


def types(peer: Peer) -> list[str]:
    return [e["type"] for e in peer.events]


async def test_a_drop_on_one_process_and_a_return_on_the_other(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    a, b = start(tmp_path, "a", redis_server), start(tmp_path, "b", redis_server)
    peers: list[Peer] = []
    try:
        links = a.create_meeting(DEMO_SPEC)["links"]
        mod = await joined(a.url, links["moderator"]["token"], "主持人")
        wang = await joined(a.url, links["participant"]["token"], "王阿姨")
        li = await joined(a.url, links["participant"]["token"], "李师傅")
        peers = [mod, wang, li]
        await mod.ok("OpenMeeting")
        await mod.wait_for(lambda: mod.view["meeting"]["present_voters"] == 2)

        # 王阿姨's phone loses A and comes back through B at once (a load balancer's choice).
        await wang.close()
        back = Peer(b.url, wang.token)
        peers.append(back)
        await back.connect(session=wang.session)
        await mod.wait_for(lambda: "ParticipantReconnected" in types(mod))
        await asyncio.sleep(GRACE_S * 3)  # A's grace period runs out: its drop is void
        seq = await mod.ok("StartAgendaItem", index=0)
        await mod.wait_seq(seq)
        assert "ParticipantDisconnected" not in types(mod)
        assert mod.view["meeting"]["present_voters"] == 2

        # Now the phone goes for good (on B): B marks her out after the grace period.
        await back.close()
        await mod.wait_for(lambda: "ParticipantDisconnected" in types(mod), timeout=GRACE_S * 10)
        gone = next(e for e in mod.events if e["type"] == "ParticipantDisconnected")
        assert gone["payload"]["participant_id"] == wang.participant_id
        assert mod.view["meeting"]["present_voters"] == 1
    finally:
        for peer in peers:
            await peer.close()
        a.stop()
        b.stop()


async def test_one_person_on_two_processes_stays_connected(tmp_path: Path, redis_server: RedisServer) -> None:
    """Open on A and on B at once; the device on B goes: B marks her out, and A, which still has her socket,
    says at once that she is connected (the documented flicker), so she ends connected and counted."""
    a, b = start(tmp_path, "a", redis_server), start(tmp_path, "b", redis_server)
    peers: list[Peer] = []
    try:
        links = a.create_meeting(DEMO_SPEC)["links"]
        mod = await joined(a.url, links["moderator"]["token"], "主持人")
        wang = await joined(a.url, links["participant"]["token"], "王阿姨")
        peers = [mod, wang]
        second = Peer(b.url, wang.token)
        peers.append(second)
        await second.connect(session=wang.session)  # her tablet, through B
        await mod.wait_for(lambda: "ParticipantReconnected" in types(mod))
        await second.close()
        await mod.wait_for(lambda: "ParticipantDisconnected" in types(mod), timeout=GRACE_S * 10)
        await mod.wait_for(lambda: types(mod).count("ParticipantReconnected") == 2)
        row = next(p for p in mod.view["participants"] if p["participant_id"] == wang.participant_id)
        assert row["connected"] is True
        assert mod.view["meeting"]["present_voters"] == 1
    finally:
        for peer in peers:
            await peer.close()
        a.stop()
        b.stop()
