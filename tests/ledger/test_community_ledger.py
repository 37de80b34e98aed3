"""The signed community ledger: a real server anchors each close and each publication of minutes;
``gongzhi verify --ledger`` (a subprocess) checks the ledger's chain, every signature and every anchored
meeting; the issue's forgery of a copied data directory (one ballot changed, every hash recomputed) is
caught, and so is a ledger rewritten to match it without the signing key."""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import stat
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from meeting_server.ledger.anchors import Anchor, signed_payload
from meeting_server.ledger.verify import body_hash, canonical, new_body
from tests.support.hub import Peer, running_server

from .test_public_log import _forge, _rows, gongzhi, meeting_with_votes


def _of(peer: Peer, type_: str) -> list[dict[str, Any]]:
    return [e for e in peer.events if e["type"] == type_]


async def _closed_and_published(data: Path) -> dict[str, Any]:
    held: list[Peer] = []
    async with running_server(data, **{"public_url": "http://127.0.0.1"}) as server:
        try:
            m = await meeting_with_votes(server, held)
            rec = Peer(server.url, m["links"]["recorder"]["token"])
            held.append(rec)
            await rec.connect()
            assert (await rec.join("记录员"))["ok"]
            mod = held[0]
            await mod.ok("CloseMeeting")
            await rec.wait_for(lambda: bool(_of(rec, "MinutesDrafted")), timeout=20)
            published = await rec.ok("PublishMinutes")
            await rec.wait_seq(published)
            m["published_seq"] = published
            m["minutes_hash"] = _of(rec, "MinutesPublished")[0]["payload"]["minutes_hash"]
        finally:
            for p in held:
                await p.close()
    return m


