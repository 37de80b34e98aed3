"""Events messages carry what changed in the view, computed once per batch; a client holding the view at
``base_seq`` patches it to exactly the server's view, and one that misses a batch asks again (sync)."""

from __future__ import annotations

import json
from pathlib import Path

from meeting_server.core.view import public_view
from tests.support.hub import Peer, Server, running_server


async def server_view(server: Server, meeting_id: str) -> dict[str, object]:
    rt = await server.registry.get(meeting_id)
    assert rt is not None and rt.state is not None
    return public_view(rt.state, None, server.clock())


async def test_every_delta_patches_to_the_servers_view(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        obs = Peer(server.url, links["observer"]["token"])
        mod = Peer(server.url, links["moderator"]["token"])
        timer = Peer(server.url, links["timer"]["token"])
        residents = [Peer(server.url, links["participant"]["token"]) for _ in range(3)]
        try:
            await obs.connect()
            for i, p in enumerate([mod, timer, *residents]):
                await p.connect()
                assert (await p.join(f"参会者{i}"))["ok"]
            steps = [
                (mod, "OpenMeeting", {}),
                (mod, "StartAgendaItem", {"index": 0}),
                (residents[0], "RaiseHand", {}),
                (residents[1], "RaiseHand", {}),
                (residents[2], "RaiseHand", {}),
                (mod, "MoveInQueue", {"participant_id": "", "position": 1}),
                (residents[0], "LowerHand", {}),
                (mod, "GrantFloor", {}),
                (timer, "StartClock", {}),
                (timer, "ExtendClock", {"seconds": 30}),
                (residents[1], "MoveMotion", {"title": "东门限时停车", "text": "晚上十点后只许本小区车辆。"}),
            ]
            for peer, type_, fields in steps:
                if type_ == "MoveInQueue":
                    fields = {**fields, "participant_id": residents[2].participant_id}
                server.clock.advance(1.5)  # the speaking clock runs between batches
                seq = await peer.ok(type_, **fields)
                await obs.wait_seq(seq)
                assert obs.view == await server_view(server, mid), type_
            assert obs.deltas == len(obs.batches) >= len(steps) and obs.gaps == 0
            assert all("view" not in b for b in obs.batches)
            # What a batch costs: the delta, not the whole view.
            sizes = [len(json.dumps(b["delta"], ensure_ascii=False)) for b in obs.batches]
            whole = len(json.dumps(obs.view, ensure_ascii=False))
            assert max(sizes) < whole / 3, (sizes, whole)
            # Everyone is sent the same batch: the residents' views match the observer's (without ``you``).
            await mod.wait_seq(seq)
            assert mod.view == obs.view
        finally:
            for p in [obs, mod, timer, *residents]:
                await p.close()


async def test_a_missed_delta_is_fetched_again_and_a_restarted_server_sends_the_whole_view(
    tmp_path: Path,
) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        obs = Peer(server.url, links["observer"]["token"])
        try:
            await mod.connect()
            await mod.join("张主任")
            await obs.connect()
            await mod.ok("OpenMeeting")
            # The observer loses one batch in transit: the next delta does not fit, it syncs.
            real = obs._on_events
            dropped: list[int] = []

            async def lossy(msg: dict[str, object]) -> None:
                if not dropped:
                    dropped.append(1)
                    return
                await real(msg)

            obs.sio.handlers["/"]["events"] = lossy
            await mod.ok("StartAgendaItem", index=0)
            seq = await mod.ok("StartAgendaItem", index=1)
            await obs.wait_seq(seq)
            assert obs.gaps == 1 and len(obs.welcomes) == 2
            assert obs.view == {**await server_view(server, mid), "you": obs.view["you"]}
            session = mod.session
        finally:
            await mod.close()
            await obs.close()

    async with running_server(tmp_path) as server:
        mod = Peer(server.url, links["moderator"]["token"])
        obs = Peer(server.url, links["observer"]["token"])
        try:
            await mod.connect(session=session)
            await obs.connect()
            first = await mod.ok("StartAgendaItem", index=0)
            second = await mod.ok("StartAgendaItem", index=1)
            await obs.wait_seq(second)
            # This process has sent no view of the meeting yet: the first batch carries it whole.
            assert "view" in obs.batches[0] and obs.batches[0]["seq"] == first
            assert obs.batches[1]["base_seq"] == first and "view" not in obs.batches[1]
            assert obs.view == await server_view(server, mid)
        finally:
            await mod.close()
            await obs.close()
