"""Secret means secret: an observer (and a resident) who keeps every message of a meeting with a secret
vote — replayed with ``hello {since: 0}`` before, during and after the vote, and broadcast live — recovers
no choice and no voter by re-hashing records with every guess; the stored log holds no plaintext choice;
the totals at close still count every ballot."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from meeting_server.store.records import GENESIS_HASH
from tests.support.hub import DEMO_SPEC, Peer, running_server

from .wiretap import Wiretap, attack, checkable

CAST = ("yes", "no", "abstain", "yes")


async def _motion(mod: Peer, mover: Peer, seconder: Peer) -> str:
    await mover.ok("MoveMotion", title="东门增设车位", text="在东门增设十个临时停车位。")
    await mod.wait_for(lambda: any(e["type"] == "MotionMoved" for e in mod.events))
    motion_id: str = [e for e in mod.events if e["type"] == "MotionMoved"][-1]["payload"]["motion_id"]
    await seconder.ok("SecondMotion", motion_id=motion_id)
    return motion_id


async def test_an_observer_recovers_no_secret_choice_from_anything_it_receives(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        watch = links["observer"]["token"]
        mod = Peer(server.url, links["moderator"]["token"])
        rec = Peer(server.url, links["recorder"]["token"])
        voters = [Wiretap(server.url, links["participant"]["token"]) for _ in CAST]
        bystander = Wiretap(server.url, links["participant"]["token"])  # a resident who does not vote
        live = Wiretap(server.url, watch)  # watches from the start
        taps: list[Wiretap] = [live]
        everyone: list[Peer] = [mod, rec, *voters, bystander, live]
        try:
            await live.connect(since=0)
            for i, p in enumerate([mod, rec, *voters, bystander]):
                await p.connect(since=0)
                assert (await p.join(f"参会者{i}"))["ok"]
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            motion_id = await _motion(mod, voters[0], voters[1])
            await mod.ok("OpenVote", motion_id=motion_id, secret=True)
            for voter, choice in zip(voters, CAST, strict=True):
                await voter.ok("CastVote", motion_id=motion_id, choice=choice)
            during = Wiretap(server.url, watch)  # replays the log while the vote is open
            await during.connect(since=0)
            taps.append(during)
            everyone.append(during)
            await rec.ok("RecordShowOfHands", motion_id=motion_id, yes=0, no=0, abstain=0)
            seq = await mod.ok("CloseVote", motion_id=motion_id)
            await live.wait_seq(seq)
            after = Wiretap(server.url, watch)  # replays the whole log after the close
            await after.connect(since=0)
            taps.append(after)
            everyone.append(after)
            pids = [v.participant_id for v in voters]
            assert all(pids)
            voter_ids = [p for p in pids if p is not None]

            for tap in (*taps, bystander, *voters):
                found = attack(mid, tap, voter_ids, motion_id)
                assert found == {"hash_matches": 0, "voter_mentions": 0, "choice_fields": 0}
            # The sealed records are served as stored: each re-hashes to its hash, the chain links up.
            replay = after.records()
            assert [r["seq"] for r in replay] == list(range(1, seq + 1))
            prev = GENESIS_HASH
            for r in replay:
                assert r["hash"] is not None and checkable(mid, r, prev), r
                prev = r["hash"]
            sealed = [r for r in replay if r["type"] == "SecretBallotCast"]
            assert len(sealed) == len(CAST)
            assert {r["actor"] for r in sealed} == {"secret-ballot"}
            assert all(set(r["payload"]) == {"motion_id", "voter", "sealed", "at"} for r in sealed)
            assert len({len(r["payload"]["sealed"]) for r in sealed}) == 1  # the length says nothing
            assert len({r["payload"]["voter"] for r in sealed}) == len(CAST)  # no one voted twice
            # Only the totals at close reveal the choices, and they count every ballot; by channel only
            # the number of ballots (the hall's count, less from the totals, would give online choices).
            closed = next(r for r in replay if r["type"] == "VoteClosed")["payload"]
            assert closed["counts"] is None and closed["ballots"] == {"online": 4, "room": 0}
            assert closed["totals"] == {"yes": 2, "no": 1, "abstain": 1}
            # The hall's count is sealed too (its paper ballots): only how many.
            (hall,) = [r["payload"] for r in replay if r["type"] == "SealedHallCount"]
            assert set(hall) == {"motion_id", "ballots", "sealed", "by", "at"} and hall["ballots"] == 0
            # The voter knows they voted, and cannot vote again.
            assert (await voters[0].cmd("CastVote", motion_id=motion_id, choice="no"))["ok"] is False
        finally:
            for p in everyone:
                await p.close()

    # The raw database: no choice, no voter id, in any ballot row (nor a choice anywhere in the file).
    db = sqlite3.connect(tmp_path / "gongzhi.sqlite3")
    rows = db.execute(
        "SELECT actor, role, payload FROM events WHERE meeting_id=? AND type LIKE '%BallotCast'", (mid,)
    ).fetchall()
    db.close()
    assert len(rows) == len(CAST)
    for actor, role, payload in rows:
        assert (actor, role) == ("secret-ballot", "voter")
        assert "choice" not in json.loads(payload) and not any(p in payload for p in voter_ids)
        assert not any(f'"{c}"' in payload for c in ("yes", "no", "abstain"))
    assert b'"choice"' not in _database_bytes(tmp_path)


def _database_bytes(data_dir: Path) -> bytes:
    """The SQLite file and its WAL, as a thief who copies the data directory gets them."""
    return b"".join(f.read_bytes() for f in data_dir.glob("gongzhi.sqlite3*"))


async def test_a_named_vote_sends_choices_only_after_it_closes(tmp_path: Path) -> None:
    """Without show_running_counts, a named ballot goes out without its choice (and hashes from the vote's
    first ballot are withheld) until the vote closes; then the replay has it whole and the chain checks."""
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        rec = Peer(server.url, links["recorder"]["token"])
        voters = [Peer(server.url, links["participant"]["token"]) for _ in range(3)]
        live = Wiretap(server.url, links["observer"]["token"])
        everyone: list[Peer] = [mod, rec, *voters, live]
        try:
            await live.connect(since=0)
            for i, p in enumerate([mod, rec, *voters]):
                await p.connect()
                assert (await p.join(f"参会者{i}"))["ok"]
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            motion_id = await _motion(mod, voters[0], voters[1])
            await mod.ok("OpenVote", motion_id=motion_id)
            for voter, choice in zip(voters, ("yes", "no", "yes"), strict=True):
                seq = await voter.ok("CastVote", motion_id=motion_id, choice=choice)
            await live.wait_seq(seq)
            voter_ids = [v.participant_id for v in voters if v.participant_id]
            open_ballots = [r for r in live.records() if r["type"] == "BallotCast"]
            assert len(open_ballots) == 3
            assert all("choice" not in r["payload"] and r["hash"] is None for r in open_ballots)
            assert live.view["vote"]["ballots_cast"] == 3 and "online" not in live.view["vote"]
            assert attack(mid, live, voter_ids, motion_id)["hash_matches"] == 0
            await rec.ok("RecordShowOfHands", motion_id=motion_id, yes=0, no=0, abstain=0)
            seq = await mod.ok("CloseVote", motion_id=motion_id)
            await live.wait_seq(seq)
            after = Wiretap(server.url, links["observer"]["token"])
            everyone.append(after)
            await after.connect(since=0)
            replay = after.records()
            named = [r["payload"]["choice"] for r in replay if r["type"] == "BallotCast"]
            assert named == ["yes", "no", "yes"]
            prev = GENESIS_HASH
            for r in replay:
                assert checkable(mid, r, prev), r
                prev = r["hash"]
            assert after.welcomes[-1]["head_hash"] == prev
            # The control: the same attack on a named ballot, now public, does recover the choices.
            assert attack(mid, after, voter_ids, motion_id)["hash_matches"] >= 3
        finally:
            for p in everyone:
                await p.close()


async def test_a_meeting_that_shows_running_counts_shows_them(tmp_path: Path) -> None:
    spec: dict[str, Any] = {**DEMO_SPEC, "settings": {**DEMO_SPEC["settings"], "show_running_counts": True}}
    async with running_server(tmp_path) as server:
        created = await server.create_meeting(spec)
        links = created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        voters = [Peer(server.url, links["participant"]["token"]) for _ in range(3)]
        obs = Peer(server.url, links["observer"]["token"])
        try:
            await obs.connect(since=0)
            for i, p in enumerate([mod, *voters]):
                await p.connect()
                assert (await p.join(f"参会者{i}"))["ok"]
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            motion_id = await _motion(mod, voters[0], voters[1])
            await mod.ok("OpenVote", motion_id=motion_id)
            seq = await voters[0].ok("CastVote", motion_id=motion_id, choice="no")
            await obs.wait_seq(seq)
            assert obs.view["vote"]["online"] == {"yes": 0, "no": 1, "abstain": 0}
            assert obs.events[-1]["payload"]["choice"] == "no" and obs.events[-1]["hash"]
        finally:
            for p in [mod, *voters, obs]:
                await p.close()
