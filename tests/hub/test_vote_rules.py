"""Voting rules over real sockets (core.vote_rules): the elevator case. A vote of the residents of one
unit, opened by the moderator with a 3/4 threshold: a resident of another building is refused with the
reason, the quorum comes from the unit's roster, the recorder enters the ballot of a resident in the hall,
and the result says which rule was applied. Then one vote per household and an unknown area."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.invite.elevator import UNIT, elevator_meeting
from tests.invite.helpers import Community, open_meeting, token_of
from tests.staff.helpers import clients, staff_server
from tests.support.hub import Peer

from .wiretap import Wiretap, attack


async def _motion(mod: Peer, mover: Peer, seconder: Peer) -> str:
    await mover.ok("MoveMotion", title="3号楼2单元加装电梯", text="申请加装电梯一部。")
    await mod.wait_for(lambda: any(e["type"] == "MotionMoved" for e in mod.events))
    motion_id: str = [e for e in mod.events if e["type"] == "MotionMoved"][-1]["payload"]["motion_id"]
    await seconder.ok("SecondMotion", motion_id=motion_id)
    return motion_id


def _peer(server_url: str, c: Community, name: str) -> Peer:
    return Peer(server_url, token_of(c.people[name]["url"]))


async def test_the_elevator_vote_of_one_unit(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await elevator_meeting(staff)
        await open_meeting(server.url, c)
        mod = Peer(server.url, c.links["moderator"]["token"])
        rec = Peer(server.url, c.links["recorder"]["token"])
        wang, sun, zhang, liu = (_peer(server.url, c, n) for n in ("王阿姨", "孙阿姨", "张三", "刘大爷"))
        peers = [mod, rec, wang, sun, zhang, liu]
        try:
            for p in peers:
                await p.connect()
            await mod.join("主持人甲")
            await rec.join("记录员乙")
            motion_id = await _motion(mod, wang, sun)
            # The unit has 4 voters: quorum 3; 2 of them (王阿姨, 孙阿姨) are here.
            ack = await mod.cmd("OpenVote", motion_id=motion_id, rule=UNIT)
            assert ack["error"]["code"] == "no_quorum" and "3号楼2单元住户到会 2/4" in ack["error"]["message"]
            zhao = c.people["赵老师"]
            await rec.ok("CheckInInRoom", name="赵老师", person_id=zhao["person_id"])
            await mod.ok("OpenVote", motion_id=motion_id, rule=UNIT)
            await zhang.wait_for(lambda: zhang.view["vote"] is not None)
            vote: dict[str, Any] = zhang.view["vote"]
            assert vote["rule_text"].startswith("表决范围：3号楼2单元住户")
            assert (vote["quorum_basis"], vote["heads_in_scope"], vote["present"]) == ("scope", 4, 3)
            assert vote["scope_text"] == "3号楼2单元住户" and vote["per_person"] is True
            assert vote["room_eligible"] == 1  # 赵老师, whose ballot the recorder enters
            outside = await zhang.cmd("CastVote", motion_id=motion_id, choice="no")
            assert outside["ok"] is False
            assert outside["error"] == {"code": "not_in_scope", "message": "本次表决仅限3号楼2单元住户参加"}
            # 刘大爷 lives in the unit but holds no voting rights.
            no_rights = await liu.cmd("CastVote", motion_id=motion_id, choice="yes")
            assert no_rights["error"]["code"] == "not_in_scope"
            await wang.ok("CastVote", motion_id=motion_id, choice="yes")
            await sun.ok("CastVote", motion_id=motion_id, choice="no")
            # 赵老师 has no phone: the recorder enters the ballot; a show of hands is refused.
            hands = await rec.cmd("RecordShowOfHands", motion_id=motion_id, yes=1, no=0, abstain=0)
            assert hands["error"]["code"] == "wrong_state"
            await rec.ok(
                "CastVote", motion_id=motion_id, choice="yes", on_behalf_of="per-" + zhao["person_id"]
            )
            seq = await mod.ok("CloseVote", motion_id=motion_id)
            await zhang.wait_seq(seq)
            (result,) = zhang.view["results"]
            # 2 yes of 3 cast < 3/4: not carried.
            assert result["passed"] is False and result["totals"] == {"yes": 2, "no": 1, "abstain": 0}
            assert result["sums"]["quorum_basis"] == "scope" and result["sums"]["heads_in_scope"] == 4
            assert "3号楼2单元住户共 4 人，开始表决时到会 3 人" in result["rule_text"]
            assert (
                "赞成票达投票数的四分之三以上" in result["rule_text"]
                and "结果：未通过" in result["rule_text"]
            )
            closed = [e for e in zhang.events if e["type"] == "VoteClosed"][-1]["payload"]
            assert closed["rule"]["scope"] == "unit" and closed["rule"]["threshold"] == "three_quarters"
            entered = [e for e in rec.events if e["type"] == "BallotCast"]
            assert [e["payload"].get("entered_by") for e in entered] == [None, None, rec.participant_id]
        finally:
            for p in peers:
                await p.close()


async def test_one_vote_per_household_and_an_unknown_area(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await elevator_meeting(staff)
        await open_meeting(server.url, c)
        mod = Peer(server.url, c.links["moderator"]["token"])
        rec = Peer(server.url, c.links["recorder"]["token"])
        tap = Wiretap(server.url, c.links["observer"]["token"])
        wang, wang2, sun = (_peer(server.url, c, n) for n in ("王阿姨", "王叔叔", "孙阿姨"))
        peers = [mod, rec, tap, wang, wang2, sun]
        try:
            for p in peers:
                await p.connect(since=0)
            await mod.join("主持人甲")
            await rec.join("记录员乙")
            zhao = "per-" + c.people["赵老师"]["person_id"]
            await rec.ok("CheckInInRoom", name="赵老师", person_id=c.people["赵老师"]["person_id"])
            motion_id = await _motion(mod, wang, sun)
            # 张三's household (5号楼) has no area: an art. 278 vote of the building cannot open.
            art = {"scope": "building", "building": "5号楼", "art278": "ordinary"}
            ack = await mod.cmd("OpenVote", motion_id=motion_id, rule=art, secret=True)
            assert ack["error"]["code"] == "area_unknown" and "5号楼 101" in ack["error"]["message"]
            rule = dict(UNIT, threshold="majority_cast", household=True)
            await mod.ok("OpenVote", motion_id=motion_id, rule=rule, secret=True)
            await wang.ok("CastVote", motion_id=motion_id, choice="yes")
            again = await wang2.cmd("CastVote", motion_id=motion_id, choice="no")
            assert again["error"]["code"] == "household_voted"
            await sun.ok("CastVote", motion_id=motion_id, choice="yes")
            await rec.ok("CastVote", motion_id=motion_id, choice="no", on_behalf_of=zhao)
            seq = await mod.ok("CloseVote", motion_id=motion_id)
            await mod.wait_seq(seq)
            (result,) = mod.view["results"]
            # Households of the unit with voting rights: 301, 401, 402 → 3; quorum 2; all here. 2 yes, 1 no.
            assert result["sums"]["heads_in_scope"] == 3 and result["passed"] is True
            # Secret: per channel only the ballots cast (test_secret_split covers the rest).
            assert result["counts"] is None and result["ballots"] == {"online": 2, "room": 1}
            assert "每户一票" in result["rule_text"] and "共 3 户" in result["rule_text"]
            # Secret, the hall's ballot included: the observer finds no voter, no recorder, no choice.
            await tap.wait_seq(seq)
            voters = [p.participant_id for p in (wang, sun) if p.participant_id] + [zhao]
            found = attack(c.meeting_id, tap, voters, motion_id)
            assert found == {"hash_matches": 0, "voter_mentions": 0, "choice_fields": 0}
            sealed = [r for r in tap.records() if r["type"] == "SecretBallotCast"]
            assert len(sealed) == 3 and {r["actor"] for r in sealed} == {"secret-ballot"}
            assert not any(rec.participant_id in json.dumps(r, ensure_ascii=False) for r in sealed)
        finally:
            for p in peers:
                await p.close()
    # The auditor's recount with the ballot key: the hall's sealed ballot is counted with the online ones.
    recount = subprocess.run(
        [sys.executable, "-m", "meeting_server", "recount", c.meeting_id, "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert recount.returncode == 0, recount.stdout + recount.stderr
    assert f"{motion_id}: OK" in recount.stdout and "'yes': 2, 'no': 1, 'abstain': 0" in recount.stdout
