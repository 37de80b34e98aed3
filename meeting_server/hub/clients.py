"""What one socket.io connection holds once admitted: its meeting, role and actor, what it counts against,
the link it came with (generation, person, expiry), and the room of one person's connections."""

from __future__ import annotations

import dataclasses
import math

from meeting_server.core.roles import Actor, Role

from .admission import Ticket


@dataclasses.dataclass
class Client:
    meeting_id: str
    role: Role
    actor: Actor | None  # None until a participant/official has joined with a name
    ticket: Ticket  # what the connection counts against, and its own rate limits
    joined_room: bool = False
    generation: int = 0  # of the link it connected with (a rotated role link drops it)
    person_id: str | None = None  # a personal link's roster person (hub.invites)
    link_expires: float = math.inf  # the link's expiry: every message after it is refused
    session_expires: float = math.inf  # the latest session it was given (or connected with)

    @property
    def expires(self) -> float:
        """When this socket's rights end (hub.link_sockets drops it then)."""
        return min(self.link_expires, self.session_expires)


def personal_room(meeting_id: str, participant_id: str) -> str:
    """The socket.io room of one person's connections (a phone may have reconnected, or be open twice)."""
    return f"{meeting_id}/{participant_id}"
