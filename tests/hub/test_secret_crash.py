"""kill -9 during a secret vote: after a restart the server opens every acknowledged sealed ballot again
(its ballot key is kept 0600 in the data directory), so closing the vote counts them all; the chain
verifies; a server with another ballot key refuses to load the meeting rather than lose ballots."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.support.hub import Peer, running_server
from tests.support.process import ServerProcess

from .test_bad_input import refused
from .test_crash import verify_cli

CHOICES = ("yes", "no", "yes", "abstain", "no", "yes")


async def test_kill_9_during_a_secret_vote_keeps_every_acknowledged_ballot(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    try:
        created = server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        rec = Peer(server.url, links["recorder"]["token"])
        voters = [Peer(server.url, links["participant"]["token"]) for _ in CHOICES]
        for i, p in enumerate([mod, rec, *voters]):
            await p.connect()
            assert (await p.join(f"参会者{i}"))["ok"]
        await mod.ok("OpenMeeting")
        await mod.ok("StartAgendaItem", index=0)
        await voters[0].ok("MoveMotion", title="安装楼道扶手", text="为老年人在楼道安装扶手。")
        await mod.wait_for(lambda: any(e["type"] == "MotionMoved" for e in mod.events))
        motion_id = next(e for e in mod.events if e["type"] == "MotionMoved")["payload"]["motion_id"]
        await voters[1].ok("SecondMotion", motion_id=motion_id)
        await mod.ok("OpenVote", motion_id=motion_id, secret=True)
        acks = await asyncio.gather(
            *(v.cmd("CastVote", motion_id=motion_id, choice=c) for v, c in zip(voters, CHOICES, strict=True))
        )
        assert all(a["ok"] for a in acks), acks
        server.proc.kill()  # SIGKILL while the vote is open
        server.proc.wait()
        for p in [mod, rec, *voters]:
            await p.close()
        assert stat.S_IMODE(os.stat(tmp_path / "ballot.key").st_mode) == 0o600

        server = ServerProcess(tmp_path, port=server.port)
        back = Peer(server.url, links["moderator"]["token"])
        await back.connect(session=mod.session, since=0)
        assert back.view["vote"]["ballots_cast"] == len(CHOICES)
        again = Peer(server.url, links["participant"]["token"])
        await again.connect(session=voters[2].session)
        assert (await again.cmd("CastVote", motion_id=motion_id, choice="no"))["error"]["code"] == "duplicate"
        await again.close()
        rec2 = Peer(server.url, links["recorder"]["token"])
        await rec2.connect(session=rec.session)
        await rec2.ok("RecordShowOfHands", motion_id=motion_id, yes=0, no=0, abstain=0)
        await rec2.close()
        seq = await back.ok("CloseVote", motion_id=motion_id)
        await back.wait_seq(seq)
        closed = next(e for e in back.events if e["type"] == "VoteClosed")["payload"]
        assert closed["counts"] is None and closed["totals"] == {"yes": 3, "no": 2, "abstain": 1}
        await back.close()
    finally:
        server.stop()
    result = verify_cli(tmp_path, mid)
    assert result.returncode == 0, result.stdout + result.stderr
    # The auditor, with the key, recounts the sealed ballots: they agree with VoteClosed.
    recount = subprocess.run(
        [sys.executable, "-m", "meeting_server", "recount", mid, "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert recount.returncode == 0, recount.stdout + recount.stderr
    assert f"{motion_id}: OK" in recount.stdout and "'yes': 3, 'no': 2, 'abstain': 1" in recount.stdout


async def test_a_server_with_another_ballot_key_refuses_the_open_vote_and_serves_the_rest(
    tmp_path: Path,
) -> None:
    key, other = "k" * 40, "o" * 40
    async with running_server(tmp_path, ballot_key=key) as server:
        created = await server.create_meeting()
        links = created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        voters = [Peer(server.url, links["participant"]["token"]) for _ in range(3)]
        for i, p in enumerate([mod, *voters]):
            await p.connect()
            assert (await p.join(f"参会者{i}"))["ok"]
        await mod.ok("OpenMeeting")
        await mod.ok("StartAgendaItem", index=0)
        await voters[0].ok("MoveMotion", title="安装楼道扶手", text="为老年人在楼道安装扶手。")
        await mod.wait_for(lambda: any(e["type"] == "MotionMoved" for e in mod.events))
        motion_id = next(e for e in mod.events if e["type"] == "MotionMoved")["payload"]["motion_id"]
        await voters[1].ok("SecondMotion", motion_id=motion_id)
        await mod.ok("OpenVote", motion_id=motion_id, secret=True)
        await voters[0].ok("CastVote", motion_id=motion_id, choice="yes")
        for p in [mod, *voters]:
            await p.close()
        other_meeting = await server.create_meeting()
    async with running_server(tmp_path, ballot_key=other) as server:  # starts: the other meeting runs
        assert await server.registry.get(other_meeting["meeting_id"]) is not None
        detail = await refused(server.url, {"token": links["observer"]["token"]})
        assert detail["code"] == "wrong_state" and "ballot key" in detail["message"], detail
    async with running_server(tmp_path, ballot_key=key) as server:  # the right key back: the vote goes on
        back = Peer(server.url, links["observer"]["token"])
        await back.connect()
        assert back.view["vote"]["ballots_cast"] == 1
        await back.close()
