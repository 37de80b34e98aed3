"""Events of the minutes workflow and the publicity period (rules in ``minutes_rules``).

Registered like every event; ``events.AnyEvent`` includes them, so ``evolve`` must handle them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .minutes_values import EDIT_TEXT, ENTRY_ID, FIELD_NAME, SECTION_ID, MinutesSection
from .payload import max_len
from .registry import Event, event


@event
@dataclass(frozen=True, slots=True)
class MinutesDrafted(Event):
    """A draft of the minutes (``version`` 1, 2 … — a re-draft replaces an unedited draft's text)."""

    version: int
    sections: tuple[MinutesSection, ...]
    basis_seq: int
    basis_hash: str = field(metadata=max_len(64))
    at: float


@event
@dataclass(frozen=True, slots=True)
class MinutesEdited(Event):
    """The recorder rewrote field ``field_name`` of entry ``entry_id`` to ``text`` (plain text). Without an
    entry (logs of before the minutes had entries) ``text`` replaced the section's markdown."""

    version: int
    section_id: str = field(metadata=max_len(SECTION_ID))
    text: str = field(metadata=max_len(EDIT_TEXT))
    by: str
    at: float
    entry_id: str = field(default="", metadata=max_len(ENTRY_ID))
    field_name: str = field(default="", metadata=max_len(FIELD_NAME))


@event
@dataclass(frozen=True, slots=True)
class MinutesPublished(Event):
    """The minutes are frozen: ``minutes_hash`` is over their exact text (``minutes_values.minutes_hash``);
    objections to the resolutions are taken until ``publicity_until``."""

    version: int
    minutes_hash: str
    publicity_until: float
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class ObjectionRaised(Event):
    resolution_id: str
    objector: str  # participant id, or "name:<name>" for an objection the recorder took on paper
    display_name: str
    reason: str = field(metadata=max_len(500))
    by: str
    at: float


@event
@dataclass(frozen=True, slots=True)
class ResolutionFlaggedForRedeliberation(Event):
    """More than ``percent`` % of the ``eligible`` residents objected during the publicity period."""

    resolution_id: str
    objections: int
    eligible: int
    percent: int
    at: float


@event
@dataclass(frozen=True, slots=True)
class PublicityDecided(Event):
    """The publicity period of a resolution ended (the server's clock): ``outcome`` ``effective`` (生效) or
    ``redeliberate`` (重新协商: strictly more than ``percent`` % of the ``base`` residents affected objected,
    and the topic goes back on the next meeting's agenda). ``title`` names the resolution for the
    community's record of carried-over topics."""

    resolution_id: str
    outcome: str
    objections: int
    base: int
    percent: int
    title: str
    at: float


MinutesEvent = (
    MinutesDrafted
    | MinutesEdited
    | MinutesPublished
    | ObjectionRaised
    | ResolutionFlaggedForRedeliberation
    | PublicityDecided
)
"""The minutes events; part of ``events.AnyEvent``."""
