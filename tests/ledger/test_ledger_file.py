"""The ledger as served to anyone (``/api/ledger/<community>.jsonl`` on a real server) checked offline by
``gongzhi verify --ledger-file FILE --public-key HEX`` (a subprocess), and the rotation rule of the pure
checker: the key in force changes only where the key in force signed the change."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from meeting_server.ledger.anchors import (
    MEETING_CLOSED,
    Anchor,
    public_key_hex,
    rotation_payload,
    signed_payload,
)
from meeting_server.ledger.ledger_file import verify_ledger_text
from meeting_server.ledger.verify import GENESIS_HASH, canonical
from meeting_server.store.records import make_record
from tests.support.hub import running_server

from .test_community_ledger import _closed_and_published
from .test_public_log import gongzhi


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as s, s.get(url) as r:
        if r.content_type == "application/json":
            return r.status, str((await r.json())["error"]["message"])
        return r.status, await r.text()


async def test_the_served_ledger_verifies_offline_with_the_public_key_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    await _closed_and_published(data)
    async with running_server(data) as server:
        status, text = await _get(f"{server.url}/api/ledger/-.jsonl")
        street_status, street = await _get(f"{server.url}/api/ledger/@street.jsonl")
        missing, body = await _get(f"{server.url}/api/ledger/nosuch.jsonl")
        bad, _ = await _get(f"{server.url}/api/ledger/..%2Fx.jsonl")
    assert status == 200 and len(text.strip().split("\n")) == 2
    assert missing == 404 and "存证台账" in body
    assert bad == 404
    printed = gongzhi("verify", "--ledger", data_dir=data).stdout
    key = printed.split("ledger key ")[1].split()[0]
    head = printed.split("head ")[1].split()[0]

    # The street ledger anchors each new head of the community ledger: it verifies the same way.
    assert street_status == 200
    street_file = tmp_path / "street.jsonl"
    street_file.write_text(street, "utf-8")
    up = gongzhi("verify", "--ledger-file", str(street_file), "--public-key", key)
    assert up.returncode == 0 and "(ledger:@street): OK — 2 entries" in up.stdout, up.stdout
    anchored = [json.loads(json.loads(line)["payload"]) for line in street.strip().split("\n")]
    served_heads = [json.loads(line)["hash"] for line in text.strip().split("\n")]
    assert [(a["kind"], a["meeting_id"], a["record_hash"]) for a in anchored] == [
        ("ledger-head", "ledger:-", h) for h in served_heads
    ]

    served = tmp_path / "ledger.jsonl"
    served.write_text(text, "utf-8")
    ok = gongzhi("verify", "--ledger-file", str(served), "--public-key", key)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"OK — 2 entries, head {head}" in ok.stdout  # the same head as the server's own check

    other = public_key_hex(Ed25519PrivateKey.generate().public_key())
    wrong = gongzhi("verify", "--ledger-file", str(served), "--public-key", other)
    assert wrong.returncode == 1 and "ledger entry 1: signed with another key" in wrong.stdout
    no_key = gongzhi("verify", "--ledger-file", str(served))
    assert no_key.returncode == 2 and "--public-key" in no_key.stderr

    # One character of the second entry's anchored hash changed: that entry's hash no longer matches.
    lines = text.split("\n")
    i = lines[1].index("record_hash") + len('record_hash\\":\\"')
    lines[1] = lines[1][:i] + ("0" if lines[1][i] != "0" else "1") + lines[1][i + 1 :]
    served.write_text("\n".join(lines), "utf-8")
    changed = gongzhi("verify", "--ledger-file", str(served), "--public-key", key)
    assert changed.returncode == 1 and "ledger entry 2: record content does not match" in changed.stdout


def _ledger(entries: list[dict[str, object]]) -> str:
    prev, out = GENESIS_HASH, []
    for seq, payload in enumerate(entries, start=1):
        record = make_record("ledger:c1", seq, 1000.0 + seq, "server", "server", "Anchored", payload, prev)
        line = {
            "meeting_id": record.meeting_id,
            "seq": seq,
            "ts": repr(record.ts),
            "actor": "server",
            "role": "server",
            "type": "Anchored",
            "payload": canonical(payload),
            "prev": prev,
            "hash": record.hash,
        }
        out.append(canonical(line))
        prev = record.hash
    return "\n".join(out) + "\n"


def _anchor(key: Ed25519PrivateKey, seq: int, text_so_far: str) -> dict[str, object]:
    prev = text_so_far.strip().split("\n")[-1].split('"hash":"')[1][:64] if text_so_far else GENESIS_HASH
    anchor = Anchor(MEETING_CLOSED, f"m{seq}", 9, "ab" * 32, 1.0)
    return signed_payload(key, "ledger:c1", seq, prev, anchor)


def test_a_rotation_passes_the_signing_on_only_when_the_old_key_signed_it() -> None:
    old, new, thief = (Ed25519PrivateKey.generate() for _ in range(3))
    entries: list[dict[str, object]] = [_anchor(old, 1, "")]
    entries.append(rotation_payload(old, new, 2.0))
    entries.append(_anchor(new, 3, _ledger(entries)))
    report = verify_ledger_text(_ledger(entries), old.public_key())
    assert report.ok, report.problems
    assert report.rotations == 1 and report.key_hex == public_key_hex(new.public_key())

    # Signed by the new key before the rotation, or after it by the old one: refused.
    early = [_anchor(new, 1, "")]
    assert verify_ledger_text(_ledger(early), old.public_key()).problems == (
        "ledger entry 1: signed with another key (" + public_key_hex(new.public_key())[:16] + "…)",
    )
    late = entries[:2]
    late.append(_anchor(old, 3, _ledger(late)))
    assert not verify_ledger_text(_ledger(late), old.public_key()).ok

    # A thief's rotation (not signed by the key in force), and a forged signature on a real one.
    stolen = [entries[0], rotation_payload(thief, thief, 2.0)]
    assert (
        "a rotation signed with another key"
        in verify_ledger_text(_ledger(stolen), old.public_key()).problems[0]
    )
    forged = dict(entries[1])
    forged["sig"] = base64.b64encode(thief.sign(b"x")).decode("ascii")
    report = verify_ledger_text(_ledger([entries[0], forged]), old.public_key())
    assert report.problems == ("ledger entry 2: the rotation's signatures do not verify",)
    assert report.key_hex == public_key_hex(old.public_key())
