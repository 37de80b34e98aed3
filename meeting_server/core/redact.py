"""What of a logged record may be sent to clients.

- A secret ballot is stored sealed (``SecretBallotCast``: a keyed voter tag and the encrypted choice, an
  envelope naming no one, see ``meeting_server.ledger``); it is sent exactly as stored, so a client can
  re-hash it, and re-hashing it with every choice recovers nothing.
- A plaintext secret ballot (logs written before sealing existed) is sent as ``{motion_id, at}`` with an
  anonymous actor; and since its hash, and every later hash of the chain, was computed over the choice,
  the runtime withholds the hashes from there on (``hash_hidden_from``).
- A named ballot while its vote is open and the meeting does not show running counts
  (``MeetingSettings.show_running_counts``) is sent without its choice (and the runtime withholds the
  hashes from the vote's first ballot until it closes); after the close it is sent whole.
"""

from __future__ import annotations

from typing import Any, Protocol

from .motion_events import SECRET_BALLOT_ACTOR, BallotCast
from .state import MeetingState


class LogRecord(Protocol):
    """The parts of the log's envelope this module reads (``store.records.EventRecord`` has them)."""

    @property
    def seq(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    def wire(self) -> dict[str, Any]: ...


def is_secret_plaintext(state: MeetingState | None, kind: str, payload: dict[str, Any]) -> bool:
    """Whether a record is a ballot of a secret vote written in plaintext (or of an unknown motion)."""
    if kind != BallotCast.name:
        return False
    motion_id = payload.get("motion_id")
    # Unknown meeting or motion: hide, rather than guess it was a named vote.
    return state is None or motion_id not in state.motions or motion_id in state.secret_motions


def running_hidden(state: MeetingState | None, kind: str, payload: dict[str, Any]) -> bool:
    """Whether a named ballot's choice is held back: its vote is open and running counts are not shown."""
    if kind != BallotCast.name or state is None or state.settings.show_running_counts:
        return False
    return state.vote is not None and state.vote.motion_id == payload.get("motion_id")


def public_payload(state: MeetingState | None, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` of an event of type ``kind`` as clients may see it (a new dict if changed)."""
    if (
        kind == "ElectorateSet"
    ):  # the roster (names, rooms, areas) stays on the server: only its size goes out
        electors = payload.get("electors")
        count = len(electors) if isinstance(electors, list | tuple) else 0
        return {"community_id": payload.get("community_id"), "electors": count, "at": payload.get("at")}
    if is_secret_plaintext(state, kind, payload):
        return {"motion_id": payload.get("motion_id"), "at": payload.get("at")}
    if running_hidden(state, kind, payload):
        return {k: v for k, v in payload.items() if k != "choice"}
    return payload


def public_record(
    state: MeetingState | None, record: LogRecord, hash_hidden_from: int | None = None
) -> dict[str, Any]:
    """A log record as sent to clients (``record.wire()``), redacted as the module docstring says.

    ``state`` must be the meeting's state at or after the record (any later state will do: whether a
    motion's vote was secret never changes back). ``hash_hidden_from``: the first seq whose hash is
    withheld (``hash`` null), because it was computed over a choice a client may not learn.
    """
    wire = record.wire()
    wire["payload"] = public_payload(state, record.type, record.payload)
    if is_secret_plaintext(state, record.type, record.payload):
        wire["actor"] = SECRET_BALLOT_ACTOR
    if hash_hidden_from is not None and record.seq >= hash_hidden_from:
        wire["hash"] = None
    return wire
