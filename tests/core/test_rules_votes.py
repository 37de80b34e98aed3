"""Motions, amendments, quorum, thresholds, mixed online/in-room votes, and the secrecy of secret votes."""

from __future__ import annotations

import json

import pytest

from meeting_server.core.commands import (
    AmendMotion,
    CastVote,
    CheckInInRoom,
    CheckOutInRoom,
    CloseMeeting,
    CloseVote,
    GrantFloor,
    JoinMeeting,
    LeaveMeeting,
    MoveMotion,
    OpenVote,
    RecordShowOfHands,
    SecondMotion,
    WithdrawMotion,
)
from meeting_server.core.errors import ErrorCode
from meeting_server.core.events import FloorRevoked, MeetingClosed
from meeting_server.core.motion_events import (
    BallotCast,
    MotionAmended,
    ResolutionRecorded,
    VoteCancelled,
    VoteClosed,
    VoteOpened,
)
from meeting_server.core.payload import to_payload
from meeting_server.core.redact import public_payload
from meeting_server.core.registry import Command
from meeting_server.core.roles import Actor
from meeting_server.core.tally import passes, quorum_min
from meeting_server.core.values import Choice, Counts, MeetingSettings, MotionStatus, Threshold
from meeting_server.core.view import public_view

from .sim import MOD, P1, P2, P3, REC, Sim, resident, running


def seconded(sim: Sim, title: str = "东门车位", mover: Actor = P1, seconder: Actor = P2) -> str:
    [moved] = sim.do(mover, MoveMotion(title, f"{title}：具体方案"))
    motion_id: str = moved.motion_id  # type: ignore[attr-defined]
    sim.do(seconder, SecondMotion(motion_id))
    return motion_id


def closed(sim: Sim, motion_id: str) -> VoteClosed:
    result = sim.do(MOD, CloseVote(motion_id))[0]
    assert isinstance(result, VoteClosed)
    return result


# ---------------------------------------------------------------- quorum


@pytest.mark.parametrize(
    ("expected", "ratio", "minimum"),
    [
        (None, 0.5, 1),
        (10, 0.5, 6),  # exactly half (5) is not more than half
        (9, 0.5, 5),
        (1, 0.5, 1),
        (2, 0.5, 2),
        (30, 2 / 3, 21),  # strictly more than 20
        (9, 0.6667, 7),
        (12, 1.0, 12),  # "everyone", capped at the expected number
        (100, 0.3, 31),
    ],
)
def test_quorum_min(expected: int | None, ratio: float, minimum: int) -> None:
    assert quorum_min(MeetingSettings(expected_members=expected, quorum_ratio=ratio)) == minimum


@pytest.mark.parametrize(("online", "room", "ok"), [(3, 2, False), (4, 2, True), (6, 0, True), (0, 6, True)])
def test_quorum_is_checked_when_a_vote_opens(online: int, room: int, ok: bool) -> None:
    # 10 expected members: quorum is 6 present voters, online and in the room alike; officers do not count.
    sim = running(MeetingSettings(expected_members=10), online=max(online, 2), room=room)
    motion_id = seconded(sim)
    for i in range(online + 1, 3):  # the two residents needed to move/second leave if not counted
        sim.do(resident(f"p{i}"), LeaveMeeting())
    if ok:
        [opened] = sim.do(MOD, OpenVote(motion_id))
        assert isinstance(opened, VoteOpened) and opened.present == online + room and opened.quorum_min == 6
    else:
        assert sim.refuse(MOD, OpenVote(motion_id)) is ErrorCode.NO_QUORUM


def test_without_expected_members_one_voter_is_a_quorum() -> None:
    sim = running(online=2, room=0)
    motion_id = seconded(sim)
    sim.do(P2, LeaveMeeting())
    sim.do(MOD, OpenVote(motion_id))
    sim2 = running(online=2, room=0)
    motion_id = seconded(sim2)
    sim2.do(P1, LeaveMeeting())
    sim2.do(P2, LeaveMeeting())
    assert sim2.refuse(MOD, OpenVote(motion_id)) is ErrorCode.NO_QUORUM


