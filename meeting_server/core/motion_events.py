"""Events of motions, amendments and votes (rules in ``decide_motions``).

Registered like every event; ``events.AnyEvent`` includes them, so ``evolve`` must handle them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .registry import Event, event
from .values import BallotsByChannel, ByChannel, Choice, Counts, Threshold
from .vote_rules import VoteRule, VoteSums


@event
@dataclass(frozen=True, slots=True)
class MotionMoved(Event):
    """A motion, or (with ``parent_id``) an amendment to one; both need a second. ``entered_by`` is the
    recorder who entered it for ``mover``, an in-room resident (None: the mover sent it themselves)."""

    motion_id: str
    agenda_index: int
    mover: str
    title: str
    text: str
    parent_id: str | None
    at: float
    entered_by: str | None = None  # last, with a default: logs written before it existed still load


@event
@dataclass(frozen=True, slots=True)
class MotionSeconded(Event):
    """``entered_by`` as for MotionMoved: the recorder who entered the in-room ``seconder``'s second."""

    motion_id: str
    seconder: str
    at: float
    entered_by: str | None = None


@event
@dataclass(frozen=True, slots=True)
class MotionWithdrawn(Event):
    motion_id: str
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class VoteOpened(Event):
    """The electorate is frozen here: ``present`` voters (quorum, majority of those present), the online
    voters who may cast a ballot, and how many in-room voters the show of hands may count."""

    motion_id: str
    secret: bool
    threshold: Threshold
    present: int
    quorum_min: int
    eligible_online: tuple[str, ...]
    room_present: int
    by: str
    at: float
    # Last, with defaults: logs written before voting rules existed still load (core.vote_rules).
    rule: VoteRule | None = None
    eligible_room: tuple[str, ...] = ()  # in-room voters whose ballots the recorder enters one by one
    heads_in_scope: int = 0  # roster persons (households) in scope
    area_in_scope: int = 0  # their area, 0.01 m² (art. 278)
    quorum_basis: str = "meeting"


@event
@dataclass(frozen=True, slots=True)
class BallotCast(Event):
    """One online ballot, as the rules decide it (they see the choice). For a secret vote it is never
    written as such: the writer seals it into a ``SecretBallotCast`` (``meeting_server.ledger``) and turns
    it back when it loads the log. Logs written before sealing existed hold plaintext secret ballots;
    ``redact`` keeps those from clients."""

    motion_id: str
    participant_id: str
    choice: Choice
    at: float
    entered_by: str | None = None  # the recorder who entered an in-room person's ballot


# The envelope (actor, role) of every secret ballot record, written and sent: it names no one.
SECRET_BALLOT_ACTOR = "secret-ballot"
SECRET_BALLOT_ROLE = "voter"


@event
@dataclass(frozen=True, slots=True)
class SecretBallotCast(Event):
    """A secret ballot as the log stores it: ``voter`` is a keyed tag of the voter (the same person gives
    the same tag within one motion, so anyone can see no one voted twice, but only the ballot key links it
    to a person); ``sealed`` is the voter and the choice encrypted under the ballot key. Folded without the
    key (the summariser, an auditor's copy) it counts one ballot and nothing more."""

    motion_id: str
    voter: str
    sealed: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class ShowOfHandsRecorded(Event):
    motion_id: str
    yes: int
    no: int
    abstain: int
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class SealedHallCount(Event):
    """A secret vote's hall count (its paper ballots) as the log stores it: how many ballots, and the
    choices sealed under the ballot key (``ledger.sealing``), so that nobody reading the log can take the
    hall from the totals to find the online choices. Folded without the key it says only that a count was
    entered."""

    motion_id: str
    ballots: int
    sealed: str
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class VoteClosed(Event):
    """``counts`` splits the choices by channel, except for a secret vote: there it is None and ``ballots``
    says only how many ballots each channel cast (logs from before this have ``ballots`` None; older logs
    kept a secret show-of-hands vote's split, never shown: ``channel_choices``)."""

    motion_id: str
    counts: ByChannel | None
    totals: Counts
    threshold: Threshold
    secret: bool
    present: int
    quorum_min: int
    quorum_met: bool
    passed: bool
    by: str
    at: float
    rule: VoteRule | None = None  # None in logs written before voting rules: ``threshold`` alone
    sums: VoteSums | None = None
    ballots: BallotsByChannel | None = None

    @property
    def hides_channels(self) -> bool:
        """A secret vote: no choice is shown by channel (the hall's count less from the totals would give
        the online choices away)."""
        return self.secret

    def channel_choices(self) -> ByChannel | None:
        """The choices by channel where they may be shown; None for a secret vote (also one in an old log
        that still recorded the split)."""
        return None if self.hides_channels else self.counts

    def ballots_by_channel(self) -> BallotsByChannel:
        """How many ballots each channel cast (from ``counts`` in logs written before ``ballots``)."""
        if self.ballots is not None:
            return self.ballots
        if self.counts is None:
            raise ValueError(f"VoteClosed {self.motion_id} has neither counts nor ballots")
        return BallotsByChannel(self.counts.online.total, self.counts.room.total)


@event
@dataclass(frozen=True, slots=True)
class VoteCancelled(Event):
    """A vote abandoned without a result (the meeting closed while it was open)."""

    motion_id: str
    reason: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class MotionAmended(Event):
    """A passed amendment replaced its parent motion's text."""

    motion_id: str
    amendment_id: str
    text: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class ResolutionRecorded(Event):
    resolution_id: str
    motion_id: str
    agenda_index: int
    title: str
    text: str
    at: float


MotionEvent = (
    MotionMoved
    | MotionSeconded
    | MotionWithdrawn
    | VoteOpened
    | BallotCast
    | SecretBallotCast
    | ShowOfHandsRecorded
    | SealedHallCount
    | VoteClosed
    | VoteCancelled
    | MotionAmended
    | ResolutionRecorded
)
