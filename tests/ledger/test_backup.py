"""``gongzhi backup`` while a real server process writes (clients acknowledged by the server all along),
``gongzhi restore`` into a new data directory, and ``gongzhi verify --ledger`` on the restored copy: the
snapshot's ledger heads again, and every event acknowledged before the snapshot began is there."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
import sys
from pathlib import Path

from tests.support.hub import Peer
from tests.support.process import CROWD_ENV, ServerProcess

from .test_public_log import ROOT, gongzhi


async def _gongzhi_async(*args: str, data_dir: Path) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env["GONGZHI_STORE__DATA_DIR"] = str(data_dir)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "meeting_server",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def test_a_backup_taken_while_serving_restores_and_verifies(tmp_path: Path) -> None:
    data, snap, restored = tmp_path / "data", tmp_path / "snap", tmp_path / "restored"
    server = ServerProcess(data, extra_env=CROWD_ENV)
    peers: list[Peer] = []
    try:
        closed = server.create_meeting()
        mod = Peer(server.url, closed["links"]["moderator"]["token"])
        peers.append(mod)
        await mod.connect()
        assert (await mod.join("主持人"))["ok"]
        await mod.ok("OpenMeeting")
        await mod.ok("CloseMeeting")  # one anchor in ledger:- before the snapshot

        live = server.create_meeting()
        chair = Peer(server.url, live["links"]["moderator"]["token"])
        hand = Peer(server.url, live["links"]["participant"]["token"])
        peers += [chair, hand]
        for p, name in ((chair, "主持人"), (hand, "王阿姨")):
            await p.connect()
            assert (await p.join(name))["ok"]
        await chair.ok("OpenMeeting")
        await chair.ok("StartAgendaItem", index=0)
        acked: list[tuple[float, int]] = []  # (when the ack came, seq)
        stop = asyncio.Event()
        want, reached = [20], [asyncio.Event()]  # reached[0] is set once len(acked) >= want[0]

        async def write() -> None:
            up = True
            while not stop.is_set():
                seq = await hand.ok("RaiseHand" if up else "LowerHand")
                acked.append((asyncio.get_running_loop().time(), seq))
                if len(acked) >= want[0]:
                    reached[0].set()
                up = not up
                await asyncio.sleep(0.12)  # under the per-connection message rate

        async def until(count: int) -> None:
            want[0], reached[0] = count, asyncio.Event()
            waiting = asyncio.ensure_future(reached[0].wait())
            await asyncio.wait([waiting, writer], return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            if writer.done():
                writer.result()  # a refused command: its error, not a wait

        writer = asyncio.create_task(write())
        await until(20)
        started = asyncio.get_running_loop().time()
        rc, out = await _gongzhi_async("backup", str(snap), data_dir=data)
        await until(len(acked) + 20)  # the server still writing after the snapshot
        stop.set()
        await writer
    finally:
        for p in peers:
            await p.close()
        server.stop()
    assert rc == 0, out
    assert "ledger:-: 1 entries, head " in out
    snap_head = out.split("ledger:-: 1 entries, head ")[1].split()[0]
    assert stat.S_IMODE(snap.stat().st_mode) == 0o700
    assert stat.S_IMODE((snap / "ledger.key").stat().st_mode) == 0o600
    manifest = json.loads((snap / "snapshot.json").read_text())
    assert manifest["ledgers"]["ledger:-"]["head"] == snap_head

    # Into an empty directory; a data directory that is not empty is refused unless --force.
    rc, out = await _gongzhi_async("restore", str(snap), data_dir=restored)
    assert rc == 0, out
    assert f"ledger:-: 1 entries, head {snap_head}" in out
    refused = gongzhi("restore", str(snap), data_dir=data)
    assert refused.returncode == 2 and "not empty" in refused.stderr

    checked = gongzhi("verify", "--ledger", data_dir=restored)
    assert checked.returncode == 0, checked.stdout
    assert f"ledger:-: OK — 1 entries, head {snap_head}" in checked.stdout
    assert gongzhi("verify", "all", data_dir=restored).returncode == 0
    db = sqlite3.connect(restored / "gongzhi.sqlite3")
    have = {s for (s,) in db.execute("SELECT seq FROM events WHERE meeting_id=?", (live["meeting_id"],))}
    db.close()
    before = [seq for at, seq in acked if at <= started]
    after = [seq for at, seq in acked if at > started]
    assert before and set(before) <= have  # every event acknowledged before the snapshot is in it
    assert max(have) < max(after)  # and the server kept writing past the snapshot
    assert have == set(range(1, max(have) + 1))