# ---------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    ("threshold", "yes", "no", "abstain", "present", "passed"),
    [
        (Threshold.MAJORITY_CAST, 5, 5, 0, 10, False),  # a tie fails
        (Threshold.MAJORITY_CAST, 6, 5, 0, 11, True),
        (Threshold.MAJORITY_CAST, 1, 0, 50, 51, True),  # abstentions are not votes cast
        (Threshold.MAJORITY_CAST, 0, 0, 3, 3, False),
        (Threshold.MAJORITY_PRESENT, 5, 0, 0, 10, False),  # exactly half of those present
        (Threshold.MAJORITY_PRESENT, 6, 0, 0, 10, True),
        (Threshold.MAJORITY_PRESENT, 5, 0, 0, 9, True),
        (Threshold.MAJORITY_PRESENT, 4, 0, 0, 9, False),
        (Threshold.MAJORITY_PRESENT, 5, 1, 4, 12, False),  # abstaining and silent count against
        (Threshold.TWO_THIRDS, 2, 1, 0, 3, True),  # exactly two-thirds
        (Threshold.TWO_THIRDS, 20, 10, 5, 40, True),
        (Threshold.TWO_THIRDS, 19, 10, 0, 29, False),
        (Threshold.TWO_THIRDS, 1, 0, 9, 10, True),
        (Threshold.TWO_THIRDS, 0, 0, 5, 5, False),  # 0 of 0 is not two-thirds
        (Threshold.TWO_THIRDS, 85, 15, 0, 100, True),
    ],
)
def test_thresholds(
    threshold: Threshold, yes: int, no: int, abstain: int, present: int, passed: bool
) -> None:
    assert passes(threshold, Counts(yes, no, abstain), present) is passed


@pytest.mark.parametrize(
    ("threshold", "online", "room", "passed"),
    [
        # 3 online voters + 2 in the room = 5 present.
        (Threshold.MAJORITY_CAST, ["yes", "no", "abstain"], (1, 1, 0), False),  # 2 : 2
        (Threshold.MAJORITY_CAST, ["yes", "yes", "no"], (0, 1, 1), False),  # 2 : 2
        (Threshold.MAJORITY_CAST, ["yes", "no", "no"], (2, 0, 0), True),  # 3 : 2
        (Threshold.MAJORITY_PRESENT, ["yes", "yes", "abstain"], (1, 0, 1), True),  # 3 of 5
        (Threshold.MAJORITY_PRESENT, ["yes", "yes", "abstain"], (0, 0, 2), False),  # 2 of 5
        (Threshold.TWO_THIRDS, ["yes", "no", "abstain"], (1, 0, 1), True),  # 2 : 1, exactly 2/3
        (Threshold.TWO_THIRDS, ["yes", "no", "no"], (2, 0, 0), False),  # 3 : 2
    ],
)
def test_mixed_online_and_in_room_votes(
    threshold: Threshold, online: list[str], room: tuple[int, int, int], passed: bool
) -> None:
    sim = running(online=3, room=2)
    motion_id = seconded(sim)
    sim.do(MOD, OpenVote(motion_id, threshold=threshold))
    for i, choice in enumerate(online, start=1):
        sim.do(resident(f"p{i}"), CastVote(motion_id, Choice(choice)))
    sim.do(REC, RecordShowOfHands(motion_id, *room))
    result = closed(sim, motion_id)
    expected_online = Counts(online.count("yes"), online.count("no"), online.count("abstain"))
    assert result.counts.online == expected_online
    assert result.counts.room == Counts(*room)
    assert result.totals == expected_online.plus(Counts(*room))
    assert (result.present, result.quorum_met, result.passed, result.threshold) == (
        5,
        True,
        passed,
        threshold,
    )
    assert sim.state.motions[motion_id].status is (MotionStatus.PASSED if passed else MotionStatus.FAILED)
    assert len(sim.state.resolutions) == (1 if passed else 0)


