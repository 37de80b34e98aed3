"""The record anyone with a link may check: ``log.jsonl`` served by a real server, verified offline by
``gongzhi verify --log`` (a real subprocess), against a real SQLite log and a forged copy of it."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp

from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.core.roles import Actor
from meeting_server.ledger.verify import (
    GENESIS_HASH,
    Row,
    body_hash,
    canonical,
    new_body,
    served_line,
)
from meeting_server.store.records import record_hash
from tests.support.hub import Peer, Server, running_server

ROOT = Path(__file__).resolve().parents[2]
ROSTER = (Elector("r1", "王阿姨", "3号楼", "2单元", "301"), Elector("r2", "李师傅", "5号楼"))
CHOICES = ("yes", "no", "abstain")


def gongzhi(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    if data_dir is not None:
        env["GONGZHI_STORE__DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "meeting_server", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


async def download(server: Server, mid: str, token: str, **query: Any) -> tuple[int, str, dict[str, str]]:
    async with (
        aiohttp.ClientSession() as s,
        s.get(f"{server.url}/api/meetings/{mid}/log.jsonl", params={"t": token, **query}) as r,
    ):
        return r.status, await r.text(), dict(r.headers)


async def move_motion(mod: Peer, mover: Peer, seconder: Peer, title: str) -> str:
    def moved() -> list[dict[str, Any]]:
        return [e for e in mod.events if e["type"] == "MotionMoved"]

    before = len(moved())
    await mover.ok("MoveMotion", title=title, text=title + "。")
    await mod.wait_for(lambda: len(moved()) > before)
    motion_id: str = moved()[-1]["payload"]["motion_id"]
    await seconder.ok("SecondMotion", motion_id=motion_id)
    return motion_id


async def meeting_with_votes(server: Server, hold: list[Peer] | None = None) -> dict[str, Any]:
    """A meeting with a roster, a secret vote and a named vote, both closed; what an observer saw.

    With ``hold``, the moderator and the three voters stay connected (in that order in ``hold``, the
    caller closes them)."""
    created = await server.create_meeting()
    mid, links = created["meeting_id"], created["links"]
    mod = Peer(server.url, links["moderator"]["token"])
    rec = Peer(server.url, links["recorder"]["token"])
    voters = [Peer(server.url, links["participant"]["token"]) for _ in range(3)]
    watcher = Peer(server.url, links["observer"]["token"])
    everyone = [mod, rec, *voters, watcher]
    try:
        for i, p in enumerate([mod, rec, *voters]):
            await p.connect()
            assert (await p.join(f"参会者{i}"))["ok"]
        # The roster copy (personal data) after the joins: these link participants stay voters.
        rt = await server.registry.get(mid)
        assert rt is not None
        await server.registry.execute(rt, Actor.system(), SetElectorate("c-1", ROSTER))
        await mod.ok("OpenMeeting")
        await mod.ok("StartAgendaItem", index=0)
        secret = await move_motion(mod, voters[0], voters[1], "东门增设车位")
        await mod.ok("OpenVote", motion_id=secret, secret=True)
        for voter, choice in zip(voters, ("yes", "no", "abstain"), strict=True):
            await voter.ok("CastVote", motion_id=secret, choice=choice)
        await rec.ok("RecordShowOfHands", motion_id=secret, yes=0, no=0, abstain=0)
        await mod.ok("CloseVote", motion_id=secret)
        named = await move_motion(mod, voters[1], voters[2], "加装电梯")
        await mod.ok("OpenVote", motion_id=named)
        for voter, choice in zip(voters, ("yes", "no", "no"), strict=True):
            await voter.ok("CastVote", motion_id=named, choice=choice)
        status, text, headers = await download(server, mid, links["observer"]["token"])
        assert status == 200
        open_lines = [json.loads(line) for line in text.splitlines()]
        await rec.ok("RecordShowOfHands", motion_id=named, yes=0, no=0, abstain=0)
        seq = await mod.ok("CloseVote", motion_id=named)
        await watcher.connect(since=0)
        await watcher.wait_seq(seq)
        return {
            "mid": mid,
            "links": links,
            "open": (open_lines, headers),
            "voters": [v.participant_id for v in voters],
            "secret": secret,
            "observer_head": watcher.welcomes[-1]["head_hash"],
            "head_seq": seq,
        }
    finally:
        if hold is not None:
            hold.extend([mod, *voters])
        for p in everyone:
            if hold is None or p not in hold:
                await p.close()


async def test_an_observers_log_verifies_offline_and_names_a_changed_record(tmp_path: Path) -> None:
    async with running_server(tmp_path / "data") as server:
        m = await meeting_with_votes(server)
        status, text, headers = await download(server, m["mid"], m["links"]["observer"]["token"])
        personal = await download(server, m["mid"], m["links"]["participant"]["token"])
    assert status == 200 and headers["Content-Type"].startswith("application/jsonl")
    assert "X-Gongzhi-Withheld-From" not in headers and personal[1] == text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["seq"] for line in lines] == list(range(1, m["head_seq"] + 1))
    assert lines[-1]["hash"] == m["observer_head"]
    # The roster is served as its digest: no name, room or building leaves the server.
    roster = next(line for line in lines if line["type"] == "ElectorateSet")
    assert roster["v"] == 2 and "payload" not in roster and len(roster["payload_digest"]) == 64
    assert not any(word in text for word in ("王阿姨", "李师傅", "3号楼", "5号楼", "2单元"))

    log = tmp_path / "log.jsonl"
    log.write_text(text, "utf-8")
    ok = gongzhi("verify", "--log", str(log), "--expect-head", m["observer_head"])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"OK — {m['head_seq']} events, head {m['observer_head']}" in ok.stdout

    wrong = gongzhi("verify", "--log", str(log), "--expect-head", "f" * 64)
    assert wrong.returncode == 1 and "HEAD DIFFERS" in wrong.stdout and "f" * 64 in wrong.stdout

    # One character changed anywhere in one line: that line's seq is named (here each kind of field).
    for target, field in ((3, "actor"), (7, "ts"), (m["head_seq"] - 1, "payload")):
        changed = [dict(line) for line in lines]
        value = changed[target - 1][field]
        changed[target - 1][field] = value[:-2] + ("x" if value[-2] != "x" else "y") + value[-1]
        log.write_text("".join(canonical(line) + "\n" for line in changed), "utf-8")
        out = gongzhi("verify", "--log", str(log))
        assert out.returncode == 1, out.stdout
        assert f"BROKEN at event {target}:" in out.stdout, out.stdout
    # A line dropped: the gap is named.
    log.write_text("".join(canonical(line) + "\n" for line in lines if line["seq"] != 5), "utf-8")
    out = gongzhi("verify", "--log", str(log))
    assert out.returncode == 1 and "BROKEN at event 6: sequence gap" in out.stdout


async def test_the_served_log_recovers_no_secret_choice(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        m = await meeting_with_votes(server)
        _, text, _ = await download(server, m["mid"], m["links"]["observer"]["token"])
    lines = {json.loads(line)["seq"]: json.loads(line) for line in text.splitlines()}
    sealed = [line for line in lines.values() if line["type"] == "SecretBallotCast"]
    assert len(sealed) == 3 and {line["actor"] for line in sealed} == {"secret-ballot"}
    served_hashes = {line["hash"] for line in lines.values()}
    matches = 0
    for line in sealed:
        payload = json.loads(line["payload"])
        assert "choice" not in payload and not any(pid in line["payload"] for pid in m["voters"])
        base = {"motion_id": m["secret"], "at": payload["at"]}
        # Every plaintext the ballot might have been hashed from, with every voter, choice and role.
        for pid, choice, actor, role, type_ in itertools.product(
            m["voters"],
            CHOICES,
            (*m["voters"], line["actor"]),
            ("participant", "voter"),
            ("BallotCast", "SecretBallotCast"),
        ):
            for guess in ({**base, "participant_id": pid, "choice": choice}, {**payload, "choice": choice}):
                h = record_hash(
                    m["mid"],
                    line["seq"],
                    float(line["ts"]),
                    actor,
                    role,
                    type_,
                    canonical(guess),
                    line["prev"],
                )
                matches += h in served_hashes
    assert matches == 0
    # The control: the named vote, closed, is public and its ballots do re-hash from their choices.
    named = [line for line in lines.values() if line["type"] == "BallotCast"]
    assert [json.loads(line["payload"])["choice"] for line in named] == ["yes", "no", "no"]


async def test_a_named_vote_is_withheld_while_open_and_links_are_checked(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        m = await meeting_with_votes(server)
        open_lines, open_headers = m["open"]
        assert open_headers["X-Gongzhi-Withheld-Reason"] == "open-vote"
        first_ballot = int(open_headers["X-Gongzhi-Withheld-From"])
        assert [line["seq"] for line in open_lines] == list(range(1, first_ballot))
        assert not any(line["type"] == "BallotCast" for line in open_lines)
        token = m["links"]["observer"]["token"]
        # Pages that join up: every line once, in order, with the next page named.
        _, full, _ = await download(server, m["mid"], token)
        pages, after = [], 0
        while True:
            status, text, headers = await download(server, m["mid"], token, after=after, limit=4)
            assert status == 200
            pages.append(text)
            if "X-Gongzhi-Next-After" not in headers:
                break
            after = int(headers["X-Gongzhi-Next-After"])
        assert "".join(pages) == full and len(pages) == -(-m["head_seq"] // 4)

        other = await server.create_meeting()
        refusals = {
            "no_token": await download(server, m["mid"], ""),
            "wrong_meeting": await download(server, m["mid"], other["links"]["observer"]["token"]),
            "forged_token": await download(
                server, m["mid"], token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")
            ),
        }
        server.clock.advance(400 * 24 * 3600)
        refusals["expired_token"] = await download(server, m["mid"], token)
        bad_page = await download(server, m["mid"], token, after="x")
    for code, (status, text, _) in refusals.items():
        assert status == 403, (code, text)
        assert json.loads(text)["error"]["code"] == code
    assert bad_page[0] in (400, 403)


def _rows(db_path: Path, meeting_id: str) -> list[Row]:
    db = sqlite3.connect(db_path)
    rows = db.execute(
        "SELECT seq, ts, actor, role, type, payload, prev_hash, hash FROM events"
        " WHERE meeting_id=? ORDER BY seq",
        (meeting_id,),
    ).fetchall()
    db.close()
    return [tuple(r) for r in rows]


def _forge(db_path: Path, meeting_id: str) -> int:
    """The issue's forgery: one named ballot 反对 → 赞成, the result changed to match, every hash after it
    recomputed so the copy is consistent with itself. Returns the forged ballot's seq."""
    rows = _rows(db_path, meeting_id)
    db = sqlite3.connect(db_path)
    forged_seq = next(r[0] for r in rows if r[4] == "BallotCast" and json.loads(r[5]).get("choice") == "no")
    prev = GENESIS_HASH
    for seq, ts, actor, role, type_, payload_text, _, _ in rows:
        payload = json.loads(payload_text)
        if seq == forged_seq:
            payload["choice"] = "yes"
        elif seq > forged_seq and type_ == "VoteClosed" and not payload.get("secret"):
            online = payload["counts"]["online"]
            online["yes"], online["no"] = online["yes"] + 1, online["no"] - 1
        text = canonical(payload)
        h = body_hash(new_body(meeting_id, seq, ts, actor, role, type_, text, prev))
        db.execute(
            "UPDATE events SET payload=?, prev_hash=?, hash=? WHERE meeting_id=? AND seq=?",
            (text, prev, h, meeting_id, seq),
        )
        prev = h
    db.commit()
    db.close()
    return forged_seq


