"""Values of the minutes workflow kept in the meeting's state: the draft's sections, publication, objections.

The minutes are a list of sections, each a list of entries (a speaker's summary, a motion, a resolution, an
action item …) whose fields are plain text — never markup: the renderers escape them. The server drafts them
from the log when the meeting closes, the recorder edits them field by field, then they are published:
frozen, with ``minutes_hash`` over their exact content recorded in the log. Published resolutions are open to
objections for ``publicity_days``; more than ``objection_percent`` % of the eligible residents objecting
flags a resolution for re-deliberation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import field

from .payload import max_len, to_payload

SECTION_ID = 40
SECTION_TITLE = 200
SECTION_TEXT = 50_000  # a section of markdown text, as drafted before the minutes had entries
EDIT_TEXT = 20_000  # a MinutesEdited of such a section
ENTRY_ID = 80
ENTRY_KIND = 20
ENTRY_LABEL = 200
ENTRY_NOTE = 2000
FIELD_NAME = 20
FIELD_TEXT = 10_000  # one field: a speaker's summary, a motion's text, a list of names …
MAX_SECTIONS = 100
MAX_ENTRIES = 500  # per section: payload.MAX_LIST, the longest list a payload may hold


@dataclasses.dataclass(frozen=True, slots=True)
class MinutesField:
    """What the recorder may rewrite, as plain text: ``name`` says which part of the entry it is."""

    name: str = field(metadata=max_len(FIELD_NAME))
    value: str = field(metadata=max_len(FIELD_TEXT))


@dataclasses.dataclass(frozen=True, slots=True)
class MinutesEntry:
    """One line of the minutes. ``kind`` (speech, motion, vote, resolution, action …) tells the renderers how
    to lay it out; ``label`` and ``note`` come from the record and are not edited (which motion, how long
    someone spoke); ``seq`` is the log event it rests on and ``time`` the meeting time of speech, which the
    renderers show as a link to the transcript line."""

    entry_id: str = field(metadata=max_len(ENTRY_ID))
    kind: str = field(metadata=max_len(ENTRY_KIND))
    fields: tuple[MinutesField, ...]
    label: str = field(default="", metadata=max_len(ENTRY_LABEL))
    note: str = field(default="", metadata=max_len(ENTRY_NOTE))
    seq: int | None = None
    time: float | None = None
    depth: int = 0  # an amendment under its motion, a vote under the motion it decided

    def value(self, name: str = "text") -> str:
        """The field's text ("" when the entry has no such field)."""
        return next((f.value for f in self.fields if f.name == name), "")


@dataclasses.dataclass(frozen=True, slots=True)
class MinutesSection:
    """A section of the minutes (基本信息, 出席情况, one per agenda item …). ``text``: the markdown a section
    held before the minutes had entries — logs of that time still load, render and verify; new drafts
    carry ``entries`` only."""

    section_id: str = field(metadata=max_len(SECTION_ID))
    title: str = field(metadata=max_len(SECTION_TITLE))
    entries: tuple[MinutesEntry, ...] = ()
    text: str = field(default="", metadata=max_len(SECTION_TEXT))

    def entry(self, entry_id: str) -> MinutesEntry | None:
        return next((e for e in self.entries if e.entry_id == entry_id), None)


# Entries that state what the meeting decided (a motion's wording and outcome, a vote's counts and result, a
# resolution): their text comes from the log and the recorder does not rewrite it (``EditMinutes`` refuses).
RECORD_KINDS = frozenset({"motion", "vote", "resolution"})


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
    decided: Mapping[str, str] = field(default_factory=dict)  # resolution id -> publicity outcome

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
            "sections": [_hashed(s) for s in sections],
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _hashed(s: MinutesSection) -> list[object]:
    # A section of text alone hashes as it did before sections had entries, so old publications verify.
    return [s.section_id, s.title, s.text, *([[to_payload(e) for e in s.entries]] if s.entries else [])]
