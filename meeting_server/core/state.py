"""The state of one meeting: immutable values folded from its events.

Everything here is a frozen dataclass, a tuple, or a Mapping that ``evolve`` replaces rather than
mutates (copy-on-write), so a state handed to the hub can never change under it. The public snapshot
for clients is ``view.public_view``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import TypeVar

from .electorate import Elector
from .invitations import LinkGenerations
from .minutes_values import MinutesRecord
from .motion_events import VoteClosed
from .roles import Role
from .tally import quorum_min
from .values import (
    PENDING_MOTION,
    AgendaItemSpec,
    Channel,
    Choice,
    Counts,
    Level,
    MeetingSettings,
    MeetingStatus,
    MotionStatus,
    Threshold,
)
from .vote_rules import VoteRule

K = TypeVar("K")
V = TypeVar("V")


def with_entry(mapping: Mapping[K, V], key: K, value: V) -> dict[K, V]:
    """A copy of ``mapping`` with ``key`` set (states replace their mappings, never mutate them)."""
    out = dict(mapping)
    out[key] = value
    return out


@dataclasses.dataclass(frozen=True, slots=True)
class Participant:
    """Anyone with a place in the meeting: residents (online or in the hall), 列席 guests (in the hall) and
    the meeting's officers."""

    participant_id: str
    name: str
    role: Role
    channel: Channel
    present: bool = True
    building: str | None = None
    unit: str | None = None
    organisation: str | None = None  # a guest's
    person_id: str | None = None  # the roster person (core.electorate), when joined by a personal link
    # 旁听: a resident without a roster entry in a meeting with a roster (core.presence): never a voter.
    listener: bool = False
    # Online only (core.presence): a device of theirs is in the meeting now; ``connection`` counts joins
    # and reconnections, ``disconnected_at`` is when they were marked out.
    connected: bool = True
    connection: int = 1
    disconnected_at: float | None = None

    @property
    def is_voter(self) -> bool:
        # Only residents vote, move, second and count toward quorum; moderator, timer and recorder run the
        # meeting, guests attend (列席) and listeners listen (旁听) without a vote.
        return self.role is Role.PARTICIPANT and not self.listener

    @property
    def attending(self) -> bool:
        """In the meeting now: checked in in the hall, or joined online with a device connected."""
        return self.present and (self.channel is Channel.ROOM or self.connected)


@dataclasses.dataclass(frozen=True, slots=True)
class Floor:
    """The current speaking turn and its clock.

    The clock is ``used_s`` seconds already spent plus, while running, the time since ``running_since``.
    """

    turn_id: str
    participant_id: str
    agenda_index: int
    round: int
    channel: Channel
    granted_at: float
    limit_s: float
    used_s: float = 0.0
    running_since: float | None = None
    started: bool = False
    warned: bool = False

    def spent(self, now: float) -> float:
        running = now - self.running_since if self.running_since is not None else 0.0
        return self.used_s + max(0.0, running)


@dataclasses.dataclass(frozen=True, slots=True)
class Turn:
    """A past or current speaking turn, kept so captions can be attributed to the right item."""

    turn_id: str
    participant_id: str
    agenda_index: int
    round: int
    granted_at: float
    spoken_s: float | None = None  # None while the turn is going on


@dataclasses.dataclass(frozen=True, slots=True)
class Motion:
    motion_id: str
    agenda_index: int
    mover: str
    title: str
    text: str
    parent_id: str | None
    moved_at: float
    status: MotionStatus = MotionStatus.MOVED
    seconder: str | None = None
    # The recorder who entered the move (or the second) for an in-room resident; None when sent by them.
    entered_by: str | None = None
    second_entered_by: str | None = None

    @property
    def pending(self) -> bool:
        return self.status in PENDING_MOTION


# A secret vote with a hall part and fewer online voters than this: whoever counts the hall (the recorder,
# the tellers) knows the hall's count, so the totals less the hall give the few online choices away.
FEW_ONLINE = 3


