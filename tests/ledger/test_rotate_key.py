"""``gongzhi ledger rotate-key`` on a real data directory: the old key signs the hand-over, the new key
signs from then on, and both ``verify --ledger`` (this server's key) and an outsider's ``verify
--ledger-file`` from the first printed key follow the rotation; a ledger made after it opens with it."""

from __future__ import annotations

import stat
from pathlib import Path

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from meeting_server.hub.keys import LEDGER
from meeting_server.ledger.anchors import MEETING_CLOSED, Anchor, public_key_hex
from meeting_server.ledger.ledger_file import check_signatures
from meeting_server.ledger.service import Ledger, rotate_key
from meeting_server.store.sqlite_log import SqliteEventLog
from tests.support.hub import Peer, running_server

from .test_community_ledger import _closed_and_published
from .test_public_log import gongzhi


async def test_a_rotated_key_is_followed_from_the_first_printed_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    await _closed_and_published(data)
    before = gongzhi("verify", "--ledger", data_dir=data).stdout
    first = before.split("ledger key ")[1].split()[0]
    old_file = (data / "ledger.key").read_text()

    rotated = gongzhi("ledger", "rotate-key", data_dir=data)
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert f"old ledger key {first}" in rotated.stdout
    new = rotated.stdout.split("new ledger key ")[1].split()[0]
    assert new != first and (data / "ledger.key").read_text() != old_file
    assert stat.S_IMODE((data / "ledger.key").stat().st_mode) == 0o600
    retired = list(data.glob("ledger.key.retired-*"))
    assert len(retired) == 1 and retired[0].read_text() == old_file
    assert stat.S_IMODE(retired[0].stat().st_mode) == 0o600

    # The server signs with the new key from now on: one more meeting closed.
    async with running_server(data) as server:
        m = await server.create_meeting()
        mod = Peer(server.url, m["links"]["moderator"]["token"])
        await mod.connect()
        assert (await mod.join("主持人"))["ok"]
        await mod.ok("OpenMeeting")
        await mod.ok("CloseMeeting")
        await mod.close()
        async with aiohttp.ClientSession() as s, s.get(f"{server.url}/api/ledger/-.jsonl") as r:
            served = await r.text()
        stamp = await server.app[LEDGER].stamp_for(None)
    assert stamp.public_key_hex == first  # printed pages keep naming the key to check from

    own = gongzhi("verify", "--ledger", data_dir=data)
    assert own.returncode == 0, own.stdout
    assert f"ledger key {new}" in own.stdout and "ledger:-: OK — 4 entries" in own.stdout
    assert f"(key rotated 1×, now {new})" in own.stdout
    path = tmp_path / "ledger.jsonl"
    path.write_text(served, "utf-8")
    outsider = gongzhi("verify", "--ledger-file", str(path), "--public-key", first)
    assert outsider.returncode == 0 and "OK — 4 entries" in outsider.stdout, outsider.stdout
    from_new = gongzhi("verify", "--ledger-file", str(path), "--public-key", new)
    assert from_new.returncode == 1 and "ledger entry 1: signed with another key" in from_new.stdout


async def test_a_ledger_made_after_a_rotation_opens_with_it(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "log.sqlite3")
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    try:
        await Ledger(log, old, lambda: 1.0).anchor(None, Anchor(MEETING_CLOSED, "m1", 3, "ab" * 32, 1.0))
        assert len(await rotate_key(log, old, new, 2.0)) == 2  # ledger:- and the street ledger
        ledger = Ledger(log, new, lambda: 3.0)
        await ledger.anchor("c9", Anchor(MEETING_CLOSED, "m2", 5, "cd" * 32, 3.0))
        records = await log.read("ledger:c9")
        assert [r.type for r in records] == ["KeyRotated", "Anchored"]
        signed = check_signatures(
            old.public_key(), "ledger:c9", [(r.seq, r.prev_hash, r.payload) for r in records]
        )
        assert signed.problems == () and signed.key_hex == public_key_hex(new.public_key())
        assert (await ledger.stamp_for("c9")).public_key_hex == public_key_hex(old.public_key())
        assert (await log.verify("ledger:c9")).ok
        street = await log.read("ledger:@street")  # its head anchored one level up, signed with the new key
        assert street[-1].payload["meeting_id"] == "ledger:c9"
        assert street[-1].payload["record_hash"] == records[-1].hash
        assert street[-1].payload["key"] == public_key_hex(new.public_key())
    finally:
        await log.close()
