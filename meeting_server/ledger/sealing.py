"""What a meeting's writer does with ballots on the way to the log and back.

``BallotSealer.for_log`` seals a secret vote's ``BallotCast`` into a ``SecretBallotCast`` whose envelope
names no one (``SEALED_ACTOR``), and its hall count (``ShowOfHandsRecorded``: the paper ballots) into a
``SealedHallCount``; ``from_log`` loads a record and opens either again, so the writer folds the same
choices the rules decided (restart, catch-up in scale-out). Named ballots and counts, and the plaintext
secret ballots and counts of logs written before sealing, pass through unchanged.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from meeting_server.core.motion_events import (
    BallotCast,
    SealedHallCount,
    SecretBallotCast,
    ShowOfHandsRecorded,
)
from meeting_server.core.registry import Event, load_event
from meeting_server.core.state import MeetingState
from meeting_server.store.records import EventRecord

from .ballots import (
    NONCE_BYTES,
    SEALED_ACTOR,
    SEALED_ROLE,
    SealError,
    open_count,
    open_sealed,
    seal,
    seal_count,
)

log = logging.getLogger(__name__)


def _random_nonce() -> bytes:
    return os.urandom(NONCE_BYTES)


class BallotSealer:
    """Seals and opens one installation's secret ballots with its ballot key."""

    def __init__(self, key: bytes, nonce: Callable[[], bytes] = _random_nonce) -> None:
        self._key = key
        self._nonce = nonce

    def for_log(
        self, meeting_id: str, state: MeetingState | None, event: Event, actor: str, role: str
    ) -> tuple[Event, str, str]:
        """The event and envelope (actor, role) to write for ``event``, decided on ``state``."""
        if isinstance(event, BallotCast) and _is_secret(state, event.motion_id):
            return seal(self._key, meeting_id, event, self._nonce()), SEALED_ACTOR, SEALED_ROLE
        if isinstance(event, ShowOfHandsRecorded) and _is_secret(state, event.motion_id):
            return seal_count(self._key, meeting_id, event, self._nonce()), actor, role
        return event, actor, role

    def from_log(self, record: EventRecord) -> Event:
        """The event a stored record holds, a sealed ballot opened.

        A ballot this key cannot open (the key was lost or replaced) stays sealed: folded, it counts one
        ballot without a choice. That is harmless for a closed vote (its totals are in VoteClosed); the
        runtime refuses to run a meeting whose open vote holds such a ballot (``unopened``).
        """
        event = load_event(record.type, record.payload)
        try:
            if isinstance(event, SecretBallotCast):
                return open_sealed(self._key, record.meeting_id, event)
            if isinstance(event, SealedHallCount):
                return open_count(self._key, record.meeting_id, event)
        except SealError as e:
            log.error("%s seq %d: %s", record.meeting_id, record.seq, e)
        return event


def unopened(state: MeetingState | None) -> int:
    """How many ballots (or hall counts) of the open vote the writer could not open (a wrong ballot key):
    the vote can neither refuse a second ballot nor be counted, so such a meeting must not run."""
    if state is None or state.vote is None:
        return 0
    return len(state.vote.sealed) + (1 if state.vote.room_sealed else 0)


def _is_secret(state: MeetingState | None, motion_id: str) -> bool:
    if state is None:
        return False
    poll = state.vote
    return motion_id in state.secret_motions or (
        poll is not None and poll.motion_id == motion_id and poll.secret
    )
