"""Names over real socket.io clients (a title and an invisible look-alike are refused, each with its
reason, while officials keep their titles), and a socket that goes away while its join is being written."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from meeting_server.core.commands import JoinMeeting
from meeting_server.hub.keys import HUB, REGISTRY
from tests.support.hub import Peer, running_server

GRACE = 45.0  # the default [meeting] presence_grace_s


async def test_titles_and_invisible_characters_are_refused_with_their_reason(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        links = (await server.create_meeting())["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        residents = [Peer(server.url, links["participant"]["token"]) for _ in range(4)]
        try:
            await mod.connect()
            assert (await mod.join("主持人"))["ok"]  # an official may be called by the title
            for r in residents:
                await r.connect()
            for peer, name, code in (
                (residents[0], "主持人", "reserved_name"),
                (residents[1], "张\u200b三\u202e", "bad_name"),
                (residents[2], "主 持 人", "reserved_name"),
            ):
                ack = await peer.join(name)
                assert ack["ok"] is False and ack["error"]["code"] == code, (name, ack)
                assert ack["error"]["message"], ack
            assert "职务称谓" in (await residents[0].join("李主任"))["error"]["message"]
            ack = await residents[3].join("张三")
            assert ack["ok"], ack
            await mod.wait_for(lambda: len(mod.view["participants"]) == 2)
            names = sorted(p["name"] for p in mod.view["participants"])
            assert names == ["主持人", "张三"]
            # The door: the recorder's check-in of a resident follows the same rules.
            ack = await mod.cmd("CheckInInRoom", name="书记", building="1号楼", unit="1单元")
            assert ack["error"]["code"] in ("reserved_name", "forbidden"), ack
        finally:
            for p in (mod, *residents):
                await p.close()


async def test_a_socket_gone_while_its_join_is_written_is_not_entered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        registry, hub = server.app[REGISTRY], server.app[HUB]
        written, release = asyncio.Event(), asyncio.Event()
        real_execute = registry.execute

        async def execute(rt: Any, actor: Any, cmd: Any, *args: Any, **kwargs: Any) -> Any:
            records = await real_execute(rt, actor, cmd, *args, **kwargs)
            if isinstance(cmd, JoinMeeting):  # the join is in the log; its socket goes now
                written.set()
                await release.wait()
            return records

        monkeypatch.setattr(registry, "execute", execute)
        mod = Peer(server.url, links["moderator"]["token"])
        wang = Peer(server.url, links["participant"]["token"])
        try:
            await wang.connect()
            sid = wang.sio.get_sid()
            asyncio.get_running_loop().create_task(wang.sio.emit("join", {"name": "王阿姨"}))
            await asyncio.wait_for(written.wait(), 10)
            await wang.close()
            for _ in range(200):
                if sid not in hub.clients:
                    break
                await asyncio.sleep(0.02)
            assert sid not in hub.clients
            release.set()
            monkeypatch.setattr(registry, "execute", real_execute)
            rt = await registry.get(mid)
            assert rt is not None and rt.state is not None
            (pid,) = [p.participant_id for p in rt.state.participants.values() if p.name == "王阿姨"]
            for _ in range(200):  # the join's handler has run to its end
                if hub.presence.pending(mid, pid):
                    break
                await asyncio.sleep(0.02)
            assert hub.presence.connected_here(mid, pid) == 0  # no socket of theirs is counted
            assert hub.presence.pending(mid, pid)  # they have the grace period, like a dropped phone
            server.clock.advance(GRACE + 1)
            await hub.presence.sweep()
            assert rt.state.participants[pid].connected is False
            await mod.connect()
            row = next(p for p in mod.view["participants"] if p["participant_id"] == pid)
            assert row["connected"] is False, row
        finally:
            release.set()
            await mod.close()
            await wang.close()
