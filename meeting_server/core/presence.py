"""Presence and 旁听: who is in the meeting now, and who only listens.

**Connected.** A resident who joined online is *present* (joined, not left) and, separately, *connected*
(a device of theirs is in the meeting now). The hub notices sockets; the rules only hear of it through
the server's own commands, so the record shows who was there when:

* ``MarkDisconnected(participant_id, connection)`` → ``ParticipantDisconnected``: the server saw the last
  connection of that person go and nobody came back within ``[meeting] presence_grace_s``. ``connection``
  is the participant's connection number the server saw go away (``Participant.connection``, counted up by
  every join and reconnection): if it has changed since (the person reconnected, possibly through another
  server process), the command is refused as ``wrong_state`` and nothing is written. The hub re-checks its
  own connections under the meeting's lock just before sending it.
* ``MarkConnected(participant_id)`` → ``ParticipantReconnected``: a device of theirs came back after
  they were marked disconnected, or (scale-out) connected to a process that did not have them, so that a
  drop another process noticed cannot mark them out (the connection number moves on).

A disconnected resident is out of 到会 and the quorum, and out of the speaker queue (the place is kept
during the grace period, since nothing is written before it ends); a floor holder keeps the floor until
the clock or the moderator ends the turn. People in the hall are never "disconnected": the recorder checks
them out.

**旁听 (listeners).** In a meeting with a roster, a join without a roster person (the shared resident link,
a typed name) or a hall check-in without one makes a listener: captions and audio like a resident, never
a voter, never moves or seconds, never counts for quorum or 到会; a hand only while the moderator allows it
(``AllowListenersToSpeak``). In a meeting without a roster, residents' identities are their names: a
second join with the name of someone present (compared by ``name_key``) is refused with ``name_taken``, so
a resident who rejoins from another browser cannot appear twice (and a typed name never takes over
someone else's participant: that needs the session token of the device they joined with).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from .payload import max_len
from .registry import Command, Event, command, event


@command
@dataclass(frozen=True, slots=True)
class MarkDisconnected(Command):
    """The server: the last device of an online participant went away and the grace period has run out."""

    participant_id: str = field(metadata=max_len(64))
    connection: int  # the participant's connection number the server saw go away


@command
@dataclass(frozen=True, slots=True)
class MarkConnected(Command):
    """The server: a device of an online participant connected (after a drop, or to another process)."""

    participant_id: str = field(metadata=max_len(64))


@command
@dataclass(frozen=True, slots=True)
class AllowListenersToSpeak(Command):
    """The moderator lets 旁听 listeners raise a hand (or stops letting them)."""

    allowed: bool


@event
@dataclass(frozen=True, slots=True)
class ParticipantDisconnected(Event):
    participant_id: str
    connection: int
    at: float


@event
@dataclass(frozen=True, slots=True)
class ParticipantReconnected(Event):
    participant_id: str
    connection: int  # the new connection number
    at: float


@event
@dataclass(frozen=True, slots=True)
class ListenersSpeakingAllowed(Event):
    allowed: bool
    by: str
    at: float


PresenceEvent = ParticipantDisconnected | ParticipantReconnected | ListenersSpeakingAllowed


def name_key(name: str) -> str:
    """A name as compared for "the same resident": NFKC, case-folded, runs of whitespace made one space
    (「张三」, 「张三 」 and 「ＺＨＡＮＧ」/「zhang」 compare equal)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


__all__ = [
    "AllowListenersToSpeak",
    "ListenersSpeakingAllowed",
    "MarkConnected",
    "MarkDisconnected",
    "ParticipantDisconnected",
    "ParticipantReconnected",
    "PresenceEvent",
    "name_key",
]