@dataclasses.dataclass(frozen=True, slots=True)
class Poll:
    """The open vote. ``eligible_online`` and ``room_present`` are frozen when it opens."""

    motion_id: str
    secret: bool
    threshold: Threshold
    present: int
    quorum_min: int
    eligible_online: frozenset[str]
    room_present: int
    opened_at: float
    ballots: Mapping[str, Choice] = field(default_factory=dict)
    room: Counts | None = None  # the last show-of-hands count entered, if any
    room_sealed: bool = False  # a secret vote's hall count folded without the ballot key (never the writer)
    # Voter tags of secret ballots folded without the ballot key (never in the writer's state).
    sealed: frozenset[str] = frozenset()
    rule: VoteRule = field(default_factory=VoteRule)
    eligible_room: frozenset[str] = frozenset()  # in-room voters of a per-person vote
    heads_in_scope: int = 0
    area_in_scope: int = 0
    quorum_basis: str = "meeting"

    @property
    def eligible(self) -> frozenset[str]:
        return self.eligible_online | self.eligible_room

    @property
    def secrecy_at_risk(self) -> bool:
        """Whether this secret vote's online ballots are too few to stay secret from whoever counts the
        hall (see ``FEW_ONLINE``); its online voters are told before they cast."""
        hall = self.room_present > 0 or bool(self.eligible_room)
        return self.secret and hall and 0 < len(self.eligible_online) < FEW_ONLINE

    @property
    def room_entered(self) -> bool:
        return self.room is not None or self.room_sealed

    @property
    def ballots_cast(self) -> int:
        return len(self.ballots) + len(self.sealed)

    def online_counts(self) -> Counts:
        return self._counts(lambda pid: pid not in self.eligible_room)

    def room_ballot_counts(self) -> Counts:
        """The in-room ballots the recorder entered one by one (a per-person vote)."""
        return self._counts(lambda pid: pid in self.eligible_room)

    def _counts(self, keep: Callable[[str], bool]) -> Counts:
        counts = Counts()
        for pid, choice in self.ballots.items():
            if keep(pid):
                counts = counts.add(choice)
        return counts


@dataclasses.dataclass(frozen=True, slots=True)
class Resolution:
    resolution_id: str
    motion_id: str
    agenda_index: int
    title: str
    text: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class KeyPoint:
    key_point_id: str
    agenda_index: int | None
    text: str
    caption_seq: int | None
    by: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class MeetingState:
    """One meeting, as of some event. Build it with ``evolve``/``fold``; never mutate it."""

    meeting_id: str
    title: str
    level: Level
    place: str
    scheduled_at: str
    agenda: tuple[AgendaItemSpec, ...]
    settings: MeetingSettings
    created_at: float
    community_id: str | None = None  # the community whose staff created it (see meeting_server.community)
    # The roster snapshot the meeting was called for (core.electorate); empty: no roster, open joining.
    electors: Mapping[str, Elector] = field(default_factory=dict)
    # The current generation of every role link and personal link (core.invitations).
    links: LinkGenerations = field(default_factory=LinkGenerations)
    status: MeetingStatus = MeetingStatus.SCHEDULED
    opened_at: float | None = None
    closed_at: float | None = None
    current_item: int | None = None
    item_started_at: float | None = None
    # Join order is kept (dicts are ordered) so lists on screen are stable.
    participants: Mapping[str, Participant] = field(default_factory=dict)
    room_checkins: int = 0
    queue: tuple[str, ...] = ()
    round: int = 0  # number of the last round opened on the current item; 0 = none yet
    round_open: bool = False
    turns_in_round: Mapping[str, int] = field(default_factory=dict)
    floor: Floor | None = None
    turns: Mapping[str, Turn] = field(default_factory=dict)
    motions: Mapping[str, Motion] = field(default_factory=dict)
    vote: Poll | None = None
    # Motions that ever had a secret vote opened: their ballots are never shown (see ``redact``).
    secret_motions: frozenset[str] = frozenset()
    results: tuple[VoteClosed, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    key_points: tuple[KeyPoint, ...] = ()
    captions: int = 0  # committed captions; the n-th is "c<n>" (core.captions)
    corrections: int = 0  # CaptionCorrected events
    minutes: MinutesRecord | None = None  # drafted once the meeting has closed (minutes_rules)
    listeners_may_speak: bool = False  # the moderator lets 旁听 listeners raise a hand (core.presence)

    # ------------------------------------------------------------ derived facts used by decide and the view

    @property
    def has_roster(self) -> bool:
        return bool(self.electors)

    def participant_of_person(self, person_id: str) -> Participant | None:
        """The participant a roster person is bound to (one person, one participant), if any."""
        for p in self.participants.values():
            if p.person_id == person_id:
                return p
        return None

    def present_voters(self) -> list[Participant]:
        """The voters in the meeting now (到会): in the hall, or online and connected."""
        return [p for p in self.participants.values() if p.attending and p.is_voter]

    @property
    def quorum_min(self) -> int:
        return quorum_min(self.settings)

    def quorum_met(self) -> bool:
        return len(self.present_voters()) >= self.quorum_min

    def eligible_residents(self) -> int:
        """How many residents may object: 应到人数 if set, else the voters who took part in the meeting."""
        expected = self.settings.expected_members
        if expected is not None:
            return expected
        return sum(1 for p in self.participants.values() if p.is_voter)

    def turns_taken(self, participant_id: str) -> int:
        """Turns this person has had in the open round (0 when no round is open)."""
        return self.turns_in_round.get(participant_id, 0) if self.round_open else 0

    def amendments_of(self, motion_id: str) -> list[Motion]:
        return [m for m in self.motions.values() if m.parent_id == motion_id]


__all__ = [
    "Floor",
    "KeyPoint",
    "MeetingState",
    "Motion",
    "Participant",
    "Poll",
    "Resolution",
    "Turn",
]
