"""The facts the statistics need, folded once per stream: one pass over a meeting's events, one over a
community's. Pure (events in, frozen facts out); the edge caches them per stream head.

People are counted by who they are where the log says so: a roster person (``p:<person id>``) is the same
resident across meetings; anyone else (a community-wide link, a check-in without a roster person) can only
be told apart within one meeting (``m:<meeting>/<participant>``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from meeting_server.community.carryover_rules import ResolutionCarriedOver
from meeting_server.community.events import PersonChanged, PersonRemoved, PersonsAdded
from meeting_server.community.execution_events import (
    ExecutionCompleted,
    ExecutionCreated,
    ExecutionRestarted,
    ExecutionStopped,
    ProgressReported,
)
from meeting_server.community.topics_events import TopicAccepted, TopicMerged, TopicRejected, TopicSubmitted
from meeting_server.core.events import (
    CaptionCommitted,
    FloorExpired,
    FloorRevoked,
    FloorYielded,
    InRoomCheckedIn,
    MeetingCreated,
    MeetingOpened,
    ParticipantJoined,
)
from meeting_server.core.minutes_events import (
    MinutesPublished,
    ObjectionRaised,
    PublicityDecided,
    ResolutionFlaggedForRedeliberation,
)
from meeting_server.core.motion_events import ResolutionRecorded, VoteClosed
from meeting_server.core.registry import Event
from meeting_server.core.roles import Role
from meeting_server.core.values import Channel
from summarizer.speaking import speaking_totals

MEETING_EVENTS = frozenset(
    cls.name
    for cls in (
        MeetingCreated,
        MeetingOpened,
        ParticipantJoined,
        InRoomCheckedIn,
        FloorYielded,
        FloorRevoked,
        FloorExpired,
        VoteClosed,
        ResolutionRecorded,
        MinutesPublished,
        ObjectionRaised,
        ResolutionFlaggedForRedeliberation,
        PublicityDecided,
        CaptionCommitted,
    )
)
"""The meeting events ``meeting_facts`` reads: a reader may skip decoding the others (the fold ignores
them)."""

COMMUNITY_EVENTS = frozenset(
    cls.name
    for cls in (
        PersonsAdded,
        PersonChanged,
        PersonRemoved,
        TopicSubmitted,
        TopicAccepted,
        TopicMerged,
        TopicRejected,
        ExecutionCreated,
        ProgressReported,
        ExecutionStopped,
        ExecutionRestarted,
        ExecutionCompleted,
        ResolutionCarriedOver,
    )
)
"""The community events ``community_facts`` reads."""

# Who is counted as taking part: residents with a link of their own or checked in, not staff roles.
RESIDENT_ROLES = frozenset({Role.PARTICIPANT, Role.OBSERVER})


@dataclasses.dataclass(frozen=True, slots=True)
class MeetingFacts:
    meeting_id: str
    community_id: str | None
    held_at: float  # opened, else created
    attendees: tuple[tuple[str, Channel], ...]  # (person key, first channel), one per person
    roster_people: tuple[str, ...]  # roster person ids among the attendees
    speaking_s: tuple[tuple[str, float], ...]  # (person key, seconds spoken in this meeting)
    votes_closed: int
    votes_passed: int
    resolutions: tuple[tuple[str, float], ...]  # (resolution id, recorded at)
    minutes_published_at: float | None
    objections: int
    objected_resolutions: int
    redeliberated: tuple[str, ...]  # resolutions flagged, or decided 重新协商 at the end of 公示
    effective: int  # resolutions decided 生效 at the end of 公示
    captions: int
    # (resolution id, topic id): resolutions of agenda items that deliberate a residents' topic (议题征集)
    resolution_topics: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class TopicFacts:
    topic_id: str
    submitted_at: float
    outcome: str  # "open" | "accepted" | "merged" | "rejected"
    decided_at: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class ExecutionFacts:
    """One execution record (执行监督) of a resolution: ``status`` as its last event left it."""

    record_id: str
    meeting_id: str
    resolution_id: str
    created_at: float
    status: str  # "not_started" | "in_progress" | "blocked" | "stopped" | "done"
    done_at: float | None
    stops: int
    reports: int


@dataclasses.dataclass(frozen=True, slots=True)
class CommunityFacts:
    community_id: str
    birth_years: tuple[tuple[str, int | None, str], ...]  # (person id, birth year, age band) on the roster
    topics: tuple[TopicFacts, ...]
    executions: tuple[ExecutionFacts, ...] = ()
    carried_over: int = 0  # resolutions 公示 sent back to the next meeting's agenda


def _key(meeting_id: str, participant_id: str, person_id: str | None) -> str:
    return f"p:{person_id}" if person_id else f"m:{meeting_id}/{participant_id}"


def meeting_facts(meeting_id: str, events: Iterable[Event]) -> MeetingFacts:
    """One meeting's facts from its events in log order."""
    community: str | None = None
    created = 0.0
    opened: float | None = None
    keys: dict[str, str] = {}  # participant id -> person key (residents only)
    attendees: dict[str, Channel] = {}
    roster: dict[str, None] = {}
    turns: list[tuple[str, float]] = []
    closed = passed = objections = effective = captions = 0
    redeliberated: dict[str, None] = {}
    objected: set[str] = set()
    resolutions: list[tuple[str, float]] = []
    published: float | None = None
    item_topics: tuple[str, ...] = ()
    resolution_topics: list[tuple[str, str]] = []
    for ev in events:
        match ev:
            case MeetingCreated():
                community, created = ev.community_id, ev.at
                item_topics = tuple(item.topic_id for item in ev.agenda)
            case MeetingOpened():
                opened = ev.at if opened is None else opened
            case ParticipantJoined() if ev.role in RESIDENT_ROLES and not ev.listener:
                key = _key(meeting_id, ev.participant_id, ev.person_id)
                keys[ev.participant_id] = key
                attendees.setdefault(key, ev.channel)
                if ev.person_id:
                    roster.setdefault(ev.person_id)
            case InRoomCheckedIn() if not ev.listener:
                key = _key(meeting_id, ev.participant_id, ev.person_id)
                keys[ev.participant_id] = key
                attendees.setdefault(key, Channel.ROOM)
                if ev.person_id:
                    roster.setdefault(ev.person_id)
            case FloorYielded() | FloorRevoked() | FloorExpired() if ev.participant_id in keys:
                turns.append((keys[ev.participant_id], ev.spoken_s))
            case VoteClosed():
                closed += 1
                passed += ev.passed
            case ResolutionRecorded():
                resolutions.append((ev.resolution_id, ev.at))
                if 0 <= ev.agenda_index < len(item_topics) and item_topics[ev.agenda_index]:
                    resolution_topics.append((ev.resolution_id, item_topics[ev.agenda_index]))
            case MinutesPublished():
                published = ev.at if published is None else published
            case ObjectionRaised():
                objections += 1
                objected.add(ev.resolution_id)
            case ResolutionFlaggedForRedeliberation():
                redeliberated.setdefault(ev.resolution_id)
            case PublicityDecided() if ev.outcome == "redeliberate":
                redeliberated.setdefault(ev.resolution_id)
            case PublicityDecided():
                effective += 1
            case CaptionCommitted():
                captions += 1
            case _:
                pass
    return MeetingFacts(
        meeting_id=meeting_id,
        community_id=community,
        held_at=opened if opened is not None else created,
        attendees=tuple(attendees.items()),
        roster_people=tuple(roster),
        speaking_s=tuple(speaking_totals(turns).items()),
        votes_closed=closed,
        votes_passed=passed,
        resolutions=tuple(resolutions),
        minutes_published_at=published,
        objections=objections,
        objected_resolutions=len(objected),
        redeliberated=tuple(redeliberated),
        effective=effective,
        captions=captions,
        resolution_topics=tuple(resolution_topics),
    )


