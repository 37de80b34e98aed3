"""Presence and 旁听 in the pure rules: 到会 and the quorum count people in the meeting now; a listener
never votes, moves, seconds or counts, and raises a hand only while the moderator allows it."""

from __future__ import annotations

from meeting_server.core.commands import (
    AddToQueue,
    CastVote,
    CheckInInRoom,
    GrantFloor,
    JoinMeeting,
    LeaveMeeting,
    MoveMotion,
    OpenVote,
    RaiseHand,
    SecondMotion,
)
from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.core.errors import ErrorCode
from meeting_server.core.motion_events import VoteOpened
from meeting_server.core.presence import (
    AllowListenersToSpeak,
    MarkConnected,
    MarkDisconnected,
    ParticipantDisconnected,
    name_key,
)
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import Choice, MeetingSettings
from meeting_server.core.view import public_view

from .sim import MOD, P1, P2, P3, REC, SYS, Sim, running

LISTENER = Actor("p8", Role.PARTICIPANT)


def _present(sim: Sim) -> int:
    count: int = public_view(sim.state, None, sim.now)["meeting"]["present_voters"]
    return count


def test_a_disconnected_resident_is_out_of_attendance_and_back_when_reconnected() -> None:
    sim = running()  # p1..p3 online, room-1 in the hall
    assert _present(sim) == 4
    events = sim.do(SYS, MarkDisconnected("p1", connection=1), at=sim.now + 50)
    assert isinstance(events[0], ParticipantDisconnected)
    assert _present(sim) == 3
    row = next(
        p for p in public_view(sim.state, None, sim.now)["participants"] if p["participant_id"] == "p1"
    )
    assert row["present"] is True and row["connected"] is False and row["disconnected_at"] == sim.now
    sim.do(SYS, MarkConnected("p1"))
    assert _present(sim) == 4
    assert sim.state.participants["p1"].connection == 2
    # The drop noticed at connection 1 is void now: a reconnection (maybe through another process) moved on.
    assert sim.refuse(SYS, MarkDisconnected("p1", connection=1)) is ErrorCode.WRONG_STATE


def test_quorum_at_vote_opening_counts_those_connected() -> None:
    sim = running(MeetingSettings(expected_members=6))  # quorum: more than half of 6 = 4
    sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    sim.do(P2, SecondMotion("m1"))
    sim.do(SYS, MarkDisconnected("p3", connection=1))
    assert sim.refuse(MOD, OpenVote("m1")) is ErrorCode.NO_QUORUM  # p1, p2, room-1: 3 of 4
    sim.do(SYS, MarkConnected("p3"))
    opened = sim.do(MOD, OpenVote("m1"))[0]
    assert isinstance(opened, VoteOpened)
    assert opened.present == 4 and set(opened.eligible_online) == {"p1", "p2", "p3"}


def test_the_queue_place_goes_with_the_disconnection_the_floor_stays() -> None:
    sim = running()
    sim.do(P1, RaiseHand())
    sim.do(P2, RaiseHand())
    sim.do(MOD, GrantFloor("p2"))
    sim.do(SYS, MarkDisconnected("p1", connection=1))
    sim.do(SYS, MarkDisconnected("p2", connection=1))
    assert sim.state.queue == ()
    assert sim.state.floor is not None and sim.state.floor.participant_id == "p2"


def test_hall_people_and_leavers_are_never_marked_out() -> None:
    sim = running()
    assert sim.refuse(SYS, MarkDisconnected("room-1", connection=1)) is ErrorCode.INVALID
    sim.do(P3, LeaveMeeting())
    assert sim.refuse(SYS, MarkDisconnected("p3", connection=1)) is ErrorCode.NOT_PRESENT
    assert sim.refuse(SYS, MarkConnected("p3")) is ErrorCode.NOT_PRESENT


def test_one_name_one_resident_without_a_roster() -> None:
    assert name_key(" 张\u3000三 ") == name_key("张 三") != name_key("张三")
    assert name_key("ＬＩ　Ｍｉｎｇ") == name_key("li ming")
    sim = running()
    newcomer = Actor("p9", Role.PARTICIPANT)
    assert sim.refuse(newcomer, JoinMeeting(name="居民2")) is ErrorCode.NAME_TAKEN
    assert sim.refuse(newcomer, JoinMeeting(name="现场居民1")) is ErrorCode.NAME_TAKEN  # in the hall
    sim.do(P2, LeaveMeeting())  # once they have left, the name is free again
    sim.do(newcomer, JoinMeeting(name="居民2"))
    assert _present(sim) == 4
    # Officers' names are not residents' identities.
    sim.do(Actor("mod-2", Role.MODERATOR), JoinMeeting(name="居民1"))


def _roster_meeting() -> Sim:
    sim = running()
    sim.do(SYS, SetElectorate("c-1", (Elector("r1", "王阿姨", "3号楼", "2单元", "301"),)))
    sim.do(Actor("per-r1", Role.PARTICIPANT, person_id="r1"), JoinMeeting(name="随便"))
    sim.do(LISTENER, JoinMeeting(name="居民1"))  # a typed name in a roster meeting: 旁听, names may repeat
    return sim


def test_a_listener_never_votes_moves_seconds_or_counts() -> None:
    sim = _roster_meeting()
    me = sim.state.participants["p8"]
    assert me.listener and not me.is_voter and not sim.state.participants["per-r1"].listener
    view = public_view(sim.state, LISTENER, sim.now)
    assert view["you"]["listener"] is True
    assert view["meeting"]["present_voters"] == 5  # p1..p3, p7, room-1
    assert view["meeting"]["listeners"] == 1
    assert sim.refuse(LISTENER, MoveMotion("标题", "内容")) is ErrorCode.NOT_A_VOTER
    sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    assert sim.refuse(LISTENER, SecondMotion("m1")) is ErrorCode.NOT_A_VOTER
    sim.do(P2, SecondMotion("m1"))
    opened = sim.do(MOD, OpenVote("m1"))[0]
    assert isinstance(opened, VoteOpened) and "p8" not in opened.eligible_online
    assert sim.refuse(LISTENER, CastVote("m1", Choice.YES)) is ErrorCode.NOT_A_VOTER


def test_a_listener_raises_a_hand_only_while_allowed() -> None:
    sim = _roster_meeting()
    assert sim.refuse(LISTENER, RaiseHand()) is ErrorCode.LISTENERS_MAY_NOT_SPEAK
    sim.do(MOD, AllowListenersToSpeak(True))
    assert sim.refuse(MOD, AllowListenersToSpeak(True)) is ErrorCode.DUPLICATE
    sim.do(LISTENER, RaiseHand())
    assert sim.state.queue == ("p8",)
    sim.do(MOD, GrantFloor())
    sim.do(MOD, AllowListenersToSpeak(False))
    # Stopping it ends no turn already given; a new hand is refused again.
    assert sim.state.floor is not None and sim.state.floor.participant_id == "p8"
    assert sim.refuse(LISTENER, RaiseHand()) is ErrorCode.LISTENERS_MAY_NOT_SPEAK
    assert public_view(sim.state, None, sim.now)["meeting"]["listeners_may_speak"] is False


def test_a_hall_visitor_without_a_roster_person_is_a_listener() -> None:
    sim = _roster_meeting()
    sim.do(REC, CheckInInRoom(name="来访的", building="9号楼"))
    visitor = sim.state.participants["room-2"]
    assert visitor.listener and not visitor.is_voter
    sim.do(MOD, AddToQueue("room-2"))  # the moderator may still give them a turn
    assert _present(sim) == 5
