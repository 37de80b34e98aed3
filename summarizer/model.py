"""The minutes as data: a tree of frozen dataclasses built from a meeting's event log (``build.py``).

Every line that comes from the record carries where it came from: the sequence number of its event in the
log (``seq``) and, for speech, the time on the meeting's timeline (seconds since the meeting opened), so a
reader can check any line of the minutes against the record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt


@dataclasses.dataclass(frozen=True, slots=True)
class Header:
    meeting_id: str
    title: str
    level: str  # 小区 / 社区 / 街道
    date: dt.date
    place: str
    scheduled_at: str
    opened_at: float | None  # epoch seconds
    closed_at: float | None
    moderator: tuple[str, ...]
    timer: tuple[str, ...]
    recorder: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Attendance:
    """Residents (voters) who were present at some time, by channel; officers are listed in the header and
    列席 guests (who attend without a vote) apart, in ``guests``."""

    online: tuple[str, ...]
    room: tuple[str, ...]
    guests: tuple[str, ...]  # "王科长（街道办事处）"
    expected: int | None  # 应到人数, when the meeting set it
    quorum_min: int
    peak_present: int  # most voters present at once
    quorum_met: bool  # at the peak

    @property
    def attended(self) -> int:
        return len(self.online) + len(self.room)


@dataclasses.dataclass(frozen=True, slots=True)
class CaptionLine:
    """One committed caption of the transcript appendix."""

    seq: int
    turn_id: str
    speaker: str
    start: float  # meeting timeline, seconds
    end: float
    text: str
    agenda_index: int


@dataclasses.dataclass(frozen=True, slots=True)
class Speech:
    """One speaking turn, summarised."""

    turn_id: str
    participant_id: str
    speaker: str
    channel: str  # online / room
    guest: bool  # a 列席 guest (in the hall, no vote)
    listener: bool  # a 旁听 listener (no roster person: the name was typed, not checked)
    round: int  # 0 = outside any debate round
    start: float  # meeting timeline, seconds
    spoken_s: float
    ended: str  # yielded / revoked / expired / open
    summary: tuple[str, ...]  # one or two sentences, in the speaker's words
    first_caption_seq: int | None  # where the summary can be checked in the transcript
    captions: int

    @property
    def hit_limit(self) -> bool:
        return self.ended == "expired"


@dataclasses.dataclass(frozen=True, slots=True)
class VoteResult:
    motion_id: str
    # yes, no, abstain by channel; None for a secret per-person vote, whose choices are only in ``totals``
    online: tuple[int, int, int] | None
    room: tuple[int, int, int] | None
    totals: tuple[int, int, int]
    threshold: str  # label, e.g. 过半数（投票人）
    secret: bool
    present: int
    quorum_min: int
    quorum_met: bool
    passed: bool
    seq: int
    # The voting rule applied and its sums in words (core.vote_rules.result_text); "" for votes logged
    # before voting rules existed.
    rule_text: str = ""
    ballots: tuple[int, int] = (0, 0)  # ballots cast online, in the hall


@dataclasses.dataclass(frozen=True, slots=True)
class MotionEntry:
    motion_id: str
    title: str
    text: str  # as finally put (after amendments)
    mover: str
    seconder: str | None
    # The recorder who entered the move (the second) for an in-room resident without a device, if one did.
    mover_entered_by: str | None
    seconder_entered_by: str | None
    status: str  # label: 通过 / 未通过 / 撤回 / 未表决 …
    amendments: tuple[MotionEntry, ...]
    votes: tuple[VoteResult, ...]
    seq: int


@dataclasses.dataclass(frozen=True, slots=True)
class ResolutionEntry:
    resolution_id: str
    motion_id: str
    title: str
    text: str
    seq: int


@dataclasses.dataclass(frozen=True, slots=True)
class ActionItem:
    """Something someone is to do, as stated in a speech or a resolution."""

    text: str  # the sentence that states it
    owner: str | None
    due: dt.date | None
    due_text: str | None  # the phrase the due date was read from (下周五之前)
    source: str  # speaker's name, or "决议 r1"
    seq: int  # the caption or resolution event
    time: float | None  # meeting timeline, for speech


@dataclasses.dataclass(frozen=True, slots=True)
class OpenQuestion:
    text: str
    source: str
    seq: int
    time: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class KeyPointEntry:
    text: str
    by: str
    seq: int


@dataclasses.dataclass(frozen=True, slots=True)
class ItemMinutes:
    index: int
    title: str
    planned_minutes: int
    start: float | None  # meeting timeline; None if the item was never taken up
    duration_s: float
    keywords: tuple[str, ...]
    speeches: tuple[Speech, ...]
    motions: tuple[MotionEntry, ...]
    resolutions: tuple[ResolutionEntry, ...]
    actions: tuple[ActionItem, ...]
    questions: tuple[OpenQuestion, ...]
    key_points: tuple[KeyPointEntry, ...]
    topic_id: str = ""  # the residents' topic (议题征集) the item deliberates
    report_path: str = ""  # its timeline page, where the research report is (needs a community link)


@dataclasses.dataclass(frozen=True, slots=True)
class SpeakerStat:
    speaker: str
    channel: str
    turns: int
    spoken_s: float


@dataclasses.dataclass(frozen=True, slots=True)
class Statistics:
    speakers: tuple[SpeakerStat, ...]  # by speaking time, longest first
    online_speakers: int
    room_speakers: int
    online_spoken_s: float
    room_spoken_s: float
    item_durations: tuple[tuple[str, float], ...]  # (item title, seconds)
    limit_hits: tuple[tuple[str, str, str], ...]  # (speaker, item title, turn id) of FloorExpired turns
    turns: int
    captions: int


@dataclasses.dataclass(frozen=True, slots=True)
class Integrity:
    """Where in the log the minutes were drawn from: anyone can recompute the chain up to ``head_hash``."""

    closed_seq: int | None  # the MeetingClosed event
    closed_hash: str | None
    head_seq: int  # the last event read (late captions included)
    head_hash: str


@dataclasses.dataclass(frozen=True, slots=True)
class Minutes:
    header: Header
    attendance: Attendance
    items: tuple[ItemMinutes, ...]
    statistics: Statistics
    integrity: Integrity
    transcript: tuple[CaptionLine, ...]
    unassigned_actions: tuple[ActionItem, ...] = ()
