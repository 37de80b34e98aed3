"""Resolutions carried over to the community's next meeting (重新协商 after 公示), in the community's stream.

The meeting's log records ``PublicityDecided`` (core.publicity); the server then records here, as the
system, ``ResolutionCarriedOver`` (once per meeting and resolution). The next meeting the community's
staff create gets an agenda item for each carried-over resolution not yet scheduled, and
``CarryOverScheduled`` records which meeting took it. Both streams keep one writer each: the meeting's
writer never touches this stream, and this one is written only through ``Communities``.

The reference kept here is the resolution (meeting id + resolution id) and its title, and the topic its
agenda item named (``AgendaItemSpec.topic_id``, "" if none): the carried agenda item keeps that topic, so
one topic runs across several meetings. A topic a screener sends back (``TopicCarriedOver``, 会前调研)
is pre-selected on the meeting form instead; the one agenda path (``web.community_meetings.create``)
lists a topic carried both ways once. Events already written load unchanged (``topic_id`` defaults).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import assert_never

from meeting_server.core.errors import ErrorCode
from meeting_server.core.guards import fail
from meeting_server.core.payload import max_len
from meeting_server.core.registry import Command, Event

from .registry import event

CarryKey = tuple[str, str]  # (meeting id, resolution id)
AGENDA_PREFIX = "重新协商："


# The commands are the server's own, never parsed from the wire: they are not in the community registry
# (which holds what staff and residents may send, each under a permission table).
@dataclass(frozen=True, slots=True)
class CarryOverResolution(Command):
    meeting_id: str = field(metadata=max_len(64))
    resolution_id: str = field(metadata=max_len(64))
    title: str = field(metadata=max_len(200))
    objections: int = 0
    base: int = 0
    topic_id: str = field(default="", metadata=max_len(32))


@dataclass(frozen=True, slots=True)
class ScheduleCarryOvers(Command):
    """The carried-over resolutions ``refs`` (``CarryOver.ref``, as read when the agenda was made) went onto
    meeting ``into_meeting_id``'s agenda."""

    into_meeting_id: str = field(metadata=max_len(64))
    refs: tuple[str, ...] = ()


@event
@dataclass(frozen=True, slots=True)
class ResolutionCarriedOver(Event):
    meeting_id: str
    resolution_id: str
    title: str
    objections: int
    base: int
    at: float
    topic_id: str = ""  # absent in logs written before topics reached agenda items


@event
@dataclass(frozen=True, slots=True)
class CarryOverScheduled(Event):
    meeting_id: str
    resolution_id: str
    into_meeting_id: str
    at: float


AnyCarryOverEvent = ResolutionCarriedOver | CarryOverScheduled


@dataclasses.dataclass(frozen=True, slots=True)
class CarryOver:
    meeting_id: str
    resolution_id: str
    title: str
    objections: int
    base: int
    at: float
    into_meeting_id: str | None = None
    topic_id: str = ""

    @property
    def ref(self) -> str:
        return f"{self.meeting_id}/{self.resolution_id}"


@dataclasses.dataclass(frozen=True, slots=True)
class CarryOverState:
    items: Mapping[CarryKey, CarryOver] = field(default_factory=dict)

    def pending(self) -> list[CarryOver]:
        """Carried over and not yet on a later meeting's agenda, oldest first."""
        return [c for c in self.items.values() if c.into_meeting_id is None]

    def pending_topics(self) -> set[str]:
        """The topics a pending carry-over puts on the next meeting's agenda by itself."""
        return {c.topic_id for c in self.pending() if c.topic_id}


def decide_carryover(state: CarryOverState, command: Command, now: float) -> list[Event]:
    """The server's commands (system only: the caller never exposes them to a person)."""
    match command:
        case CarryOverResolution():
            if (command.meeting_id, command.resolution_id) in state.items:
                fail(ErrorCode.DUPLICATE, "this resolution has already been carried over")
            return [
                ResolutionCarriedOver(
                    command.meeting_id,
                    command.resolution_id,
                    command.title,
                    command.objections,
                    command.base,
                    now,
                    command.topic_id,
                )
            ]
        case ScheduleCarryOvers():
            return [
                CarryOverScheduled(c.meeting_id, c.resolution_id, command.into_meeting_id, now)
                for c in state.pending()
                if c.ref in command.refs and c.meeting_id != command.into_meeting_id
            ]
        case _:
            fail(ErrorCode.INVALID, f"not a carry-over command: {type(command).__name__}")


def evolve_carryover(state: CarryOverState, ev: AnyCarryOverEvent) -> CarryOverState:
    items = dict(state.items)
    match ev:
        case ResolutionCarriedOver():
            items[(ev.meeting_id, ev.resolution_id)] = CarryOver(
                ev.meeting_id,
                ev.resolution_id,
                ev.title,
                ev.objections,
                ev.base,
                ev.at,
                topic_id=ev.topic_id,
            )
        case CarryOverScheduled():
            key = (ev.meeting_id, ev.resolution_id)
            items[key] = dataclasses.replace(items[key], into_meeting_id=ev.into_meeting_id)
        case _:
            assert_never(ev)
    return CarryOverState(items)
