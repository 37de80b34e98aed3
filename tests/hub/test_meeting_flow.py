"""A whole scripted meeting over real python-socketio clients against the real server on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.hub import Peer, running_server


def types_after(peer: Peer, seq: int) -> list[str]:
    return [e["type"] for e in peer.events if e["seq"] > seq]


async def test_scripted_meeting(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid = created["meeting_id"]
        links = created["links"]
        peers: dict[str, Peer] = {}
        try:
            for name, role in [
                ("mod", "moderator"),
                ("timer", "timer"),
                ("rec", "recorder"),
                ("wang", "participant"),
                ("li", "participant"),
                ("zhao", "participant"),
                ("obs", "observer"),
            ]:
                peers[name] = Peer(server.url, links[role]["token"])
                await peers[name].connect()
            names = {
                "mod": "主持人张",
                "timer": "计时员",
                "rec": "记录员",
                "wang": "王阿姨",
                "li": "李师傅",
                "zhao": "赵同学",
            }
            for key, display in names.items():
                ack = await peers[key].join(display)
                assert ack["ok"], ack
            mod, timer, rec, wang, li, zhao, obs = (
                peers[k] for k in ["mod", "timer", "rec", "wang", "li", "zhao", "obs"]
            )

            # An observer changes nothing, and cannot join.
            assert (await obs.join("路人"))["error"]["code"] == "forbidden"
            assert (await obs.cmd("RaiseHand"))["error"]["code"] in ("forbidden", "not_present")

            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            ack = await rec.cmd("CheckInInRoom", name="刘大爷", building="3号楼", unit="2单元")
            assert ack["ok"], ack

            # Queue: two hands up, moderator gives the floor to the head of the queue.
            await wang.ok("RaiseHand")
            await li.ok("RaiseHand")
            await mod.ok("GrantFloor")
            await timer.ok("StartClock")
            # Only the moderator grants; only the holder yields.
            assert (await li.cmd("GrantFloor"))["error"]["code"] == "forbidden"
            assert (await li.cmd("YieldFloor"))["ok"] is False
            seq = await wang.ok("YieldFloor")
            await obs.wait_seq(seq)
            assert "FloorYielded" in types_after(obs, 0)

            # Li speaks until the clock runs out: warning at 30 s left, expiry at 0 (fake clock, real ticks).
            await mod.ok("GrantFloor")
            await timer.ok("StartClock")
            server.clock.advance(150.5)
            await server.tick(mid)
            server.clock.advance(30)
            await server.tick(mid)
            await obs.wait_for(lambda: "FloorExpired" in types_after(obs, seq))
            after = types_after(obs, seq)
            assert after.index("ClockWarning") < after.index("FloorExpired")
            expired = next(e for e in obs.events if e["type"] == "FloorExpired")
            assert expired["payload"]["participant_id"] == li.participant_id

            # Motion, amendment (voted first), then the main motion with online + show-of-hands votes.
            await wang.ok("MoveMotion", title="东门增设临时停车位", text="在东门增设十个临时停车位。")
            await obs.wait_for(lambda: any(e["type"] == "MotionMoved" for e in obs.events))
            motion_id = next(e for e in obs.events if e["type"] == "MotionMoved")["payload"]["motion_id"]
            assert (await wang.cmd("SecondMotion", motion_id=motion_id))["ok"] is False  # not one's own
            await li.ok("SecondMotion", motion_id=motion_id)
            await zhao.ok("AmendMotion", motion_id=motion_id, text="在东门增设二十个临时停车位。")
            await obs.wait_for(lambda: sum(e["type"] == "MotionMoved" for e in obs.events) == 2)
            amendment_id = [e for e in obs.events if e["type"] == "MotionMoved"][-1]["payload"]["motion_id"]
            await li.ok("SecondMotion", motion_id=amendment_id)
            # The main motion cannot be voted while its amendment is pending.
            assert (await mod.cmd("OpenVote", motion_id=motion_id))["error"]["code"] == "wrong_state"
            await mod.ok("OpenVote", motion_id=amendment_id)
            for p, choice in [(wang, "no"), (li, "yes"), (zhao, "yes")]:
                await p.ok("CastVote", motion_id=amendment_id, choice=choice)
            assert (await li.cmd("CastVote", motion_id=amendment_id, choice="no"))["error"][
                "code"
            ] == "duplicate"
            # One person in the room: a count of two hands would count someone twice.
            assert (await rec.cmd("RecordShowOfHands", motion_id=amendment_id, yes=2, no=0, abstain=0))[
                "ok"
            ] is False
            await rec.ok("RecordShowOfHands", motion_id=amendment_id, yes=1, no=0, abstain=0)
            await mod.ok("CloseVote", motion_id=amendment_id)

            await mod.ok("OpenVote", motion_id=motion_id, secret=True, threshold="two_thirds")
            for p, choice in [(wang, "yes"), (li, "yes"), (zhao, "abstain")]:
                await p.ok("CastVote", motion_id=motion_id, choice=choice)
            await rec.ok("RecordShowOfHands", motion_id=motion_id, yes=1, no=0, abstain=0)
            seq = await mod.ok("CloseVote", motion_id=motion_id)
            await obs.wait_seq(seq)
            closes = [e for e in obs.events if e["type"] == "VoteClosed"]
            assert [c["payload"]["passed"] for c in closes] == [True, True]
            assert any(e["type"] == "MotionAmended" for e in obs.events)
            resolution = next(e for e in obs.events if e["type"] == "ResolutionRecorded")
            assert "二十个" in resolution["payload"]["text"]
            # The observer never learns secret choices.
            secret_ballots = [
                e
                for e in obs.events
                if e["type"] in ("BallotCast", "SecretBallotCast")
                and e["payload"].get("motion_id") == motion_id
            ]
            assert len(secret_ballots) == 3
            assert all(e["type"] == "SecretBallotCast" for e in secret_ballots)
            assert all("choice" not in e["payload"] for e in secret_ballots)

            seq = await mod.ok("CloseMeeting")
            for p in peers.values():
                await p.wait_seq(seq)
            # Everyone saw the same events, in order, without a gap.
            reference = [e["seq"] for e in obs.events]
            assert reference == list(range(reference[0], seq + 1))
            for p in peers.values():
                got = [e["seq"] for e in p.events if e["seq"] >= reference[0]]
                assert got == reference
            assert obs.view["meeting"]["status"] == "closed"
        finally:
            for p in peers.values():
                await p.close()


async def test_reconnect_keeps_role_queue_and_catches_up(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        links: dict[str, Any] = created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        wang = Peer(server.url, links["participant"]["token"])
        try:
            await mod.connect()
            await mod.join("主持人")
            await wang.connect()
            await wang.join("王阿姨")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            seq = await wang.ok("RaiseHand")
            await wang.wait_seq(seq)
            session, pid, last = wang.session, wang.participant_id, wang.last_seq
            await wang.close()

            # While Wang is away, the meeting goes on.
            await mod.ok("OpenRound")
            head = await mod.ok("CloseRound")

            back = Peer(server.url, links["participant"]["token"])
            await back.connect(session=session, since=last)
            await back.wait_seq(head)
            assert back.participant_id == pid
            missed = [e["seq"] for e in back.events]
            assert missed == list(range(last + 1, head + 1))
            assert [q["participant_id"] for q in back.view["queue"]] == [pid]
            await back.ok("LowerHand")
            await back.close()
        finally:
            await mod.close()
            await wang.close()
