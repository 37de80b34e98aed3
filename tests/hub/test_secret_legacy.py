"""Logs written before ballots were sealed hold plaintext secret ballots: they still load and verify, and
clients get them redacted — no choice, an anonymous actor, and no hash from the first such ballot on (each
later hash chains over the choice)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meeting_server.core.registry import Event
from meeting_server.core.state import MeetingState
from meeting_server.ledger.sealing import BallotSealer
from meeting_server.store.eventlog import open_event_log
from tests.support.hub import Peer, make_settings, running_server

from .wiretap import Wiretap, attack


def _unsealed(
    self: BallotSealer, meeting_id: str, state: MeetingState | None, event: Event, actor: str, role: str
) -> tuple[Event, str, str]:
    return event, actor, role  # what the writer did before sealing existed


async def _old_meeting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], str, list[str]]:
    with monkeypatch.context() as patched:
        patched.setattr(BallotSealer, "for_log", _unsealed)
        async with running_server(tmp_path) as server:
            created = await server.create_meeting()
            links = created["links"]
            mod = Peer(server.url, links["moderator"]["token"])
            rec = Peer(server.url, links["recorder"]["token"])
            voters = [Peer(server.url, links["participant"]["token"]) for _ in range(3)]
            try:
                for i, p in enumerate([mod, rec, *voters]):
                    await p.connect()
                    assert (await p.join(f"参会者{i}"))["ok"]
                await mod.ok("OpenMeeting")
                await mod.ok("StartAgendaItem", index=0)
                await voters[0].ok("MoveMotion", title="东门增设车位", text="增设十个临时停车位。")
                await mod.wait_for(lambda: any(e["type"] == "MotionMoved" for e in mod.events))
                motion_id = next(e for e in mod.events if e["type"] == "MotionMoved")["payload"]["motion_id"]
                await voters[1].ok("SecondMotion", motion_id=motion_id)
                await mod.ok("OpenVote", motion_id=motion_id, secret=True)
                for v, c in zip(voters, ("yes", "no", "yes"), strict=True):
                    await v.ok("CastVote", motion_id=motion_id, choice=c)
                await rec.ok("RecordShowOfHands", motion_id=motion_id, yes=0, no=0, abstain=0)
                await mod.ok("CloseVote", motion_id=motion_id)
            finally:
                for p in [mod, rec, *voters]:
                    await p.close()
    return created, motion_id, [v.participant_id for v in voters if v.participant_id]


async def test_an_old_log_loads_verifies_and_is_redacted_on_the_way_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created, motion_id, voter_ids = await _old_meeting(tmp_path, monkeypatch)
    mid = created["meeting_id"]
    log = open_event_log(make_settings(tmp_path))
    try:
        assert (await log.verify(mid)).ok
        stored = [r for r in await log.read(mid) if r.type == "BallotCast"]
        assert len(stored) == 3 and all("choice" in r.payload for r in stored)  # really an old log
    finally:
        await log.close()
    async with running_server(tmp_path) as server:
        rt = await server.registry.get(mid)
        assert rt is not None and rt.state is not None and rt.state.results[-1].totals.yes == 2
        obs = Wiretap(server.url, created["links"]["observer"]["token"])
        try:
            await obs.connect(since=0)
            found = attack(mid, obs, voter_ids, motion_id)
            assert found == {"hash_matches": 0, "voter_mentions": 0, "choice_fields": 0}
            records = obs.records()
            first = next(r["seq"] for r in records if r["type"] == "BallotCast")
            assert all(r["hash"] for r in records if r["seq"] < first)
            assert all(r["hash"] is None for r in records if r["seq"] >= first)
            assert obs.welcomes[-1]["head_hash"] is None
        finally:
            await obs.close()
