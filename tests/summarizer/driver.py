"""A meeting log made through the real rules: decide → hash-chained records → evolve, with a fake clock.

This is what the hub's single writer does, minus I/O: the records it produces are exactly what the
SQLite log would hold (same envelope, same hash chain).
"""

from __future__ import annotations

from meeting_server.core.decide import decide
from meeting_server.core.evolve import evolve
from meeting_server.core.payload import to_payload
from meeting_server.core.registry import Command, Event
from meeting_server.core.roles import Actor
from meeting_server.core.state import MeetingState
from meeting_server.store.records import GENESIS_HASH, EventRecord, make_record

# 2026-12-01 19:00 China time (a Tuesday): "下周五" is 2026-12-11, "本月底" 2026-12-31.
T0 = 1796122800.0


class LogDriver:
    def __init__(self, meeting_id: str = "mtg-1", start: float = T0) -> None:
        self.meeting_id = meeting_id
        self.now = start
        self.state: MeetingState | None = None
        self.records: list[EventRecord] = []

    def do(self, actor: Actor, cmd: Command) -> list[Event]:
        return self.append(actor, decide(self.state, actor, cmd, self.now))

    def append(self, actor: Actor, events: list[Event]) -> list[Event]:
        """Record ``events`` as they are, without the rules: a log written before a rule existed (names
        with control characters were accepted until core.names)."""
        prev = self.records[-1].hash if self.records else GENESIS_HASH
        for ev in events:
            rec = make_record(
                self.meeting_id,
                len(self.records) + 1,
                self.now,
                actor.participant_id,
                actor.role.value,
                ev.name,
                to_payload(ev),
                prev,
            )
            self.records.append(rec)
            prev = rec.hash
            self.state = evolve(self.state, ev)
        return events

    def fork(self) -> LogDriver:
        """An independent copy to go on from (records and states are immutable, so sharing them is safe)."""
        other = LogDriver(self.meeting_id, self.now)
        other.state = self.state
        other.records = list(self.records)
        return other

    def advance(self, seconds: float) -> None:
        self.now += seconds

    @property
    def st(self) -> MeetingState:
        assert self.state is not None
        return self.state
