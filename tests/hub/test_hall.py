"""A meeting held in the hall, over real python-socketio clients: the recorder moves and seconds for in-room
residents, the vote waits for the show of hands, and a 列席 guest speaks but never moves or votes."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import aiohttp

from meeting_server.hub.minutes import MINUTES
from tests.support.hub import DEMO_SPEC, Peer, running_server

SPEC: dict[str, Any] = {**DEMO_SPEC, "settings": {**DEMO_SPEC["settings"], "expected_members": 2}}


def last(peer: Peer, kind: str) -> dict[str, Any]:
    return [e for e in peer.events if e["type"] == kind][-1]


async def test_an_all_hall_meeting_from_the_recorders_socket(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        service = server.app[MINUTES]
        service.settings = dataclasses.replace(service.settings, draft_grace_s=0.1)
        created = await server.create_meeting(SPEC)
        mid, links = created["meeting_id"], created["links"]
        mod, rec, wang = (
            Peer(server.url, links[r]["token"]) for r in ("moderator", "recorder", "participant")
        )
        try:
            for p, name in ((mod, "主持人张"), (rec, "记录员李"), (wang, "王阿姨")):
                await p.connect()
                assert (await p.join(name))["ok"]
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            for name in ("刘大爷", "孙奶奶"):
                await rec.ok("CheckInInRoom", name=name, building="3号楼")
            seq = await rec.ok("CheckInGuest", name="王科长", organisation="街道办事处")
            await mod.wait_seq(seq)
            people = {p["name"]: p for p in mod.view["participants"]}
            liu, sun, guest = (people[n]["participant_id"] for n in ("刘大爷", "孙奶奶", "王科长"))
            assert (people["王科长"]["role"], people["王科长"]["organisation"]) == ("guest", "街道办事处")

            # The guest is queued and speaks from the hall, like an in-room resident.
            await mod.ok("AddToQueue", participant_id=guest)
            seq = await mod.ok("GrantFloor")
            await mod.wait_seq(seq)
            assert last(mod, "FloorGranted")["payload"]["channel"] == "room"
            assert mod.view["floor"]["role"] == "guest"
            await mod.ok("RevokeFloor")

            # Only the recorder speaks for the hall, and only for residents present there.
            refused = {
                "resident": await wang.cmd("MoveMotion", title="标题", text="内容", on_behalf_of=liu),
                "moderator": await mod.cmd("MoveMotion", title="标题", text="内容", on_behalf_of=liu),
                "guest": await rec.cmd("MoveMotion", title="标题", text="内容", on_behalf_of=guest),
                "online": await rec.cmd(
                    "MoveMotion", title="标题", text="内容", on_behalf_of=wang.participant_id
                ),
            }
            assert {k: a["error"]["code"] for k, a in refused.items()} == {
                "resident": "forbidden",
                "moderator": "forbidden",
                "guest": "not_a_voter",
                "online": "forbidden",
            }
            await rec.ok(
                "MoveMotion", title="东门增设车位", text="在东门增设十个临时停车位。", on_behalf_of=liu
            )
            own = await rec.cmd("SecondMotion", motion_id="m1", on_behalf_of=liu)
            assert own["error"]["code"] == "forbidden"  # nobody seconds their own motion
            seq = await rec.ok("SecondMotion", motion_id="m1", on_behalf_of=sun)
            await mod.wait_seq(seq)
            moved, seconded = last(mod, "MotionMoved"), last(mod, "MotionSeconded")
            assert (moved["actor"], moved["payload"]["mover"], moved["payload"]["entered_by"]) == (
                rec.participant_id,
                liu,
                rec.participant_id,
            )
            assert (seconded["payload"]["seconder"], seconded["payload"]["entered_by"]) == (
                sun,
                rec.participant_id,
            )
            motion = mod.view["motions"][0]
            assert (motion["mover_name"], motion["seconder_name"]) == ("刘大爷", "孙奶奶")

            # The vote: closing before the hall's hands are entered is refused, with its own reason.
            await mod.ok("OpenVote", motion_id="m1")
            await wang.ok("CastVote", motion_id="m1", choice="no")
            early = await mod.cmd("CloseVote", motion_id="m1")
            assert early["ok"] is False and early["error"]["code"] == "hall_count_missing"
            # Three hands would count the guest: only the two residents vote.
            assert (await rec.cmd("RecordShowOfHands", motion_id="m1", yes=3, no=0, abstain=0))["error"][
                "code"
            ] == "limit"
            await rec.ok("RecordShowOfHands", motion_id="m1", yes=2, no=0, abstain=0)
            seq = await mod.ok("CloseVote", motion_id="m1")
            await mod.wait_seq(seq)
            closed = last(mod, "VoteClosed")["payload"]
            assert closed["passed"] and closed["present"] == 3 and closed["counts"]["room"]["yes"] == 2

            seq = await mod.ok("CloseMeeting")
            await rec.wait_for(lambda: rec.view["minutes"] is not None)
            async with aiohttp.ClientSession() as http:
                url = f"{server.url}/api/meetings/{mid}/minutes.md?t={links['recorder']['token']}"
                md = await (await http.get(url)).text()
            assert (
                "动议 刘大爷（现场，记录员 记录员李 代录），附议 孙奶奶（现场，记录员 记录员李 代录）" in md
            )
            assert "列席（不参加表决）：王科长（街道办事处）" in md
        finally:
            for p in (mod, rec, wang):
                await p.close()
