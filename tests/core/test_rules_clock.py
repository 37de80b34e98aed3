"""The speaking clock against a fake time source: warning, expiry, pause, resume, extension, deadlines."""

from __future__ import annotations

import pytest

from meeting_server.core.clock import next_deadline, remaining
from meeting_server.core.commands import (
    ExtendClock,
    GrantFloor,
    PauseClock,
    RaiseHand,
    ResumeClock,
    StartClock,
    YieldFloor,
)
from meeting_server.core.errors import ErrorCode
from meeting_server.core.events import ClockStarted, ClockWarning, FloorExpired, FloorGranted, FloorYielded
from meeting_server.core.values import MeetingSettings

from .sim import MOD, P1, TIMER, Sim, running, speaking


def started() -> tuple[Sim, float]:
    sim = running()
    speaking(sim)
    return sim, sim.now


def test_warning_at_30_s_left_then_expiry_at_0() -> None:
    sim, t = started()
    assert next_deadline(sim.state) == t + 150
    assert sim.tick(at=t + 149.9) == []
    [warning] = sim.tick(at=t + 150)
    assert isinstance(warning, ClockWarning) and warning.remaining_s == 30
    assert next_deadline(sim.state) == t + 180
    assert sim.tick(at=t + 179.9) == []
    [expired] = sim.tick(at=t + 180)
    assert isinstance(expired, FloorExpired)
    assert (expired.participant_id, expired.spoken_s) == ("p1", 180)
    assert sim.state.floor is None and next_deadline(sim.state) is None


def test_warning_is_sent_once() -> None:
    sim, t = started()
    assert len(sim.tick(at=t + 155)) == 1
    assert sim.tick(at=t + 160) == []


def test_a_late_tick_expires_without_a_stale_warning() -> None:
    sim, t = started()
    [ev] = sim.tick(at=t + 400)
    assert isinstance(ev, FloorExpired) and ev.spoken_s == 180  # the limit, not the tick's lateness


def test_pause_stops_the_clock_and_resume_continues_it() -> None:
    sim, t = started()
    sim.do(TIMER, PauseClock(), at=t + 60)
    assert remaining(sim.state, t + 1000) == 120
    assert next_deadline(sim.state) is None
    assert sim.tick(at=t + 1000) == []
    sim.do(TIMER, ResumeClock(), at=t + 1100)
    assert next_deadline(sim.state) == t + 1100 + 90
    assert sim.names(sim.tick(at=t + 1100 + 120)) == ["FloorExpired"]


def test_extend_moves_both_deadlines() -> None:
    sim, t = started()
    sim.do(MOD, ExtendClock(60), at=t + 10)
    assert next_deadline(sim.state) == t + 210
    assert remaining(sim.state, t + 10) == 230
    assert sim.state.floor is not None and sim.state.floor.limit_s == 240


def test_extension_after_the_warning_rearms_it() -> None:
    sim, t = started()
    sim.tick(at=t + 150)
    sim.do(TIMER, ExtendClock(60), at=t + 160)  # 20 s left + 60 = 80 > 30: the warning comes again
    assert sim.state.floor is not None and not sim.state.floor.warned
    assert next_deadline(sim.state) == t + 210
    assert sim.names(sim.tick(at=t + 210)) == ["ClockWarning"]
    assert sim.names(sim.tick(at=t + 240)) == ["FloorExpired"]


def test_small_extension_after_the_warning_does_not_warn_twice() -> None:
    sim, t = started()
    sim.tick(at=t + 150)
    sim.do(TIMER, ExtendClock(5), at=t + 170)  # 10 + 5 = 15 s left: still within the warning
    assert next_deadline(sim.state) == t + 185
    assert sim.names(sim.tick(at=t + 185)) == ["FloorExpired"]


def test_not_started_clock_has_no_deadline() -> None:
    sim = running()
    speaking(sim, start=False)
    assert next_deadline(sim.state) is None
    assert remaining(sim.state, sim.now + 999) == 180
    assert sim.tick(at=sim.now + 999) == []


def test_no_floor_means_no_clock() -> None:
    sim = running()
    assert remaining(sim.state, sim.now) is None and next_deadline(sim.state) is None
    assert sim.tick() == []


def test_autostart_starts_the_clock_with_the_grant() -> None:
    sim = running(MeetingSettings(clock_autostart=True, speaking_limit_s=60))
    sim.do(P1, RaiseHand())
    events = sim.do(MOD, GrantFloor())
    assert [type(e) for e in events] == [FloorGranted, ClockStarted]
    assert next_deadline(sim.state) == sim.now + 30


def test_short_limit_warns_at_once() -> None:
    sim = running(MeetingSettings(speaking_limit_s=20, warning_s=10))
    speaking(sim)
    assert next_deadline(sim.state) == sim.now + 10
    sim2 = running(MeetingSettings(speaking_limit_s=20, warning_s=19))
    speaking(sim2)
    assert next_deadline(sim2.state) == sim2.now + 1


def test_yield_reports_clock_time_spoken_excluding_pauses() -> None:
    sim, t = started()
    sim.do(TIMER, PauseClock(), at=t + 40)
    sim.do(TIMER, ResumeClock(), at=t + 100)
    [ev] = sim.do(P1, YieldFloor(), at=t + 110)
    assert isinstance(ev, FloorYielded) and ev.spoken_s == 50


@pytest.mark.parametrize(
    "script",
    [
        [],
        [("pause", 30), ("resume", 45)],
        [("extend", 10, 7)],
        [("tick", 150), ("extend", 155, 100)],
        [("pause", 20), ("resume", 25), ("extend", 26, 3), ("tick", 160)],
        [("tick", 151), ("pause", 160), ("extend", 161, 40), ("resume", 200)],
    ],
)
def test_next_deadline_is_exactly_when_a_tick_first_yields(script: list[tuple[str | float, ...]]) -> None:
    """Whatever happened to the clock, a Tick just before next_deadline yields nothing and one at it does."""
    sim, t = started()
    for step in script:
        kind, offset = step[0], float(step[1])
        at = t + offset
        if kind == "pause":
            sim.do(TIMER, PauseClock(), at=at)
        elif kind == "resume":
            sim.do(TIMER, ResumeClock(), at=at)
        elif kind == "extend":
            sim.do(TIMER, ExtendClock(int(step[2])), at=at)
        else:
            sim.tick(at=at)
    while sim.state.floor is not None:  # the warning (unless already sent), then the expiry
        deadline = next_deadline(sim.state)
        assert deadline is not None and deadline >= sim.now
        assert sim.tick(at=deadline - 0.01) == []
        assert sim.tick(at=deadline) != []
    assert sim.state.floor is None


@pytest.mark.parametrize(
    ("prepare", "command", "code"),
    [
        ("started", StartClock(), ErrorCode.WRONG_STATE),
        ("granted", ResumeClock(), ErrorCode.WRONG_STATE),
        ("granted", PauseClock(), ErrorCode.WRONG_STATE),
        ("started", ResumeClock(), ErrorCode.WRONG_STATE),
        ("started", ExtendClock(0), ErrorCode.INVALID),
        ("started", ExtendClock(601), ErrorCode.INVALID),
        ("none", StartClock(), ErrorCode.WRONG_STATE),
    ],
)
def test_clock_refusals(prepare: str, command: object, code: ErrorCode) -> None:
    sim = running()
    if prepare != "none":
        speaking(sim, start=prepare == "started")
    assert sim.refuse(TIMER, command) is code  # type: ignore[arg-type]
