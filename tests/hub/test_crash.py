"""Crash safety: kill -9 the server mid-meeting; after a restart every acknowledged event is there, the state
is rebuilt exactly, and the hash chain verifies. Tampering with the stored log is detected."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.hub import DEMO_SPEC, Peer
from tests.support.process import ServerProcess


def verify_cli(data_dir: Path, meeting_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meeting_server", "verify", meeting_id, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_kill_9_loses_nothing_acknowledged(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    try:
        created = server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        rec = Peer(server.url, links["recorder"]["token"])
        voters = [Peer(server.url, links["participant"]["token"]) for _ in range(3)]
        for i, p in enumerate([mod, rec, *voters]):
            await p.connect()
            assert (await p.join(f"参会者{i}"))["ok"]
        await mod.ok("OpenMeeting")
        await mod.ok("StartAgendaItem", index=0)
        await voters[0].ok("RaiseHand")
        await mod.ok("GrantFloor")
        await voters[0].ok("MoveMotion", title="安装楼道扶手", text="为老年人在楼道安装扶手。")
        await mod.wait_for(lambda: any(e["type"] == "MotionMoved" for e in mod.events))
        motion_id = next(e for e in mod.events if e["type"] == "MotionMoved")["payload"]["motion_id"]
        await voters[1].ok("SecondMotion", motion_id=motion_id)
        await mod.ok("OpenVote", motion_id=motion_id)
        # Votes and key points fired concurrently; every acknowledged one must survive.
        acks = await asyncio.gather(
            *(v.cmd("CastVote", motion_id=motion_id, choice="yes") for v in voters),
            *(rec.cmd("MarkKeyPoint", text=f"要点{i}") for i in range(20)),
        )
        assert all(a["ok"] for a in acks), acks
        acked = {a["seq"] for a in acks}
        last = await mod.ok("RevokeFloor")
        acked.add(last)
        await mod.wait_seq(last)
        view_before = mod.view
        server.proc.kill()  # SIGKILL: no shutdown code runs
        server.proc.wait()
        for p in [mod, rec, *voters]:
            await p.close()

        server = ServerProcess(tmp_path, port=server.port)
        back = Peer(server.url, links["moderator"]["token"])
        await back.connect(session=mod.session, since=0)
        seqs = [e["seq"] for e in back.events]
        assert seqs == list(range(1, len(seqs) + 1))
        assert acked <= set(seqs)
        assert back.view["vote"] == view_before["vote"]
        assert back.view["floor"] == view_before["floor"]
        assert back.view["participants"] == view_before["participants"]
        # The meeting goes on after the restart.
        await back.ok("CloseVote", motion_id=motion_id)
        await back.close()
    finally:
        server.stop()

    result = verify_cli(tmp_path, mid)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


async def test_verify_reports_first_broken_link(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    try:
        created = server.create_meeting(DEMO_SPEC)
        mid = created["meeting_id"]
        mod = Peer(server.url, created["links"]["moderator"]["token"])
        await mod.connect()
        await mod.join("主持人")
        await mod.ok("OpenMeeting")
        last = await mod.ok("StartAgendaItem", index=1)
        await mod.close()
    finally:
        server.stop()
    assert verify_cli(tmp_path, mid).returncode == 0
    db = sqlite3.connect(tmp_path / "gongzhi.sqlite3")
    db.execute(
        "UPDATE events SET payload = replace(payload, '\"index\":1', '\"index\":0') "
        "WHERE meeting_id=? AND seq=?",
        (mid, last),
    )
    db.commit()
    db.close()
    result = verify_cli(tmp_path, mid)
    assert result.returncode == 1
    assert f"BROKEN at event {last}" in result.stdout