def test_no_double_voting() -> None:
    sim = running(online=3, room=1)
    motion_id = seconded(sim)
    sim.do(MOD, OpenVote(motion_id))
    sim.do(P1, CastVote(motion_id, Choice.YES))
    assert sim.refuse(P1, CastVote(motion_id, Choice.NO)) is ErrorCode.DUPLICATE
    # Leaving and coming back (a reconnecting phone) does not give a second ballot.
    sim.do(P1, LeaveMeeting())
    sim.do(P1, JoinMeeting(name="居民1"))
    assert sim.refuse(P1, CastVote(motion_id, Choice.NO)) is ErrorCode.DUPLICATE
    # Someone arriving after the vote opened was not counted present: no ballot, and no room hand either.
    sim.do(resident("late"), JoinMeeting(name="迟到者"))
    assert sim.refuse(resident("late"), CastVote(motion_id, Choice.YES)) is ErrorCode.NOT_PRESENT
    sim.do(REC, CheckInInRoom(name="刘大爷"))
    assert sim.refuse(REC, RecordShowOfHands(motion_id, 2, 0, 0)) is ErrorCode.LIMIT
    # Someone who left before voting cannot vote while away.
    sim.do(P2, LeaveMeeting())
    assert sim.refuse(P2, CastVote(motion_id, Choice.YES)) is ErrorCode.NOT_PRESENT
    sim.do(REC, RecordShowOfHands(motion_id, 0, 0, 0))
    assert closed(sim, motion_id).totals == Counts(1, 0, 0)


def test_show_of_hands_bounds_and_corrections() -> None:
    sim = running(online=2, room=3)
    motion_id = seconded(sim)
    sim.do(REC, CheckOutInRoom("room-3"))  # two in the room when the vote opens
    sim.do(MOD, OpenVote(motion_id))
    assert sim.refuse(REC, RecordShowOfHands(motion_id, 2, 1, 0)) is ErrorCode.LIMIT
    assert sim.refuse(REC, RecordShowOfHands(motion_id, -1, 1, 0)) is ErrorCode.INVALID
    sim.do(REC, RecordShowOfHands(motion_id, 2, 0, 0))
    sim.do(REC, RecordShowOfHands(motion_id, 1, 1, 0))  # correction: the last count wins
    assert closed(sim, motion_id).counts.room == Counts(1, 1, 0)


def test_amendments_are_voted_before_the_main_motion() -> None:
    sim = running(room=0)
    main = seconded(sim)
    [moved] = sim.do(P3, AmendMotion(main, "增设二十个车位"))
    amendment: str = moved.motion_id  # type: ignore[attr-defined]
    assert sim.state.motions[amendment].title.startswith("修正案")
    assert sim.refuse(MOD, OpenVote(main)) is ErrorCode.WRONG_STATE  # amendment pending (even unseconded)
    assert sim.refuse(MOD, OpenVote(amendment)) is ErrorCode.WRONG_STATE  # not seconded
    sim.do(P1, SecondMotion(amendment))
    sim.do(MOD, OpenVote(amendment))
    assert sim.refuse(MOD, OpenVote(main)) is ErrorCode.WRONG_STATE  # a vote is open
    for voter in (P1, P2):
        sim.do(voter, CastVote(amendment, Choice.YES))
    events = sim.do(MOD, CloseVote(amendment))
    assert [type(e) for e in events] == [VoteClosed, MotionAmended]
    assert sim.state.motions[main].text == "增设二十个车位"
    sim.do(MOD, OpenVote(main))
    sim.do(P1, CastVote(main, Choice.YES))
    events = sim.do(MOD, CloseVote(main))
    assert isinstance(events[1], ResolutionRecorded) and events[1].text == "增设二十个车位"
    assert events[1].resolution_id == "r1"


