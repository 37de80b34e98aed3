"""The minutes workflow and the publicity period, as rules: draft → edits → publication → objections.

* ``DraftMinutes`` (the server, once the meeting has closed): a draft made of sections of entries. A later
  draft (late captions came in) replaces it only while the recorder has not edited it and it is unpublished.
* ``EditMinutes`` (the recorder): replace the plain text of one field of one entry (a speaker's summary, an
  action item's owner …). Every edit is an event, so the log keeps each version and who made it. Refused
  once published.
* ``PublishMinutes`` (the recorder): freeze the minutes; ``MinutesPublished`` records their hash and the end
  of the publicity period (``settings.publicity_days`` after publication).
* ``ObjectToResolution`` (a resident of the meeting, or the recorder for a resident who objected in person
  or on paper) during the publicity period: one objection per person and resolution. When the objections
  exceed ``objection_percent`` % of the eligible residents — strictly more: 20 % exactly is not enough —
  the resolution is flagged for re-deliberation (``ResolutionFlaggedForRedeliberation``, once).
  Eligible residents: ``settings.expected_members`` (应到人数) when set, else the meeting's voters (every
  participant with the resident role, online or in the hall).
"""

from __future__ import annotations

import dataclasses
from typing import assert_never

from . import publicity
from .commands import NAME, DraftMinutes, EditMinutes, ObjectToResolution, PublishMinutes
from .errors import ErrorCode
from .guards import fail
from .minutes_events import (
    MinutesDrafted,
    MinutesEdited,
    MinutesEvent,
    MinutesPublished,
    ObjectionRaised,
    PublicityDecided,
    ResolutionFlaggedForRedeliberation,
)
from .minutes_values import (
    ENTRY_ID,
    FIELD_TEXT,
    MAX_ENTRIES,
    MAX_SECTIONS,
    RECORD_KINDS,
    SECTION_ID,
    SECTION_TITLE,
    MinutesRecord,
    MinutesSection,
    Objection,
    minutes_hash,
    over_threshold,
)
from .names import clean_name
from .presence import name_key
from .registry import Event
from .roles import Actor, Role
from .state import MeetingState, Resolution
from .values import MeetingStatus

DAY_S = 86_400.0


def _unpublished(state: MeetingState) -> MinutesRecord:
    minutes = state.minutes
    if minutes is None:
        fail(ErrorCode.WRONG_STATE, "there is no draft of the minutes yet")
    if minutes.published:
        fail(ErrorCode.WRONG_STATE, "the minutes are published and frozen")
    return minutes


def draft_minutes(state: MeetingState, actor: Actor, cmd: DraftMinutes, now: float) -> list[Event]:
    if state.status is not MeetingStatus.CLOSED:
        fail(ErrorCode.WRONG_STATE, "minutes are drafted once the meeting has closed")
    if state.minutes is not None:
        current = _unpublished(state)
        if current.edits:
            fail(ErrorCode.WRONG_STATE, "the recorder has edited the draft; it is not replaced")
    if not 1 <= len(cmd.sections) <= MAX_SECTIONS:
        fail(ErrorCode.INVALID, f"a draft has 1 to {MAX_SECTIONS} sections")
    seen: set[str] = set()
    for s in cmd.sections:
        if not s.section_id or len(s.section_id) > SECTION_ID or s.section_id in seen:
            fail(ErrorCode.INVALID, f"section ids must be unique, 1 to {SECTION_ID} characters")
        _check_section(s)
        seen.add(s.section_id)
    if cmd.basis_seq < 1:
        fail(ErrorCode.INVALID, "basis_seq must be a sequence number of the log")
    version = state.minutes.version + 1 if state.minutes is not None else 1
    return [MinutesDrafted(version, cmd.sections, cmd.basis_seq, cmd.basis_hash, now)]


def _check_section(s: MinutesSection) -> None:
    # Sizes are checked here, not only when the payload is read back, so the log never holds a draft it
    # could not load again.
    if len(s.title) > SECTION_TITLE:
        fail(ErrorCode.INVALID, f"section {s.section_id}: title too long")
    if s.text or not s.entries or len(s.entries) > MAX_ENTRIES:
        fail(ErrorCode.INVALID, f"section {s.section_id}: 1 to {MAX_ENTRIES} entries, no markdown text")
    ids: set[str] = set()
    for e in s.entries:
        if not e.entry_id or len(e.entry_id) > ENTRY_ID or e.entry_id in ids:
            fail(ErrorCode.INVALID, f"section {s.section_id}: entry ids must be unique, 1 to {ENTRY_ID} long")
        names = [f.name for f in e.fields]
        if len(set(names)) != len(names) or any(len(f.value) > FIELD_TEXT for f in e.fields):
            fail(ErrorCode.INVALID, f"entry {e.entry_id}: fields must be unique, at most {FIELD_TEXT} long")
        ids.add(e.entry_id)


