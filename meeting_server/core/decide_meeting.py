"""Handlers for the meeting's lifecycle, attendance and record (captions, key points)."""

from __future__ import annotations

import re

from .captions import caption_id
from .commands import (
    NAME,
    ORGANISATION,
    CheckInGuest,
    CheckInInRoom,
    CheckOutInRoom,
    CloseMeeting,
    CommitCaption,
    CreateMeeting,
    JoinMeeting,
    LeaveMeeting,
    MarkKeyPoint,
    OpenMeeting,
    StartAgendaItem,
)
from .decide_floor import end_floor
from .decide_presence import joins_as_listener, refuse_same_name
from .decide_votes import cancel_vote
from .electorate import ElectorateSet, SetElectorate
from .errors import ErrorCode
from .events import (
    AgendaItemStarted,
    CaptionCommitted,
    GuestCheckedIn,
    InRoomCheckedIn,
    InRoomCheckedOut,
    KeyPointMarked,
    MeetingClosed,
    MeetingCreated,
    MeetingOpened,
    ParticipantJoined,
    ParticipantLeft,
)
from .guards import (
    clean_optional,
    clean_text,
    fail,
    require_known,
    require_not_closed,
    require_open,
    require_present,
)
from .invitations import person_participant_id
from .names import clean_name
from .registry import Event
from .roles import Actor, Role
from .state import MeetingState
from .values import AgendaItemSpec, Channel, MeetingSettings, MeetingStatus

MAX_AGENDA_ITEMS = 50
_TOPIC_ID = re.compile(r"^[a-z0-9]{4,32}$")  # as community.guards.check_id


# ---------------------------------------------------------------- lifecycle


def _check_settings(s: MeetingSettings) -> None:
    if not 10 <= s.speaking_limit_s <= 3600:
        fail(ErrorCode.INVALID, "speaking_limit_s must be 10 to 3600 seconds")
    if not 0 <= s.warning_s < s.speaking_limit_s:
        fail(ErrorCode.INVALID, "warning_s must be 0 or more and below the speaking limit")
    if not 1 <= s.max_turns_per_round <= 20:
        fail(ErrorCode.INVALID, "max_turns_per_round must be 1 to 20")
    if s.expected_members is not None and not 1 <= s.expected_members <= 100_000:
        fail(ErrorCode.INVALID, "expected_members must be 1 to 100000")
    if not 0 < s.quorum_ratio <= 1:
        fail(ErrorCode.INVALID, "quorum_ratio must be above 0 and at most 1")
    if not 1 <= s.publicity_days <= 90 or not 1 <= s.objection_percent <= 100:
        fail(ErrorCode.INVALID, "publicity_days must be 1 to 90 and objection_percent 1 to 100")


def create_meeting(state: MeetingState | None, actor: Actor, cmd: CreateMeeting, now: float) -> list[Event]:
    if state is not None:
        fail(ErrorCode.DUPLICATE, "the meeting already exists")
    if not 1 <= len(cmd.agenda) <= MAX_AGENDA_ITEMS:
        fail(ErrorCode.INVALID, f"the agenda needs 1 to {MAX_AGENDA_ITEMS} items")
    agenda: list[AgendaItemSpec] = []
    for i, item in enumerate(cmd.agenda):
        if not 1 <= item.planned_minutes <= 600:
            fail(ErrorCode.INVALID, f"agenda[{i}]: planned_minutes must be 1 to 600")
        topic_id = item.topic_id
        if topic_id and (cmd.community_id is None or not _TOPIC_ID.match(topic_id)):
            fail(ErrorCode.INVALID, f"agenda[{i}]: topic_id needs a community meeting and a topic id")
        if topic_id and any(a.topic_id == topic_id for a in agenda):
            fail(ErrorCode.INVALID, f"agenda[{i}]: the topic is on the agenda twice")
        title = clean_text(item.title, f"agenda[{i}].title", 200)
        agenda.append(AgendaItemSpec(title, item.planned_minutes, topic_id))
    _check_settings(cmd.settings)
    return [
        MeetingCreated(
            meeting_id=clean_text(cmd.meeting_id, "meeting_id", 64),
            title=clean_text(cmd.title, "title", 80),
            level=cmd.level,
            place=clean_text(cmd.place, "place", 120),
            scheduled_at=cmd.scheduled_at.strip(),
            agenda=tuple(agenda),
            settings=cmd.settings,
            at=now,
            community_id=cmd.community_id,
        )
    ]


def open_meeting(state: MeetingState, actor: Actor, cmd: OpenMeeting, now: float) -> list[Event]:
    if state.status is not MeetingStatus.SCHEDULED:
        fail(ErrorCode.WRONG_STATE, f"the meeting is already {state.status.value}")
    return [MeetingOpened(actor.participant_id, now)]


