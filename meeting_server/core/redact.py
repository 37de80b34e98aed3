"""What of a logged event may be sent to clients: everything except the ballots of a secret vote.

The log keeps who voted what even in a secret vote (it must stop double voting and allow a recount: the
log is the secret holder). Clients get a BallotCast of a secret vote without the ``choice`` and
``participant_id`` keys, so the only thing they learn is that one more ballot was cast.
"""

from __future__ import annotations

from typing import Any, Protocol

from .motion_events import BallotCast
from .state import MeetingState


class LogRecord(Protocol):
    """The parts of the log's envelope this module reads (``store.records.EventRecord`` has them)."""

    @property
    def type(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    def wire(self) -> dict[str, Any]: ...


def public_payload(state: MeetingState | None, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` of an event of type ``kind`` with secret-vote ballots stripped (a new dict if changed)."""
    if kind != BallotCast.name:
        return payload
    # Unknown meeting or motion: hide, rather than guess it was a named vote.
    motion_id = payload.get("motion_id")
    if state is not None and motion_id in state.motions and motion_id not in state.secret_motions:
        return payload
    return {"motion_id": motion_id, "at": payload.get("at")}


def public_record(state: MeetingState | None, record: LogRecord) -> dict[str, Any]:
    """A log record as sent to clients (``record.wire()``), its payload redacted by ``public_payload``.

    ``state`` must be the meeting's state at or after the record (any later state will do: whether a
    motion's vote was secret never changes back).
    """
    wire = record.wire()
    wire["payload"] = public_payload(state, record.type, record.payload)
    return wire