def test_a_failed_or_withdrawn_amendment_leaves_the_text() -> None:
    sim = running(room=0)
    main = seconded(sim)
    sim.do(P3, AmendMotion(main, "改为五个"))
    sim.do(P1, SecondMotion("m2"))
    sim.do(MOD, OpenVote("m2"))
    sim.do(P1, CastVote("m2", Choice.NO))
    assert [type(e) for e in sim.do(MOD, CloseVote("m2"))] == [VoteClosed]
    sim.do(P2, AmendMotion(main, "改为八个"))
    sim.do(P2, WithdrawMotion("m3"))
    sim.do(MOD, OpenVote(main))
    assert sim.state.motions[main].text == "东门车位：具体方案"


def test_withdrawing_a_motion_withdraws_its_pending_amendments() -> None:
    sim = running()
    main = seconded(sim)
    sim.do(P3, AmendMotion(main, "改为五个"))
    events = sim.do(P1, WithdrawMotion(main))
    assert [e.motion_id for e in events] == ["m2", "m1"]  # type: ignore[attr-defined]
    assert {m.status for m in sim.state.motions.values()} == {MotionStatus.WITHDRAWN}


def test_a_failed_vote_records_no_resolution_and_a_motion_is_voted_once() -> None:
    sim = running(room=0)
    motion_id = seconded(sim)
    sim.do(MOD, OpenVote(motion_id))
    assert not closed(sim, motion_id).passed  # nobody voted
    assert sim.state.resolutions == ()
    assert sim.refuse(MOD, OpenVote(motion_id)) is ErrorCode.WRONG_STATE


# ---------------------------------------------------------------- secrecy


def test_a_secret_vote_never_shows_choices() -> None:
    sim = running(online=3)
    motion_id = seconded(sim)
    sim.do(MOD, OpenVote(motion_id, secret=True))
    ballots = [sim.do(P1, CastVote(motion_id, Choice.YES))[0], sim.do(P2, CastVote(motion_id, Choice.NO))[0]]
    for viewer in (None, MOD, P1, P3):
        view = public_view(sim.state, viewer, sim.now)
        vote = view["vote"]
        assert vote["secret"] and vote["ballots_cast"] == 2
        assert "voters" not in vote and "online" not in vote
        assert '"yes"' not in json.dumps(view) and '"no"' not in json.dumps(view)
    assert public_view(sim.state, P1, sim.now)["you"]["has_voted"] is True
    assert public_view(sim.state, P3, sim.now)["you"]["may_vote"] is True
    for ballot in ballots:
        assert isinstance(ballot, BallotCast)
        shown = public_payload(sim.state, ballot.name, to_payload(ballot))
        assert set(shown) == {"motion_id", "at"}


def test_a_named_vote_shows_who_voted_what_when_the_meeting_shows_running_counts() -> None:
    sim = running(MeetingSettings(show_running_counts=True))
    motion_id = seconded(sim)
    sim.do(MOD, OpenVote(motion_id))
    [ballot] = sim.do(P1, CastVote(motion_id, Choice.YES))
    vote = public_view(sim.state, None, sim.now)["vote"]
    assert vote["running_counts"] is True
    assert vote["voters"] == [{"participant_id": "p1", "choice": "yes"}]
    assert vote["online"] == {"yes": 1, "no": 0, "abstain": 0}
    assert public_payload(sim.state, ballot.name, to_payload(ballot))["choice"] == "yes"
    assert public_payload(None, ballot.name, to_payload(ballot)) == {"motion_id": motion_id, "at": sim.now}