def start_agenda_item(state: MeetingState, actor: Actor, cmd: StartAgendaItem, now: float) -> list[Event]:
    require_open(state)
    if not 0 <= cmd.index < len(state.agenda):
        fail(ErrorCode.NOT_FOUND, f"no agenda item {cmd.index}")
    if cmd.index == state.current_item:
        fail(ErrorCode.WRONG_STATE, "this agenda item is already under way")
    # Moving on mid-speech or mid-vote would leave a turn or a vote hanging on the old item.
    if state.floor is not None:
        fail(ErrorCode.WRONG_STATE, "end the current turn first")
    if state.vote is not None:
        fail(ErrorCode.WRONG_STATE, "close the open vote first")
    return [AgendaItemStarted(cmd.index, actor.participant_id, now)]


def close_meeting(state: MeetingState, actor: Actor, cmd: CloseMeeting, now: float) -> list[Event]:
    """Close the meeting, first ending the current turn and abandoning (not counting) an open vote."""
    require_open(state)
    return [
        *end_floor(state, now, by=actor.participant_id),
        *cancel_vote(state, "meeting closed", now),
        MeetingClosed(actor.participant_id, now),
    ]


# ---------------------------------------------------------------- attendance


def join_meeting(state: MeetingState, actor: Actor, cmd: JoinMeeting, now: float) -> list[Event]:
    """Join from a device. Re-joining after leaving (same id, e.g. a reconnecting phone) is allowed.

    With a personal link (``actor.person_id``) the name is the roster's, whatever was typed, and the person
    must be on the meeting's roster snapshot. Without one, a resident joins a meeting with a roster as a
    旁听 listener, and a meeting without a roster refuses a second resident of the same name
    (``core.presence``).
    """
    require_not_closed(state)
    person_id = actor.person_id
    if person_id is not None:
        elector = state.electors.get(person_id)
        if elector is None:
            fail(ErrorCode.NOT_ON_ROSTER, "此链接对应的居民不在本次会议的名册中")
        if actor.participant_id != person_participant_id(person_id):
            fail(ErrorCode.INVALID, "a roster person joins as their own participant")
        name = elector.name
    else:
        # Officials may call themselves 主持人; a resident may not (core.names).
        name = clean_name(cmd.name, may_use_titles=actor.role is not Role.PARTICIPANT, limit=NAME)
    existing = state.participants.get(actor.participant_id)
    if existing is not None and (existing.present or existing.channel is Channel.ROOM):
        fail(ErrorCode.DUPLICATE, f"{actor.participant_id!r} has already joined")
    listener = joins_as_listener(state, actor)
    if not state.has_roster and actor.role is Role.PARTICIPANT:
        refuse_same_name(state, actor.participant_id, name)
    return [
        ParticipantJoined(actor.participant_id, name, actor.role, Channel.ONLINE, now, person_id, listener)
    ]


def set_electorate(state: MeetingState, actor: Actor, cmd: SetElectorate, now: float) -> list[Event]:
    """Replace the roster snapshot; a person bound to a participant stays on it (their votes count)."""
    require_not_closed(state)
    if state.community_id is not None and cmd.community_id != state.community_id:
        fail(ErrorCode.INVALID, "the roster belongs to another community")
    ids = [e.person_id for e in cmd.electors]
    if len(set(ids)) != len(ids):
        fail(ErrorCode.INVALID, "a person appears twice in the roster")
    kept = set(ids)
    for p in state.participants.values():
        if p.person_id is not None and p.person_id not in kept:
            fail(ErrorCode.WRONG_STATE, f"{p.person_id!r} has joined the meeting and cannot leave its roster")
    return [ElectorateSet(cmd.community_id, cmd.electors, now)]


def leave_meeting(state: MeetingState, actor: Actor, cmd: LeaveMeeting, now: float) -> list[Event]:
    """Leave: out of the queue (by evolve), and a held floor is yielded first."""
    require_not_closed(state)
    require_present(state, actor.participant_id)
    holding = state.floor is not None and state.floor.participant_id == actor.participant_id
    return [*(end_floor(state, now, by=None) if holding else []), ParticipantLeft(actor.participant_id, now)]


def _room_id(state: MeetingState) -> str:
    # Derived from state so a replay makes the same id; skip any id the hub happened to use already.
    n = state.room_checkins + 1
    while f"room-{n}" in state.participants:
        n += 1
    return f"room-{n}"


