"""How a stream's single writer appends what its rules decided: the compare-and-set loop all domains share.

A writer (a meeting's runtime, the street directory, a community's roster) holds its stream's lock and calls
``append_decided``: catch up with other processes (scale-out), decide on the newest state, chain the events
onto the head, append — and if another process appended first (``ConflictError``), catch up and decide
again. Only then does the caller fold and announce the events: persist, then tell.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from meeting_server.core.payload import to_payload
from meeting_server.core.registry import Event

from .eventlog import ConflictError, EventLog
from .records import EventRecord, make_record

MAX_CONFLICT_RETRIES = 8

Clock = Callable[[], float]

# What to write for an event decided by (actor id, role): the stored event and envelope. The meeting's
# writer seals secret ballots here (``meeting_server.ledger``); other streams write events as decided.
Seal = Callable[[Event, str, str], tuple[Event, str, str]]


def chain_records(
    stream_id: str,
    seq: int,
    head_hash: str,
    actor_id: str,
    role: str,
    events: Sequence[Event],
    now: float,
    seal: Seal | None = None,
) -> list[EventRecord]:
    """``events`` as records chained onto the head (``seq``, ``head_hash``) of ``stream_id``."""
    records: list[EventRecord] = []
    prev = head_hash
    for ev in events:
        seq += 1
        stored, who, as_role = seal(ev, actor_id, role) if seal is not None else (ev, actor_id, role)
        rec = make_record(stream_id, seq, now, who, as_role, stored.name, to_payload(stored), prev)
        records.append(rec)
        prev = rec.hash
    return records


async def append_decided(
    log: EventLog,
    stream_id: str,
    *,
    head: Callable[[], tuple[int, str]],
    decide: Callable[[float], Sequence[Event]],
    actor: tuple[str, str],
    clock: Clock,
    catch_up: Callable[[], Awaitable[None]],
    seal: Seal | None = None,
) -> tuple[list[EventRecord], list[Event]]:
    """Decide and durably append, retrying a lost compare-and-set on a shared log.

    ``head`` gives the writer's (seq, head hash) after ``catch_up``; ``decide(now)`` raises the rules'
    DomainError or gives the events; ``actor`` is the (id, role) the records carry. Returns the durable
    records and their events (both empty when the rules decided nothing); the caller holds the stream's
    lock and folds them. ``seal`` changes what is written (not what is returned to fold).
    """
    for attempt in range(MAX_CONFLICT_RETRIES):
        if log.shared:
            await catch_up()  # another process may have appended since
        now = clock()
        events = list(decide(now))
        if not events:
            return [], []
        seq, head_hash = head()
        records = chain_records(stream_id, seq, head_hash, actor[0], actor[1], events, now, seal)
        try:
            await log.append(records)  # durable before anyone is told
        except ConflictError:
            if not log.shared or attempt == MAX_CONFLICT_RETRIES - 1:
                raise
            continue  # compare-and-set lost: catch up and decide again on the newer state
        return records, events
    raise AssertionError("unreachable")  # the last attempt returns or raises
