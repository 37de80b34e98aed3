"""The public snapshot: what each viewer sees of the meeting, the floor clock, and their own standing."""

from __future__ import annotations

import json

from meeting_server.core.commands import (
    AmendMotion,
    CloseMeeting,
    ExtendClock,
    MoveMotion,
    OpenRound,
    OpenVote,
    RaiseHand,
    SecondMotion,
)
from meeting_server.core.values import MeetingSettings
from meeting_server.core.view import public_view

from .sim import MOD, OBS, P1, P2, P3, REC, TIMER, running, speaking


def test_meeting_agenda_and_quorum() -> None:
    sim = running(MeetingSettings(expected_members=8), online=3, room=1)
    view = public_view(sim.state, None, sim.now)
    meeting = view["meeting"]
    assert (meeting["level"], meeting["level_label"], meeting["status"]) == ("xiaoqu", "小区", "open")
    assert (meeting["present_voters"], meeting["quorum_min"], meeting["quorum_met"]) == (4, 5, False)
    assert meeting["settings"]["speaking_limit_s"] == 180
    assert [a["current"] for a in view["agenda"]] == [True, False]
    assert view["current_item"] == 0
    json.dumps(view)


def test_a_closed_meeting_has_no_item_in_progress() -> None:
    sim = running()
    sim.do(MOD, CloseMeeting())
    assert sim.state.current_item == 0  # kept: late captions and key points are filed under it
    view = public_view(sim.state, None, sim.now)
    assert [a["current"] for a in view["agenda"]] == [False, False]
    assert view["current_item"] is None


def test_the_view_is_the_same_for_every_viewer_but_you() -> None:
    sim = running()
    views = [public_view(sim.state, viewer, sim.now) for viewer in (None, MOD, REC, OBS, P1)]
    for view in views:
        view.pop("you", None)
    assert all(view == views[0] for view in views)
    room = next(p for p in views[0]["participants"] if p["channel"] == "room")
    assert (room["building"], room["unit"]) == ("1号楼", "1单元")


def test_floor_clock_in_the_view() -> None:
    sim = running()
    speaking(sim, "p2")
    sim.do(TIMER, ExtendClock(20))
    floor = public_view(sim.state, None, sim.now + 50)["floor"]
    assert floor["participant_id"] == "p2" and floor["name"] == "居民2"
    assert floor["clock"] == {
        "started": True,
        "running": True,
        "remaining_s": 150.0,
        "limit_s": 200.0,
        "warned": False,
    }
    sim.tick(at=sim.now + 175)
    assert public_view(sim.state, None, sim.now)["floor"]["clock"]["warned"] is True
    assert public_view(sim.state, None, sim.now + 500)["floor"]["clock"]["remaining_s"] == 0.0


def test_you() -> None:
    sim = running()
    sim.do(MOD, OpenRound())
    sim.do(P2, RaiseHand())
    sim.do(P1, RaiseHand())
    you = public_view(sim.state, P1, sim.now)["you"]
    assert you == {
        "participant_id": "p1",
        "role": "participant",
        "present": True,
        "listener": False,
        "in_queue": True,
        "position": 2,
        "turns_this_round": 0,
        "has_floor": False,
        "may_vote": False,
        "out_of_scope": None,
        "has_voted": False,
    }
    assert public_view(sim.state, OBS, sim.now)["you"]["present"] is False
    assert "you" not in public_view(sim.state, None, sim.now)


def test_motions_nest_their_amendments() -> None:
    sim = running()
    sim.do(P1, MoveMotion("东门车位", "增设十个"))
    sim.do(P2, SecondMotion("m1"))
    sim.do(P3, AmendMotion("m1", "增设二十个", title="改为二十个"))
    motions = public_view(sim.state, None, sim.now)["motions"]
    assert [m["motion_id"] for m in motions] == ["m1"]
    assert motions[0]["status"] == "seconded" and motions[0]["mover_name"] == "居民1"
    assert [(a["motion_id"], a["title"], a["status"]) for a in motions[0]["amendments"]] == [
        ("m2", "改为二十个", "moved")
    ]
    assert sim.refuse(MOD, OpenVote("m1")).value == "wrong_state"