def check_in_in_room(state: MeetingState, actor: Actor, cmd: CheckInInRoom, now: float) -> list[Event]:
    require_not_closed(state)
    if cmd.person_id is not None:
        return _check_in_person(state, actor, cmd.person_id, now)
    name = clean_name(cmd.name, limit=NAME)  # a resident at the door
    building = clean_optional(cmd.building, "building", 20)
    unit = clean_optional(cmd.unit, "unit", 20)
    for p in state.participants.values():
        # The same person entered twice would be counted twice in quorum and show of hands.
        same = (p.name, p.building, p.unit) == (name, building, unit)
        if same and p.present and p.channel is Channel.ROOM and p.role is Role.PARTICIPANT:
            fail(ErrorCode.DUPLICATE, f"{name} is already checked in ({p.participant_id})")
    # Without a roster person, a meeting with a roster has them in the hall as a 旁听 visitor.
    listener = state.has_roster
    return [
        InRoomCheckedIn(_room_id(state), name, building, unit, actor.participant_id, now, listener=listener)
    ]


def _check_in_person(state: MeetingState, actor: Actor, person_id: str, now: float) -> list[Event]:
    """A roster person at the door: one person, one participant. Already online (a personal link)? The same
    participant is now in the hall (they vote there, by show of hands); already in the hall: ``duplicate``."""
    elector = state.electors.get(person_id)
    if elector is None:
        fail(ErrorCode.NOT_ON_ROSTER, "此人不在本次会议的名册中")
    pid = person_participant_id(person_id)
    existing = state.participants.get(pid)
    if existing is not None and existing.present and existing.channel is Channel.ROOM:
        fail(ErrorCode.DUPLICATE, f"{elector.name} 已经签到")
    building, unit = elector.building or None, elector.unit or None
    return [InRoomCheckedIn(pid, elector.name, building, unit, actor.participant_id, now, person_id)]


def check_in_guest(state: MeetingState, actor: Actor, cmd: CheckInGuest, now: float) -> list[Event]:
    require_not_closed(state)
    name = clean_name(cmd.name, may_use_titles=True, limit=NAME)  # 「王主任」 of the housing office
    organisation = clean_text(cmd.organisation, "organisation", ORGANISATION)
    guests = [p for p in state.participants.values() if p.role is Role.GUEST]
    for p in guests:
        if p.present and (p.name, p.organisation) == (name, organisation):
            fail(ErrorCode.DUPLICATE, f"{name} is already checked in ({p.participant_id})")
    # Derived from state (guests stay in it once checked out), so a replay makes the same id.
    n = len(guests) + 1
    while f"guest-{n}" in state.participants:
        n += 1
    return [GuestCheckedIn(f"guest-{n}", name, organisation, actor.participant_id, now)]


def check_out_in_room(state: MeetingState, actor: Actor, cmd: CheckOutInRoom, now: float) -> list[Event]:
    require_not_closed(state)
    person = require_known(state, cmd.participant_id)
    if person.channel is not Channel.ROOM:
        fail(ErrorCode.INVALID, f"{person.name} joined online; only people in the hall are checked out")
    require_present(state, cmd.participant_id)
    holding = state.floor is not None and state.floor.participant_id == cmd.participant_id
    return [
        *(end_floor(state, now, by=actor.participant_id) if holding else []),
        InRoomCheckedOut(cmd.participant_id, actor.participant_id, now),
    ]


# ---------------------------------------------------------------- record


def commit_caption(state: MeetingState, actor: Actor, cmd: CommitCaption, now: float) -> list[Event]:
    """A final caption of a turn. It may arrive after the turn ended (recognition lags), so any past turn
    of this meeting is accepted, even once the meeting has closed — the last speaker's last words are
    flushed after ``MeetingClosed`` and must not be lost. The caption is filed under its turn's agenda
    item."""
    turn = state.turns.get(cmd.turn_id)
    if turn is None:
        fail(ErrorCode.NOT_FOUND, f"no turn {cmd.turn_id!r}")
    if turn.participant_id != cmd.participant_id:
        fail(ErrorCode.INVALID, f"turn {cmd.turn_id} belongs to {turn.participant_id!r}")
    if not 0 <= cmd.start <= cmd.end:
        fail(ErrorCode.INVALID, "a caption needs 0 <= start <= end")
    text = clean_text(cmd.text, "text", 1000)
    return [
        CaptionCommitted(
            cmd.turn_id,
            cmd.participant_id,
            turn.agenda_index,
            text,
            cmd.start,
            cmd.end,
            now,
            caption_id=caption_id(state.captions + 1),
        )
    ]


def mark_key_point(state: MeetingState, actor: Actor, cmd: MarkKeyPoint, now: float) -> list[Event]:
    require_open(state)
    if cmd.caption_seq is not None and cmd.caption_seq < 0:
        fail(ErrorCode.INVALID, "caption_seq must not be negative")
    text = clean_text(cmd.text, "text", 500)
    key_point_id = f"k{len(state.key_points) + 1}"
    return [
        KeyPointMarked(key_point_id, state.current_item, text, cmd.caption_seq, actor.participant_id, now)
    ]