def test_a_named_vote_shows_only_how_many_voted_until_it_closes_by_default() -> None:
    sim = running()
    assert sim.state.settings.show_running_counts is False
    motion_id = seconded(sim)
    sim.do(MOD, OpenVote(motion_id))
    [ballot] = sim.do(P1, CastVote(motion_id, Choice.YES))
    sim.do(P2, CastVote(motion_id, Choice.NO))
    view = public_view(sim.state, None, sim.now)
    vote = view["vote"]
    assert vote["running_counts"] is False and vote["ballots_cast"] == 2
    assert "voters" not in vote and "online" not in vote
    assert '"yes"' not in json.dumps(view) and '"no"' not in json.dumps(view)
    assert "choice" not in public_payload(sim.state, ballot.name, to_payload(ballot))
    sim.do(REC, RecordShowOfHands(motion_id, 0, 0, 0))
    sim.do(MOD, CloseVote(motion_id))
    # Closed: the ballot is public, as a named ballot is.
    assert public_payload(sim.state, ballot.name, to_payload(ballot))["choice"] == "yes"


# ---------------------------------------------------------------- closing


def test_closing_the_meeting_ends_the_floor_and_abandons_the_vote() -> None:
    sim = running()
    motion_id = seconded(sim)
    sim.do(MOD, OpenVote(motion_id))
    sim.do(MOD, GrantFloor("p3"))
    events = sim.do(MOD, CloseMeeting())
    assert [type(e) for e in events] == [FloorRevoked, VoteCancelled, MeetingClosed]
    assert sim.state.vote is None and sim.state.motions[motion_id].status is MotionStatus.SECONDED
    assert sim.refuse(MOD, CloseMeeting()) is ErrorCode.WRONG_STATE


@pytest.mark.parametrize(
    ("setup", "actor", "command", "code"),
    [
        ("motion", P1, SecondMotion("m1"), ErrorCode.FORBIDDEN),  # own motion
        ("seconded", P3, SecondMotion("m1"), ErrorCode.DUPLICATE),
        ("", P2, SecondMotion("m9"), ErrorCode.NOT_FOUND),
        ("motion", P2, WithdrawMotion("m1"), ErrorCode.FORBIDDEN),  # not the mover
        ("voting", P1, WithdrawMotion("m1"), ErrorCode.WRONG_STATE),
        ("voting", P2, SecondMotion("m1"), ErrorCode.DUPLICATE),
        ("motion", MOD, OpenVote("m1"), ErrorCode.WRONG_STATE),  # not seconded
        ("seconded", P1, CastVote("m1", Choice.YES), ErrorCode.WRONG_STATE),  # no vote open
        ("voting", P1, CastVote("m9", Choice.YES), ErrorCode.NOT_FOUND),
        ("voting", MOD, CloseVote("m9"), ErrorCode.NOT_FOUND),
        ("seconded", MOD, CloseVote("m1"), ErrorCode.WRONG_STATE),
        ("seconded", REC, RecordShowOfHands("m1", 0, 0, 0), ErrorCode.WRONG_STATE),
        ("voting", P3, AmendMotion("m1", "改"), ErrorCode.WRONG_STATE),
        ("amended", P1, AmendMotion("m2", "再改"), ErrorCode.INVALID),  # no amendments of amendments
        ("", P1, MoveMotion("  ", "内容"), ErrorCode.INVALID),
        ("", P1, MoveMotion("标题", "x" * 2001), ErrorCode.INVALID),
        ("gone", P3, MoveMotion("标题", "内容"), ErrorCode.NOT_PRESENT),
        ("gone", P3, SecondMotion("m1"), ErrorCode.NOT_PRESENT),
    ],
)
def test_motion_refusals(setup: str, actor: Actor, command: Command, code: ErrorCode) -> None:
    sim = running()
    if setup in ("motion", "seconded", "voting", "amended", "gone"):
        sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    if setup in ("seconded", "voting"):
        sim.do(P2, SecondMotion("m1"))
    if setup == "voting":
        sim.do(MOD, OpenVote("m1"))
    if setup == "amended":
        sim.do(P2, AmendMotion("m1", "增设二十个"))
    if setup == "gone":
        sim.do(P3, LeaveMeeting())
    assert sim.refuse(actor, command) is code
