"""The auditor's recount: with the ballot key, open a meeting's sealed ballots and check that each secret
vote's online totals in ``VoteClosed`` are exactly what the ballots say (and that no voter tag repeats).
Under a per-person voting rule (``core.vote_rules``) the hall's ballots were entered one by one and sealed
too; otherwise the hall's count (its paper ballots) was sealed as one ``SealedHallCount`` (the last one
entered counts). Either way the declared totals are the online and the hall's together."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from meeting_server.core.motion_events import SealedHallCount, SecretBallotCast, VoteClosed
from meeting_server.core.registry import load_event
from meeting_server.core.values import Counts
from meeting_server.store.records import EventRecord

from .ballots import open_count, open_sealed


@dataclasses.dataclass(frozen=True, slots=True)
class Recount:
    motion_id: str
    counted: Counts  # from the opened ballots
    declared: Counts | None  # VoteClosed's sealed counts (None: the vote never closed)
    duplicate_voters: int

    @property
    def ok(self) -> bool:
        return self.declared == self.counted and self.duplicate_voters == 0


def recount(key: bytes, records: Iterable[EventRecord]) -> list[Recount]:
    """One ``Recount`` per secret vote with sealed ballots, in the order the votes closed or were cast
    (``SealError`` if a ballot does not open with ``key``)."""
    counted: dict[str, Counts] = {}
    voters: dict[str, list[str]] = {}
    declared: dict[str, Counts] = {}
    hall: dict[str, Counts] = {}  # each motion's last sealed hall count
    for r in records:
        event = load_event(r.type, r.payload)
        if isinstance(event, SecretBallotCast):
            ballot = open_sealed(key, r.meeting_id, event)
            counted[event.motion_id] = counted.get(event.motion_id, Counts()).add(ballot.choice)
            voters.setdefault(event.motion_id, []).append(event.voter)
        elif isinstance(event, SealedHallCount):
            opened = open_count(key, r.meeting_id, event)
            hall[event.motion_id] = Counts(opened.yes, opened.no, opened.abstain)
            counted.setdefault(event.motion_id, Counts())
            voters.setdefault(event.motion_id, [])
        elif isinstance(event, VoteClosed) and event.secret:
            # Every ballot of a secret vote is sealed now (its totals are all sealed, and it keeps no
            # split); in older logs only the online ballots were, and the split was kept.
            if event.counts is None or event.motion_id in hall:
                declared[event.motion_id] = event.totals
            else:
                declared[event.motion_id] = event.counts.online
    return [
        Recount(m, counts.plus(hall.get(m, Counts())), declared.get(m), len(voters[m]) - len(set(voters[m])))
        for m, counts in counted.items()
    ]