async def test_closes_and_minutes_are_anchored_and_a_forged_copy_is_caught(tmp_path: Path) -> None:
    data = tmp_path / "data"
    m = await _closed_and_published(data)
    key_file = data / "ledger.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    ok = gongzhi("verify", "--ledger", data_dir=data)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "ledger:-: OK — 2 entries" in ok.stdout
    entries = _rows(data / "gongzhi.sqlite3", "ledger:-")
    anchors = [json.loads(r[5]) for r in entries]
    assert [(a["kind"], a["meeting_id"]) for a in anchors] == [
        ("meeting-closed", m["mid"]),
        ("minutes-published", m["mid"]),
    ]
    assert anchors[1]["seq"] == m["published_seq"] and anchors[1]["minutes_hash"] == m["minutes_hash"]
    # The key is made once: a second server on the same data directory signs with the same one.
    before = key_file.read_text()
    async with running_server(data):
        pass
    assert key_file.read_text() == before
    assert len(_rows(data / "gongzhi.sqlite3", "ledger:-")) == 2  # and anchors nothing twice

    # A log from before the ledger (or a stop between a close and its anchor): the start anchors it.
    old = tmp_path / "old"
    shutil.copytree(data, old)
    db = sqlite3.connect(old / "gongzhi.sqlite3")
    db.execute("DELETE FROM events WHERE meeting_id LIKE 'ledger:%'")
    db.execute("DELETE FROM meetings WHERE meeting_id LIKE 'ledger:%'")
    db.commit()
    db.close()
    assert "no ledger entries yet" in gongzhi("verify", "--ledger", data_dir=old).stdout
    async with running_server(old):
        pass
    backfilled = gongzhi("verify", "--ledger", data_dir=old)
    assert backfilled.returncode == 0 and "ledger:-: OK — 2 entries" in backfilled.stdout
    assert gongzhi("verify", "all", data_dir=data).returncode == 0

    # A data directory from before the street ledger: the start anchors each community ledger's head.
    older = tmp_path / "older"
    shutil.copytree(data, older)
    db = sqlite3.connect(older / "gongzhi.sqlite3")
    db.execute("DELETE FROM events WHERE meeting_id='ledger:@street'")
    db.execute("DELETE FROM meetings WHERE meeting_id='ledger:@street'")
    db.commit()
    db.close()
    async with running_server(older):
        pass
    upgraded = gongzhi("verify", "--ledger", data_dir=older)
    assert upgraded.returncode == 0 and "ledger:@street: OK — 1 entries" in upgraded.stdout, upgraded.stdout
    street = json.loads(_rows(older / "gongzhi.sqlite3", "ledger:@street")[0][5])
    assert (street["meeting_id"], street["seq"]) == ("ledger:-", 2)
    async with running_server(older):
        pass
    assert len(_rows(older / "gongzhi.sqlite3", "ledger:@street")) == 1  # once

    # The forgery on a copy of the whole data directory (the key file included).
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    forged_seq = _forge(copy / "gongzhi.sqlite3", m["mid"])
    assert gongzhi("verify", m["mid"], data_dir=copy).returncode == 0  # consistent with itself
    caught = gongzhi("verify", "--ledger", data_dir=copy)
    assert caught.returncode == 1, caught.stdout
    assert f"event {anchors[0]['seq']} differs from its anchor" in caught.stdout
    assert f"event {anchors[1]['seq']} differs from its anchor" in caught.stdout
    assert forged_seq < anchors[0]["seq"]

    # The ledger rewritten to match, signed with a key of the forger's own: refused.
    meeting = {r[0]: r[7] for r in _rows(copy / "gongzhi.sqlite3", m["mid"])}
    _rewrite_ledger(copy / "gongzhi.sqlite3", meeting, Ed25519PrivateKey.generate())
    refused = gongzhi("verify", "--ledger", data_dir=copy)
    assert refused.returncode == 1 and "signed with another key" in refused.stdout, refused.stdout
    assert f"meeting {m['mid']} event" not in refused.stdout  # the anchors now match the forged meeting
    # The limit, stated: whoever also holds ledger.key can re-sign the rewrite. Then only a ledger head
    # kept elsewhere (a printed notice, a timestamping authority) tells; the README says so.
    real = Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(key_file.read_text().strip()))
    _rewrite_ledger(copy / "gongzhi.sqlite3", meeting, real)
    resigned = gongzhi("verify", "--ledger", data_dir=copy)
    # One level up, the street ledger still holds the community ledger's real heads.
    assert resigned.returncode == 1, resigned.stdout
    assert "ledger:@street: BROKEN" in resigned.stdout
    assert "ledger ledger:- event 2 differs from its anchor" in resigned.stdout
    # Re-signed as well, the whole copy verifies, with the server's key and with the printed one.
    street = {r[0]: r[7] for r in _rows(copy / "gongzhi.sqlite3", "ledger:-")}
    _rewrite_ledger(copy / "gongzhi.sqlite3", street, real, "ledger:@street")
    resigned = gongzhi("verify", "--ledger", data_dir=copy)
    assert resigned.returncode == 0, resigned.stdout
    printed = ok.stdout.split("ledger key ")[1].split()[0]
    assert gongzhi("verify", "--ledger", "--public-key", printed, data_dir=copy).returncode == 0
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw().hex()
    wrong_key = gongzhi("verify", "--ledger", "--public-key", other, data_dir=copy)
    assert wrong_key.returncode == 1 and "signed with another key" in wrong_key.stdout
    assert ok.stdout.split("head ")[-1] not in resigned.stdout  # ...and its head is not the one printed


def _rewrite_ledger(
    db_path: Path, meeting: dict[int, str], key: Ed25519PrivateKey, stream: str = "ledger:-"
) -> None:
    """``stream`` re-signed with ``key``, each anchor naming the hash ``meeting`` holds at its seq."""
    rows = _rows(db_path, stream)
    db = sqlite3.connect(db_path)
    prev = "0" * 64
    for seq, ts, actor, role, type_, payload_text, _, _ in rows:
        old = json.loads(payload_text)
        anchor = Anchor(
            old["kind"], old["meeting_id"], old["seq"], meeting[old["seq"]], old["at"], old["minutes_hash"]
        )
        text = canonical(signed_payload(key, stream, seq, prev, anchor))
        h = body_hash(new_body(stream, seq, ts, actor, role, type_, text, prev))
        db.execute(
            "UPDATE events SET payload=?, prev_hash=?, hash=? WHERE meeting_id=? AND seq=?",
            (text, prev, h, stream, seq),
        )
        prev = h
    db.commit()
    db.close()
