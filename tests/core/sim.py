"""A tiny driver for the pure rules: decide → evolve with a fake clock, as the hub does, minus I/O."""

from __future__ import annotations

import pytest

from meeting_server.core.commands import (
    CheckInInRoom,
    CreateMeeting,
    GrantFloor,
    JoinMeeting,
    OpenMeeting,
    StartAgendaItem,
    StartClock,
    Tick,
)
from meeting_server.core.decide import decide
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.events import FloorGranted
from meeting_server.core.evolve import evolve
from meeting_server.core.registry import Command, Event
from meeting_server.core.roles import Actor, Role
from meeting_server.core.state import MeetingState
from meeting_server.core.values import AgendaItemSpec, Level, MeetingSettings

T0 = 1_800_000_000.0

MOD = Actor("mod", Role.MODERATOR)
TIMER = Actor("tim", Role.TIMER)
REC = Actor("rec", Role.RECORDER)
SYS = Actor.system()
OBS = Actor("obs-1", Role.OBSERVER)


def resident(pid: str) -> Actor:
    return Actor(pid, Role.PARTICIPANT)


P1, P2, P3 = resident("p1"), resident("p2"), resident("p3")

AGENDA = (AgendaItemSpec("东门增设临时停车位", 20), AgendaItemSpec("加装电梯", 30))


def create_command(settings: MeetingSettings | None = None, meeting_id: str = "m-1") -> CreateMeeting:
    return CreateMeeting(
        meeting_id=meeting_id,
        title="阳光新城居民议事会",
        level=Level.XIAOQU,
        place="社区活动中心",
        scheduled_at="2026-12-01T19:00+08:00",
        agenda=AGENDA,
        settings=settings or MeetingSettings(),
    )


class Sim:
    """A meeting driven through ``decide``/``evolve``; ``now`` only moves when a test moves it."""

    def __init__(self, settings: MeetingSettings | None = None) -> None:
        self.now = T0
        self.state_or_none: MeetingState | None = None
        self.events: list[Event] = []
        self.do(SYS, create_command(settings))

    @property
    def state(self) -> MeetingState:
        assert self.state_or_none is not None
        return self.state_or_none

    def do(self, actor: Actor, cmd: Command, *, at: float | None = None) -> list[Event]:
        if at is not None:
            self.now = at
        events = decide(self.state_or_none, actor, cmd, self.now)
        for ev in events:
            self.state_or_none = evolve(self.state_or_none, ev)
        self.events.extend(events)
        return events

    def refuse(self, actor: Actor, cmd: Command) -> ErrorCode:
        """The code ``cmd`` is refused with (fails the test if it is accepted)."""
        with pytest.raises(DomainError) as info:
            decide(self.state_or_none, actor, cmd, self.now)
        return info.value.code

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def tick(self, at: float | None = None) -> list[Event]:
        return self.do(SYS, Tick(), at=at)

    def names(self, events: list[Event]) -> list[str]:
        return [type(e).__name__ for e in events]


def running(
    settings: MeetingSettings | None = None, *, online: int = 3, room: int = 1, officers: bool = True
) -> Sim:
    """An open meeting on item 0: officers joined, residents p1..pN online, room-1..room-M in the hall."""
    sim = Sim(settings)
    if officers:
        for actor, name in ((MOD, "主持人张"), (TIMER, "计时员"), (REC, "记录员")):
            sim.do(actor, JoinMeeting(name=name))
    for i in range(1, online + 1):
        sim.do(resident(f"p{i}"), JoinMeeting(name=f"居民{i}"))
    for i in range(1, room + 1):
        sim.do(REC, CheckInInRoom(name=f"现场居民{i}", building=f"{i}号楼", unit="1单元"))
    sim.do(MOD, OpenMeeting())
    sim.do(MOD, StartAgendaItem(0))
    return sim


def speaking(sim: Sim, pid: str = "p1", *, start: bool = True) -> str:
    """Give ``pid`` the floor (and start the clock); returns the turn id."""
    events = sim.do(MOD, GrantFloor(pid))
    if start:
        sim.do(TIMER, StartClock())
    granted = events[0]
    assert isinstance(granted, FloorGranted)
    return granted.turn_id