def edit_minutes(state: MeetingState, actor: Actor, cmd: EditMinutes, now: float) -> list[Event]:
    minutes = _unpublished(state)
    section = minutes.section(cmd.section_id)
    if section is None:
        fail(ErrorCode.NOT_FOUND, f"no section {cmd.section_id!r} in the minutes")
    entry = section.entry(cmd.entry_id)
    if entry is None or not any(f.name == cmd.field_name for f in entry.fields):
        fail(ErrorCode.NOT_FOUND, f"no field {cmd.entry_id}/{cmd.field_name} in section {cmd.section_id}")
    if entry.kind in RECORD_KINDS:
        fail(ErrorCode.FORBIDDEN, "提案、表决和决议的内容来自会议记录，不能修改")
    text = cmd.text.strip()
    if text == entry.value(cmd.field_name).strip():
        fail(ErrorCode.DUPLICATE, "the field already reads so")
    return [
        MinutesEdited(
            minutes.version, cmd.section_id, text, actor.participant_id, now, cmd.entry_id, cmd.field_name
        )
    ]


def publish_minutes(state: MeetingState, actor: Actor, cmd: PublishMinutes, now: float) -> list[Event]:
    minutes = state.minutes
    if minutes is not None and minutes.published:
        fail(ErrorCode.DUPLICATE, "the minutes are already published")
    minutes = _unpublished(state)
    digest = minutes_hash(state.meeting_id, minutes.basis_seq, minutes.basis_hash, minutes.sections)
    until = now + state.settings.publicity_days * DAY_S
    return [MinutesPublished(minutes.version, digest, until, actor.participant_id, now)]


def object_to_resolution(
    state: MeetingState, actor: Actor, cmd: ObjectToResolution, now: float
) -> list[Event]:
    minutes = state.minutes
    if minutes is None or not minutes.published or minutes.publicity_until is None:
        fail(ErrorCode.WRONG_STATE, "objections are taken once the minutes are published")
    if now > minutes.publicity_until:
        fail(ErrorCode.WRONG_STATE, "the publicity period has ended")
    if cmd.resolution_id in minutes.decided:
        fail(ErrorCode.WRONG_STATE, "the publicity period has ended")
    resolution = publicity.find_resolution(state, cmd.resolution_id)
    if state.has_roster:
        key, name = _roster_objector(state, resolution, actor, cmd)
    else:
        key, name = _objector(state, actor, cmd)
    earlier = minutes.objections.get(cmd.resolution_id, ())
    if any(o.objector == key or _same_resident(state, o.name, name) for o in earlier):
        fail(ErrorCode.DUPLICATE, f"{name} has already objected to this resolution")
    eligible = publicity.base(state, resolution)
    count = len(earlier) + 1
    if count > eligible:
        fail(ErrorCode.LIMIT, f"more objections than the {eligible} eligible residents")
    # With a roster (公示) a reason is required; roster-less meetings keep it optional, as before.
    reason = publicity.clean_reason(cmd.reason) if state.has_roster else cmd.reason.strip()[:500]
    events: list[Event] = [ObjectionRaised(cmd.resolution_id, key, name, reason, actor.participant_id, now)]
    percent = state.settings.objection_percent
    if cmd.resolution_id not in minutes.flagged and over_threshold(count, eligible, percent):
        events.append(ResolutionFlaggedForRedeliberation(cmd.resolution_id, count, eligible, percent, now))
    return events


def _roster_objector(
    state: MeetingState, resolution: Resolution, actor: Actor, cmd: ObjectToResolution
) -> tuple[str, str]:
    """(key, name) in a meeting with a roster: a roster person of the vote's scope, by personal link or
    named (person id) by the recorder at the counter; attending the meeting is not required."""
    if actor.role is Role.RECORDER:
        if cmd.objector is None or not cmd.objector.strip():
            fail(ErrorCode.INVALID, "objector: choose the resident from the roster")
        person_id = _roster_person(state, cmd.objector.strip())
    else:
        if actor.person_id is None:
            fail(ErrorCode.NOT_ON_ROSTER, "object with your personal link")
        if cmd.objector is not None and cmd.objector not in (actor.participant_id, actor.person_id):
            fail(ErrorCode.FORBIDDEN, "a resident objects only for themselves")
        person_id = actor.person_id
    elector = publicity.roster_objector(state, resolution, person_id)
    return publicity.PERSON_KEY + elector.person_id, elector.name


