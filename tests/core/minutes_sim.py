"""Drivers for the minutes rules shared by the core tests: a closed meeting with a resolution, its draft,
and the permission-matrix fixtures of the minutes commands."""

from __future__ import annotations

from collections.abc import Callable

from meeting_server.core.commands import (
    CastVote,
    CloseMeeting,
    CloseVote,
    DraftMinutes,
    EditMinutes,
    MoveMotion,
    ObjectToResolution,
    OpenVote,
    PublishMinutes,
    RecordShowOfHands,
    SecondMotion,
)
from meeting_server.core.minutes_values import MinutesEntry, MinutesField, MinutesSection
from meeting_server.core.registry import Command
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import Choice, MeetingSettings

from .sim import MOD, P1, P2, P3, REC, SYS, Sim, running

SECTIONS = (
    MinutesSection(
        "header",
        "基本信息",
        (MinutesEntry("title", "line", (MinutesField("text", "阳光新城居民议事会"),), label="会议名称"),),
    ),
    MinutesSection(
        "item-0",
        "议题一：东门增设临时停车位",
        (
            MinutesEntry(
                "speech-1",
                "speech",
                (MinutesField("speaker", "王阿姨"), MinutesField("text", "王阿姨建议增设车位。")),
                note="线上，发言 40秒",
                seq=12,
                time=30.0,
            ),
        ),
    ),
)
EDIT = EditMinutes("item-0", "speech-1", "text", "王阿姨建议在东门增设十个车位。")


def draft(sim: Sim) -> None:
    sim.do(SYS, DraftMinutes(SECTIONS, basis_seq=len(sim.events), basis_hash="a" * 64))


def closed_with_resolution(settings: MeetingSettings | None = None, *, online: int = 3, room: int = 1) -> Sim:
    """A meeting where motion m1 passed (resolution r1), then closed."""
    sim = running(settings, online=online, room=room)
    sim.do(P1, MoveMotion("东门车位", "增设十个车位"))
    sim.do(P2, SecondMotion("m1"))
    sim.do(MOD, OpenVote("m1"))
    sim.do(P3, CastVote("m1", Choice.YES))
    if room:
        sim.do(REC, RecordShowOfHands("m1", 0, 0, 0))  # no hands up in the hall
    sim.do(MOD, CloseVote("m1"))
    sim.do(MOD, CloseMeeting())
    return sim


def published(settings: MeetingSettings | None = None, *, online: int = 3, room: int = 1) -> Sim:
    sim = closed_with_resolution(settings, online=online, room=room)
    draft(sim)
    sim.do(Actor("rec", Role.RECORDER), PublishMinutes())
    return sim


def _draft_fixture(actor: Actor) -> tuple[Sim, Actor, Command]:
    sim = closed_with_resolution()
    return sim, actor, DraftMinutes(SECTIONS, basis_seq=len(sim.events), basis_hash="a" * 64)


def _drafted(cmd: Command) -> Callable[[Actor], tuple[Sim, Actor, Command]]:
    def build(actor: Actor) -> tuple[Sim, Actor, Command]:
        sim = closed_with_resolution()
        draft(sim)
        return sim, actor, cmd

    return build


def _object_fixture(actor: Actor) -> tuple[Sim, Actor, Command]:
    # The recorder records an objection for a named resident; a resident objects for themselves.
    objector = "room-1" if actor.role is Role.RECORDER else None
    return published(), actor, ObjectToResolution("r1", objector=objector)


MINUTES_FIXTURES: dict[type[Command], Callable[[Actor], tuple[Sim, Actor, Command]]] = {
    DraftMinutes: _draft_fixture,
    EditMinutes: _drafted(EDIT),
    PublishMinutes: _drafted(PublishMinutes()),
    ObjectToResolution: _object_fixture,
}


def minutes_tail(sim: Sim, objectors: tuple[Actor, ...] = (P1, P2)) -> None:
    """Continue a closed meeting that has resolution r1 through every minutes event, up to the end of
    its publicity period (the objectors are over 20 % of its base: flagged, then 重新协商)."""
    draft(sim)
    sim.do(Actor("rec", Role.RECORDER), EDIT)
    sim.do(Actor("rec", Role.RECORDER), PublishMinutes())
    for actor in objectors:
        sim.do(actor, ObjectToResolution("r1", reason="收费太高"))
    sim.tick(at=sim.now + 7 * 86_400.0)  # day 7 has passed: PublicityDecided