async def test_a_forged_copy_with_every_hash_recomputed_is_caught_by_the_observers_head(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    async with running_server(data) as server:
        m = await meeting_with_votes(server)
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    src = sqlite3.connect(data / "gongzhi.sqlite3")
    dst = sqlite3.connect(copy_dir / "gongzhi.sqlite3")
    src.backup(dst)
    src.close()
    dst.close()
    _forge(copy_dir / "gongzhi.sqlite3", m["mid"])

    # Consistent with itself: the self-check alone cannot tell (the finding)...
    alone = gongzhi("verify", m["mid"], data_dir=copy_dir)
    assert alone.returncode == 0, alone.stdout + alone.stderr
    # ...the head the observer saw can.
    caught = gongzhi("verify", m["mid"], "--expect-head", m["observer_head"], data_dir=copy_dir)
    assert caught.returncode == 1 and "HEAD DIFFERS" in caught.stdout, caught.stdout
    genuine = gongzhi("verify", m["mid"], "--expect-head", m["observer_head"], data_dir=data)
    assert genuine.returncode == 0, genuine.stdout

    # The log the forged copy would serve verifies on its own and is refused against the observer's head.
    served = [served_line(m["mid"], r) for r in _rows(copy_dir / "gongzhi.sqlite3", m["mid"])]
    log = tmp_path / "forged.jsonl"
    log.write_text("".join(canonical(line) + "\n" for line in served if line is not None), "utf-8")
    assert gongzhi("verify", "--log", str(log)).returncode == 0
    refused = gongzhi("verify", "--log", str(log), "--expect-head", m["observer_head"])
    assert refused.returncode == 1 and "differs from the expected" in refused.stdout
