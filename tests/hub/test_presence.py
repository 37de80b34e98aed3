"""Connection presence over real socket.io clients: a closed tab leaves 到会 after the grace period, a phone
that comes back within it never does, a restart gives everyone the grace period, a rejoin is one person."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from meeting_server.hub.keys import HUB
from tests.support.hub import Peer, Server, running_server

GRACE = 45.0  # the default [meeting] presence_grace_s


async def _sweep_after(server: Server, seconds: float) -> None:
    server.clock.advance(seconds)
    await server.app[HUB].presence.sweep()


async def _gone(server: Server, mid: str, peer: Peer) -> None:
    """Close ``peer`` and wait until the server has seen its socket go (the grace period starts then)."""
    await peer.close()
    presence = server.app[HUB].presence
    for _ in range(200):
        if presence.connected_here(mid, str(peer.participant_id)) == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the server never saw the socket go")


def _types(peer: Peer) -> list[str]:
    return [e["type"] for e in peer.events]


def _row(peer: Peer, participant_id: str | None) -> dict[str, Any]:
    row: dict[str, Any] = next(p for p in peer.view["participants"] if p["participant_id"] == participant_id)
    return row


async def _meeting(server: Server) -> tuple[dict[str, Any], Peer, Peer, Peer]:
    created = await server.create_meeting()
    links = created["links"]
    mod = Peer(server.url, links["moderator"]["token"])
    wang = Peer(server.url, links["participant"]["token"])
    li = Peer(server.url, links["participant"]["token"])
    for peer, name in ((mod, "主持人"), (wang, "王阿姨"), (li, "李师傅")):
        await peer.connect()
        assert (await peer.join(name))["ok"]
    await mod.ok("OpenMeeting")
    await mod.wait_for(lambda: mod.view["meeting"]["present_voters"] == 2)
    return created, mod, wang, li


async def test_a_closed_tab_leaves_after_the_grace_period(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created, mod, wang, li = await _meeting(server)
        try:
            await _gone(server, created["meeting_id"], wang)
            await _sweep_after(server, GRACE - 1)
            assert "ParticipantDisconnected" not in _types(mod)
            assert mod.view["meeting"]["present_voters"] == 2
            await _sweep_after(server, 2)
            await mod.wait_for(lambda: "ParticipantDisconnected" in _types(mod))
            row = _row(mod, wang.participant_id)
            assert row["connected"] is False and row["present"] is True and row["disconnected_at"] is not None
            assert mod.view["meeting"]["present_voters"] == 1
            # The way back is the device's own session: the same participant, connected again.
            again = Peer(server.url, wang.token)
            await again.connect(session=wang.session)
            await mod.wait_for(lambda: "ParticipantReconnected" in _types(mod))
            assert _row(mod, wang.participant_id)["connected"] is True
            assert mod.view["meeting"]["present_voters"] == 2
            await again.close()
        finally:
            for peer in (mod, wang, li):
                await peer.close()


async def test_a_phone_back_within_the_grace_period_never_leaves(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created, mod, wang, li = await _meeting(server)
        try:
            await _gone(server, created["meeting_id"], li)
            await _sweep_after(server, 10)
            phone = Peer(server.url, li.token)
            await phone.connect(session=li.session)
            await _sweep_after(server, GRACE * 2)
            seq = await mod.ok("StartAgendaItem", index=0)
            await mod.wait_seq(seq)
            assert "ParticipantDisconnected" not in _types(mod)
            assert "ParticipantReconnected" not in _types(mod)  # nothing to say: never marked out
            assert mod.view["meeting"]["present_voters"] == 2
            await phone.close()
        finally:
            for peer in (mod, wang, li):
                await peer.close()


async def test_a_rejoin_from_another_browser_is_refused_not_counted_twice(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created, mod, wang, li = await _meeting(server)
        other = Peer(server.url, created["links"]["participant"]["token"])
        try:
            await other.connect()
            ack = await other.join("王阿姨 ")
            assert ack["ok"] is False and ack["error"]["code"] == "name_taken", ack
            await _gone(server, created["meeting_id"], wang)
            await _sweep_after(server, GRACE + 1)
            await mod.wait_for(lambda: "ParticipantDisconnected" in _types(mod))
            ack = await other.join("王阿姨")
            assert ack["error"]["code"] == "name_taken" and "原来的手机" in ack["error"]["message"], ack
            assert sum(1 for p in mod.view["participants"] if p["name"] == "王阿姨") == 1
        finally:
            for peer in (mod, wang, li, other):
                await peer.close()


async def test_after_a_restart_those_who_do_not_come_back_are_marked_out(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created, mod, wang, li = await _meeting(server)
        for peer in (mod, wang, li):
            await peer.close()
    async with running_server(tmp_path) as server:
        mid = created["meeting_id"]
        watcher = Peer(server.url, created["links"]["observer"]["token"])
        phone = Peer(server.url, li.token)
        try:
            await watcher.connect()
            await phone.connect(session=li.session)  # 李师傅 comes back, 王阿姨 does not
            await _sweep_after(server, GRACE + 1)
            await watcher.wait_for(lambda: watcher.view["meeting"]["present_voters"] == 1)
            rt = await server.registry.get(mid)
            assert rt is not None and rt.state is not None
            people = rt.state.participants
            assert people[str(wang.participant_id)].connected is False
            assert people[str(li.participant_id)].connected is True
            # The moderator's tablet did not come back either: officers are marked too.
            assert people[str(mod.participant_id)].connected is False
        finally:
            await watcher.close()
            await phone.close()
