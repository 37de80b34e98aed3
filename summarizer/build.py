"""Records of a meeting's log → ``Minutes``. Pure: reads the records it is given, nothing else.

The state comes from the rules' own ``fold`` and the transcript from ``meeting_server.transcript``, so the
minutes can never disagree with what the server decided or with the captions export. What the folded
state forgets (how each turn ended, when each item ran, which event number recorded a vote) is read
from the events in order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from typing import Protocol, TypeVar

from meeting_server.core.events import (
    AgendaItemStarted,
    FloorExpired,
    FloorRevoked,
    FloorYielded,
    InRoomCheckedIn,
    InRoomCheckedOut,
    KeyPointMarked,
    MeetingClosed,
    ParticipantJoined,
    ParticipantLeft,
)
from meeting_server.core.evolve import fold
from meeting_server.core.motion_events import MotionMoved, ResolutionRecorded, VoteCancelled, VoteClosed
from meeting_server.core.presence import ParticipantDisconnected, ParticipantReconnected
from meeting_server.core.registry import Event, load_event
from meeting_server.core.roles import Role
from meeting_server.core.state import MeetingState
from meeting_server.core.values import Channel, MotionStatus
from meeting_server.store.records import EventRecord
from meeting_server.transcript import transcript

from . import extractive
from .actions import find_action
from .model import (
    ActionItem,
    Attendance,
    CaptionLine,
    Header,
    Integrity,
    ItemMinutes,
    KeyPointEntry,
    Minutes,
    OpenQuestion,
    ResolutionEntry,
    Speech,
)
from .motion_minutes import motion_entry, motion_status
from .speaking import speaking_statistics

CHINA = dt.timezone(dt.timedelta(hours=8))
MAX_ACTIONS = 20  # per agenda item: the minutes stay readable (and editable in one message)
MAX_QUESTIONS = 10
T = TypeVar("T")


def _unique(items: Sequence[T], key: Callable[[T], Hashable], limit: int) -> tuple[T, ...]:
    """The first occurrence of each item (people repeat themselves), at most ``limit`` of them."""
    seen: set[Hashable] = set()
    out: list[T] = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return tuple(out[:limit])


class TurnSummarizer(Protocol):
    """Summaries of the turns of one agenda item: for each turn (its sentences), one or two sentences."""

    def summarize(self, turns: Sequence[Sequence[str]]) -> list[tuple[str, ...]]: ...


class Extractive:
    """The default summariser: TextRank over the item's sentences (``extractive.summarize_turns``)."""

    def summarize(self, turns: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
        return extractive.summarize_turns(turns)


@dataclasses.dataclass
class _Walk:
    """What the events say beyond the folded state, gathered in one pass."""

    ended: dict[str, str] = dataclasses.field(default_factory=dict)  # turn → yielded/revoked/expired
    item_spans: dict[int, list[tuple[float, float | None]]] = dataclasses.field(default_factory=dict)
    motion_seq: dict[str, int] = dataclasses.field(default_factory=dict)
    vote_seq: list[int] = dataclasses.field(default_factory=list)  # parallel to state.results
    cancelled: dict[str, int] = dataclasses.field(default_factory=dict)
    resolution_seq: dict[str, int] = dataclasses.field(default_factory=dict)
    key_point_seq: dict[str, int] = dataclasses.field(default_factory=dict)
    attended: dict[str, None] = dataclasses.field(default_factory=dict)  # voters ever present, in order
    peak_present: int = 0
    closed: tuple[int, str] | None = None


def _walk(state: MeetingState, records: Sequence[EventRecord], events: Sequence[Event]) -> _Walk:
    w = _Walk()
    present: set[str] = set()
    current: int | None = None
    for record, ev in zip(records, events, strict=True):
        match ev:
            case FloorYielded() | FloorRevoked() | FloorExpired():
                w.ended[ev.turn_id] = {FloorYielded: "yielded", FloorRevoked: "revoked"}.get(
                    type(ev), "expired"
                )
            case AgendaItemStarted():
                if current is not None:
                    _end_span(w, current, ev.at)
                w.item_spans.setdefault(ev.index, []).append((ev.at, None))
                current = ev.index
            case MeetingClosed():
                if current is not None:
                    _end_span(w, current, ev.at)
                w.closed = (record.seq, record.hash)
            case MotionMoved():
                w.motion_seq[ev.motion_id] = record.seq
            case VoteClosed():
                w.vote_seq.append(record.seq)
            case VoteCancelled():
                w.cancelled[ev.motion_id] = record.seq
            case ResolutionRecorded():
                w.resolution_seq[ev.resolution_id] = record.seq
            case KeyPointMarked():
                w.key_point_seq[ev.key_point_id] = record.seq
            case ParticipantJoined() | InRoomCheckedIn():
                person = state.participants.get(ev.participant_id)
                if person is not None and person.is_voter:
                    present.add(ev.participant_id)
                    w.attended.setdefault(ev.participant_id)
                    w.peak_present = max(w.peak_present, len(present))
            case ParticipantReconnected():
                if ev.participant_id in w.attended:
                    present.add(ev.participant_id)
                    w.peak_present = max(w.peak_present, len(present))
            case ParticipantLeft() | InRoomCheckedOut() | ParticipantDisconnected():
                present.discard(ev.participant_id)
            case _:
                pass
    return w


def _end_span(w: _Walk, index: int, at: float) -> None:
    spans = w.item_spans[index]
    if spans and spans[-1][1] is None:
        spans[-1] = (spans[-1][0], at)


def meeting_date(state: MeetingState) -> dt.date:
    """The day the meeting was held, in the time zone of its scheduled time (China time by default)."""
    tz: dt.tzinfo = CHINA
    try:
        parsed = dt.datetime.fromisoformat(state.scheduled_at)
        if parsed.tzinfo is not None:
            tz = parsed.tzinfo
    except ValueError:
        pass
    return dt.datetime.fromtimestamp(state.opened_at or state.created_at, tz).date()


def build_minutes(records: Sequence[EventRecord], summarizer: TurnSummarizer | None = None) -> Minutes:
    """The minutes of the meeting whose log is ``records`` (in sequence order, from the first event)."""
    if not records:
        raise ValueError("an empty log has no minutes")
    events = [load_event(r.type, r.payload) for r in records]
    state = fold(events)
    assert state is not None
    walk = _walk(state, records, events)
    origin = state.opened_at or state.created_at
    names = {pid: p.name for pid, p in state.participants.items()}
    today = meeting_date(state)
    lines = tuple(
        CaptionLine(c["seq"], c["turn_id"], c["speaker"], c["start"], c["end"], c["text"], 0)
        for c in transcript(records)
    )
    turn_item = {t.turn_id: t.agenda_index for t in state.turns.values()}
    lines = tuple(dataclasses.replace(c, agenda_index=turn_item.get(c.turn_id, 0)) for c in lines)
    summarizer = summarizer or Extractive()

    by_turn: dict[str, list[CaptionLine]] = {}
    for line in lines:
        by_turn.setdefault(line.turn_id, []).append(line)
    items = tuple(
        _item(i, state, walk, by_turn, names, origin, today, summarizer) for i in range(len(state.agenda))
    )
    return Minutes(
        header=_header(state, today),
        attendance=_attendance(state, walk),
        items=items,
        statistics=speaking_statistics(items, lines),
        integrity=Integrity(
            closed_seq=walk.closed[0] if walk.closed else None,
            closed_hash=walk.closed[1] if walk.closed else None,
            head_seq=records[-1].seq,
            head_hash=records[-1].hash,
        ),
        transcript=lines,
    )


def _header(state: MeetingState, today: dt.date) -> Header:
    def officers(role: Role) -> tuple[str, ...]:
        return tuple(p.name for p in state.participants.values() if p.role is role)

    return Header(
        meeting_id=state.meeting_id,
        title=state.title,
        level=state.level.label,
        date=today,
        place=state.place,
        scheduled_at=state.scheduled_at,
        opened_at=state.opened_at,
        closed_at=state.closed_at,
        moderator=officers(Role.MODERATOR),
        timer=officers(Role.TIMER),
        recorder=officers(Role.RECORDER),
    )


def _attendance(state: MeetingState, walk: _Walk) -> Attendance:
    def label(pid: str) -> str:
        p = state.participants[pid]
        where = "".join(x for x in (p.building, p.unit) if x)
        return f"{p.name}（{where}）" if where else p.name

    online = tuple(label(pid) for pid in walk.attended if state.participants[pid].channel is Channel.ONLINE)
    room = tuple(label(pid) for pid in walk.attended if state.participants[pid].channel is Channel.ROOM)
    guests = tuple(
        f"{p.name}（{p.organisation}）" if p.organisation else p.name
        for p in state.participants.values()
        if p.role is Role.GUEST
    )
    return Attendance(
        online=online,
        room=room,
        guests=guests,
        expected=state.settings.expected_members,
        quorum_min=state.quorum_min,
        peak_present=walk.peak_present,
        quorum_met=walk.peak_present >= state.quorum_min,
    )


def _item(
    index: int,
    state: MeetingState,
    walk: _Walk,
    by_turn: dict[str, list[CaptionLine]],
    names: dict[str, str],
    origin: float,
    today: dt.date,
    summarizer: TurnSummarizer,
) -> ItemMinutes:
    spec = state.agenda[index]
    spans = walk.item_spans.get(index, [])
    end_of_meeting = state.closed_at or origin
    duration = sum((end if end is not None else end_of_meeting) - start for start, end in spans)
    turns = sorted((t for t in state.turns.values() if t.agenda_index == index), key=lambda t: t.granted_at)
    captions = {t.turn_id: by_turn.get(t.turn_id, []) for t in turns}
    sentences = [[s for c in captions[t.turn_id] for s in extractive.split_sentences(c.text)] for t in turns]
    summaries = summarizer.summarize(sentences) if turns else []
    speeches = []
    actions: list[ActionItem] = []
    questions: list[OpenQuestion] = []
    for turn, summary in zip(turns, summaries, strict=True):
        person = state.participants.get(turn.participant_id)
        speaker = names.get(turn.participant_id, turn.participant_id)
        own = captions[turn.turn_id]
        speeches.append(
            Speech(
                turn_id=turn.turn_id,
                participant_id=turn.participant_id,
                speaker=speaker,
                channel=person.channel.value if person else "online",
                guest=person is not None and person.role is Role.GUEST,
                listener=person is not None and person.listener,
                round=turn.round,
                start=round(turn.granted_at - origin, 3),
                spoken_s=turn.spoken_s or 0.0,
                ended=walk.ended.get(turn.turn_id, "open"),
                summary=summary,
                first_caption_seq=own[0].seq if own else None,
                captions=len(own),
            )
        )
        for caption in own:
            for sentence in extractive.split_sentences(caption.text):
                found = find_action(sentence, today, speaker)
                if found is not None:
                    actions.append(
                        ActionItem(
                            found.sentence,
                            found.owner,
                            found.due.date if found.due else None,
                            found.due.text if found.due else None,
                            speaker,
                            caption.seq,
                            caption.start,
                        )
                    )
                elif sentence.endswith(("？", "?")):
                    questions.append(OpenQuestion(sentence, speaker, caption.seq, caption.start))
    motions = tuple(
        motion_entry(m, state, names, walk.vote_seq, walk.motion_seq, walk.cancelled)
        for m in state.motions.values()
        if m.agenda_index == index and m.parent_id is None
    )
    resolutions = tuple(
        ResolutionEntry(r.resolution_id, r.motion_id, r.title, r.text, walk.resolution_seq[r.resolution_id])
        for r in state.resolutions
        if r.agenda_index == index
    )
    for r in resolutions:
        for sentence in extractive.split_sentences(r.text):
            found = find_action(sentence, today)
            if found is not None:
                due = found.due
                actions.append(
                    ActionItem(
                        found.sentence,
                        found.owner,
                        due.date if due else None,
                        due.text if due else None,
                        f"决议 {r.resolution_id}",
                        r.seq,
                        None,
                    )
                )
    for m in state.motions.values():
        if m.agenda_index == index and m.status in (MotionStatus.MOVED, MotionStatus.SECONDED):
            why = motion_status(m, walk.cancelled)
            questions.append(
                OpenQuestion(
                    f"提案《{m.title}》{why}，待下次会议处理。", "提案", walk.motion_seq[m.motion_id], None
                )
            )
    item_captions = [c.text for t in turns for c in captions[t.turn_id]]
    return ItemMinutes(
        index=index,
        title=spec.title,
        planned_minutes=spec.planned_minutes,
        start=round(spans[0][0] - origin, 3) if spans else None,
        duration_s=round(duration, 3),
        keywords=tuple(extractive.keywords(item_captions, 5)),
        speeches=tuple(speeches),
        motions=motions,
        resolutions=resolutions,
        actions=_unique(actions, lambda a: (a.owner, a.due, a.text), MAX_ACTIONS),
        questions=_unique(questions, lambda q: q.text, MAX_QUESTIONS),
        key_points=tuple(
            KeyPointEntry(k.text, names.get(k.by, k.by), walk.key_point_seq[k.key_point_id])
            for k in state.key_points
            if k.agenda_index == index
        ),
        topic_id=spec.topic_id,
        report_path=f"/c/{state.community_id}/topics/{spec.topic_id}"
        if spec.topic_id and state.community_id
        else "",
    )
