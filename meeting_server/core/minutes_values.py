"""Values of the minutes workflow kept in the meeting's state: the draft's sections, publication, objections.

The minutes are a list of sections (markdown text in the summarizer's small dialect), drafted by the server
from the log when the meeting closes, edited section by section by the recorder, then published: frozen,
with ``minutes_hash`` over their exact content recorded in the log. Published resolutions are open to
objections for ``publicity_days``; more than ``objection_percent`` % of the eligible residents objecting
flags a resolution for re-deliberation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import field

from .payload import max_len

SECTION_ID = 40
SECTION_TITLE = 200
SECTION_TEXT = 50_000  # a drafted section (a long agenda item with many speakers)
EDIT_TEXT = 20_000  # one edit; the hub's server.max_message_bytes bounds it further on the wire
MAX_SECTIONS = 100


@dataclasses.dataclass(frozen=True, slots=True)
class MinutesSection:
    section_id: str = field(metadata=max_len(SECTION_ID))
    title: str = field(metadata=max_len(SECTION_TITLE))
    text: str = field(metadata=max_len(SECTION_TEXT))


@dataclasses.dataclass(frozen=True, slots=True)
class Objection:
    objector: str  # a participant id, or "name:<name>" for an objection handed in on paper
    name: str
    reason: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class MinutesRecord:
    """The minutes as of some event: the current text, and what happened to it."""

    version: int  # drafts made so far (a re-draft replaces the text; earlier ones stay in the log)
    sections: tuple[MinutesSection, ...]
    basis_seq: int  # the last log event the draft was built from
    basis_hash: str  # that event's hash
    drafted_at: float
    edits: int = 0
    published_hash: str | None = None
    published_at: float | None = None
    publicity_until: float | None = None
    objections: Mapping[str, tuple[Objection, ...]] = field(default_factory=dict)  # by resolution id
    flagged: tuple[str, ...] = ()  # resolution ids flagged for re-deliberation

    @property
    def published(self) -> bool:
        return self.published_hash is not None

    def section(self, section_id: str) -> MinutesSection | None:
        return next((s for s in self.sections if s.section_id == section_id), None)


def over_threshold(objections: int, eligible: int, percent: int) -> bool:
    """Strictly more than ``percent`` % of ``eligible`` (integer arithmetic: 20 % of 10 is 2, not > 2)."""
    return objections * 100 > percent * eligible


def minutes_hash(meeting_id: str, basis_seq: int, basis_hash: str, sections: Sequence[MinutesSection]) -> str:
    """SHA-256 over a canonical JSON of the minutes' content and the log position they were drawn from.

    Anyone holding the log can recompute it: fold the events up to ``MinutesPublished`` and hash the
    sections; the result must equal the hash that event recorded.
    """
    body = json.dumps(
        {
            "meeting_id": meeting_id,
            "basis_seq": basis_seq,
            "basis_hash": basis_hash,
            "sections": [[s.section_id, s.title, s.text] for s in sections],
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