def community_facts(community_id: str, events: Iterable[Event]) -> CommunityFacts:
    """A community's roster ages, topics, execution records and carry-overs from its stream in log order."""
    people: dict[str, tuple[int | None, str]] = {}
    topics: dict[str, TopicFacts] = {}
    records: dict[str, ExecutionFacts] = {}
    carried = 0
    replace = dataclasses.replace
    for ev in events:
        match ev:
            case PersonsAdded():
                for entry in ev.entries:
                    people[entry.person_id] = (entry.person.birth_year, entry.person.age_band)
            case PersonChanged():
                people[ev.person_id] = (ev.person.birth_year, ev.person.age_band)
            case PersonRemoved():
                people.pop(ev.person_id, None)
            case TopicSubmitted():
                topics[ev.topic_id] = TopicFacts(ev.topic_id, ev.at, "open", None)
            case TopicAccepted() | TopicMerged() | TopicRejected() if ev.topic_id in topics:
                outcome = {TopicAccepted: "accepted", TopicMerged: "merged"}.get(type(ev), "rejected")
                topics[ev.topic_id] = replace(topics[ev.topic_id], outcome=outcome, decided_at=ev.at)
            case ExecutionCreated():
                records[ev.record_id] = ExecutionFacts(
                    ev.record_id, ev.meeting_id, ev.resolution_id, ev.at, "not_started", None, 0, 0
                )
            case ProgressReported() if ev.record_id in records:
                r = records[ev.record_id]
                status = (
                    r.status
                    if r.status in ("stopped", "done")
                    else "blocked"
                    if ev.blocked
                    else "in_progress"
                )
                records[ev.record_id] = replace(r, status=status, reports=r.reports + 1)
            case ExecutionStopped() if ev.record_id in records:
                r = records[ev.record_id]
                records[ev.record_id] = replace(r, status="stopped", stops=r.stops + 1)
            case ExecutionRestarted() if ev.record_id in records:
                records[ev.record_id] = replace(records[ev.record_id], status="in_progress")
            case ExecutionCompleted() if ev.record_id in records:
                records[ev.record_id] = replace(records[ev.record_id], status="done", done_at=ev.at)
            case ResolutionCarriedOver():
                carried += 1
            case _:
                pass
    return CommunityFacts(
        community_id=community_id,
        birth_years=tuple((pid, by, band) for pid, (by, band) in people.items()),
        topics=tuple(topics.values()),
        executions=tuple(records.values()),
        carried_over=carried,
    )
