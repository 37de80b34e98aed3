"""The floor gate: which audio source is live right now. Pure (no I/O, no clock).

Exactly one source belongs to the current turn: the holder's own phone when they speak online, the hall
microphone when they speak in the room, nothing when nobody holds the floor. Audio from every other source
is not part of the meeting record (it is neither captioned nor recorded), however loud it is.

The owner feeds the gate from floor events (granted → :meth:`FloorGate.grant`, yielded/revoked/expired →
:meth:`FloorGate.release`) and asks :meth:`FloorGate.route` for each chunk of audio.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

HALL_SOURCE = "hall"
"""Source key of the hall microphone. Participant peer keys must not equal it (ids are generated)."""

ONLINE = "online"
ROOM = "room"
_CHANNELS = (ONLINE, ROOM)


@dataclass(frozen=True, slots=True)
class FloorState:
    """Who holds the floor, how they speak (``"online"`` or ``"room"``), and the turn their audio belongs to.
    All None when the floor is free."""

    holder: str | None = None
    channel: str | None = None
    turn_id: str | None = None

    def __post_init__(self) -> None:
        held = (self.holder, self.channel, self.turn_id)
        if any(v is None for v in held) and any(v is not None for v in held):
            raise ValueError(f"holder, channel and turn_id are set together or not at all: {held}")
        if self.channel is not None and self.channel not in _CHANNELS:
            raise ValueError(f"channel must be one of {_CHANNELS}, got {self.channel!r}")


FREE = FloorState()


def _same(participant_id: str) -> str:
    return participant_id


class FloorGate:
    """Routes audio sources to the current turn.

    ``peer_key_of(participant_id)`` gives the peer key a participant's phone uses with the PeerManager; by
    default the participant id itself (one microphone per participant). ``channel`` accepts plain strings
    so the core's ``Channel`` string enum can be passed as is.
    """

    def __init__(self, peer_key_of: Callable[[str], str] = _same) -> None:
        self._peer_key_of = peer_key_of
        self._state = FREE
        self._live: str | None = None

    @property
    def state(self) -> FloorState:
        return self._state

    @property
    def live_source(self) -> str | None:
        """The one source key whose audio is routed now, or None."""
        return self._live

    def set_state(self, state: FloorState) -> None:
        """Replace the whole state (e.g. after replaying the event log)."""
        self._state = state
        if state.holder is None:
            self._live = None
        elif state.channel == ONLINE:
            self._live = self._peer_key_of(state.holder)
        else:
            self._live = HALL_SOURCE

    def grant(self, holder: str, channel: str, turn_id: str) -> None:
        """A turn starts (``FloorGranted``); any previous turn ends with it."""
        self.set_state(FloorState(holder, str(channel), turn_id))

    def release(self, turn_id: str | None = None) -> None:
        """The turn ends (yielded, revoked, expired). With ``turn_id``, only if that turn is still current,
        so a late event about an earlier turn cannot silence the next speaker."""
        if turn_id is None or turn_id == self._state.turn_id:
            self.set_state(FREE)

    def route(self, source_key: str) -> str | None:
        """The turn id that audio from ``source_key`` belongs to, or None if it must not be used."""
        if self._live is not None and source_key == self._live:
            return self._state.turn_id
        return None