def _roster_person(state: MeetingState, named: str) -> str:
    """The roster person the recorder names: a person id, a participant bound to one, or a name that
    exactly one roster person has (else ``not_on_roster``: search the roster and choose)."""
    if named in state.electors:
        return named
    person = state.participants.get(named)
    if person is not None and person.person_id is not None:
        return person.person_id
    same = [e.person_id for e in state.electors.values() if e.name == named]
    if len(same) == 1:
        return same[0]
    return named  # refused by publicity.roster_objector as not on the roster


def _same_resident(state: MeetingState, a: str, b: str) -> bool:
    """Without a roster one name is one resident (``core.presence``): an objection on paper under the name
    of a resident who objected from their phone (or the other way round) is theirs, a second time."""
    return not state.has_roster and name_key(a) == name_key(b)


def _objector(state: MeetingState, actor: Actor, cmd: ObjectToResolution) -> tuple[str, str]:
    """(key, name) of who objects: the resident themselves, or whom the recorder names."""
    if actor.role is Role.RECORDER:
        if cmd.objector is None or not cmd.objector.strip():
            fail(ErrorCode.INVALID, "objector: name the resident who objects")
        person = state.participants.get(cmd.objector.strip())
        if person is not None:
            if not person.is_voter:
                fail(ErrorCode.INVALID, f"{person.name} is not a resident of the meeting")
            return person.participant_id, person.name
        name = clean_name(cmd.objector, limit=NAME)  # a resident's name, by the rules of core.names
        return f"name:{name}", name
    if cmd.objector is not None and cmd.objector != actor.participant_id:
        fail(ErrorCode.FORBIDDEN, "a resident objects only for themselves")
    person = state.participants.get(actor.participant_id)
    if person is None or not person.is_voter:
        fail(ErrorCode.NOT_PRESENT, "only residents of the meeting may object")
    return person.participant_id, person.name


# ---------------------------------------------------------------- evolve


def evolve_minutes(state: MeetingState, ev: MinutesEvent) -> MeetingState:
    """The state after a minutes event (called by ``evolve``)."""
    replace = dataclasses.replace
    if isinstance(ev, MinutesDrafted):
        record = MinutesRecord(ev.version, ev.sections, ev.basis_seq, ev.basis_hash, ev.at)
        return replace(state, minutes=record)
    minutes = state.minutes
    if minutes is None:
        raise ValueError(f"{type(ev).__name__} before MinutesDrafted")
    match ev:
        case MinutesEdited():
            sections = tuple(_edited(s, ev) if s.section_id == ev.section_id else s for s in minutes.sections)
            return replace(state, minutes=replace(minutes, sections=sections, edits=minutes.edits + 1))
        case MinutesPublished():
            published = replace(
                minutes,
                published_hash=ev.minutes_hash,
                published_at=ev.at,
                publicity_until=ev.publicity_until,
            )
            return replace(state, minutes=published)
        case ObjectionRaised():
            objection = Objection(ev.objector, ev.display_name, ev.reason, ev.at)
            objections = dict(minutes.objections)
            objections[ev.resolution_id] = (*objections.get(ev.resolution_id, ()), objection)
            return replace(state, minutes=replace(minutes, objections=objections))
        case ResolutionFlaggedForRedeliberation():
            return replace(state, minutes=replace(minutes, flagged=(*minutes.flagged, ev.resolution_id)))
        case PublicityDecided():
            decided = {**minutes.decided, ev.resolution_id: ev.outcome}
            return replace(state, minutes=replace(minutes, decided=decided))
        case _:
            assert_never(ev)


def _edited(section: MinutesSection, ev: MinutesEdited) -> MinutesSection:
    replace = dataclasses.replace
    if not ev.entry_id:  # an edit of a whole section's markdown, from a log of before entries
        return replace(section, text=ev.text)
    entries = tuple(
        replace(
            e,
            fields=tuple(replace(f, value=ev.text) if f.name == ev.field_name else f for f in e.fields),
        )
        if e.entry_id == ev.entry_id
        else e
        for e in section.entries
    )
    return replace(section, entries=entries)
