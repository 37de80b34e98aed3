"""Hand-made logs for the statistics tests: two communities, three meetings, a roster and topics, small
enough that every expected KPI is worked out by hand in the tests."""

from __future__ import annotations

import datetime as dt

from meeting_server.community.carryover_rules import ResolutionCarriedOver
from meeting_server.community.commands import RosterEntry
from meeting_server.community.events import PersonsAdded
from meeting_server.community.execution_commands import MemberKind
from meeting_server.community.execution_events import (
    ExecutionCompleted,
    ExecutionCreated,
    ExecutionRestarted,
    ExecutionStopped,
    Member,
    ProgressReported,
)
from meeting_server.community.topics_commands import TopicAuthor, TopicTriage
from meeting_server.community.topics_events import TopicAccepted, TopicMerged, TopicRejected, TopicSubmitted
from meeting_server.community.values import PersonFields
from meeting_server.core.events import (
    FloorExpired,
    FloorGranted,
    FloorYielded,
    InRoomCheckedIn,
    MeetingCreated,
    MeetingOpened,
    ParticipantJoined,
)
from meeting_server.core.minutes_events import (
    MinutesDrafted,
    MinutesPublished,
    ObjectionRaised,
    PublicityDecided,
    ResolutionFlaggedForRedeliberation,
)
from meeting_server.core.motion_events import MotionMoved, ResolutionRecorded, VoteClosed
from meeting_server.core.registry import Event
from meeting_server.core.roles import Role
from meeting_server.core.values import ByChannel, Channel, Counts, Level, MeetingSettings, Threshold

CHINA = dt.timezone(dt.timedelta(hours=8))
DAY = 86400.0


def ts(y: int, m: int, d: int) -> float:
    return dt.datetime(y, m, d, 19, 0, tzinfo=CHINA).timestamp()


T0 = ts(2026, 3, 10)


def person(name: str, birth_year: int | None = None, band: str = "") -> PersonFields:
    return PersonFields(name=name, building="1号楼", room="101", birth_year=birth_year, age_band=band)


def roster(at: float) -> list[Event]:
    # p1 born 1996 (30 in 2026: youth), p2 born 1960 (66), p3 band 30-39 (34.5: youth),
    # p4 band 40-49 (44.5: not youth), p5 no age at all.
    people = [
        ("p1", person("张一", 1996)),
        ("p2", person("李二", 1960)),
        ("p3", person("王三", band="30-39")),
        ("p4", person("赵四", band="40-49")),
        ("p5", person("钱五")),
    ]
    return [PersonsAdded(tuple(RosterEntry(pid, p) for pid, p in people), "", at)]


def topics(at: float) -> list[Event]:
    author = TopicAuthor("p:p1", "张一")
    triage = TopicTriage("环境")
    return [
        TopicSubmitted("t1", "加装电梯", "", (), author, triage, at),
        TopicSubmitted("t2", "停车难", "", (), author, triage, at + DAY),
        TopicSubmitted("t3", "停车位", "", (), author, triage, at + DAY),
        TopicSubmitted("t4", "广场舞噪音", "", (), author, triage, at + 2 * DAY),
        TopicAccepted("t1", "", "acct", at + 4 * DAY),  # 4 days
        TopicMerged("t3", "t2", (), "", "acct", at + 3 * DAY),  # 2 days
        TopicRejected("t4", "不属议事范围", "acct", at + 8 * DAY),  # 6 days; t2 stays open
    ]


A2 = ts(2026, 4, 14)


def execution(at: float) -> list[Event]:
    """Community A's execution records: e1 for a1's r1 (a report, stopped, restarted, done 70 days after
    the resolution), e2 for a2's r2 (one report saying it is blocked); r1 carried over to the next meeting."""
    member = Member("g1", "张一", MemberKind.REPRESENTATIVE, "p1")

    def created(rid: str, mid: str, res: str, when: float) -> ExecutionCreated:
        return ExecutionCreated(
            rid, mid, res, "决议", "", "物业", "2026-12-31", when + 200 * DAY, (member,), (), "acct", when
        )

    return [
        ResolutionCarriedOver("a1", "r1", "加装电梯", 2, 4, at + 7 * DAY),
        created("e1", "a1", "r1", at + 10 * DAY),
        ProgressReported("e1", "p1", "g1", "2026-04", "开工", (), False, at + 40 * DAY),
        ExecutionStopped("e1", "偷工减料", "g1", "张一", at + 50 * DAY),
        ExecutionRestarted("e1", "重新招标", "g1", "张一", at + 60 * DAY),
        ExecutionCompleted("e1", "验收", "g1", "张一", at + 70 * DAY),
        created("e2", "a2", "r2", A2 + 5 * DAY),
        ProgressReported("e2", "p2", "g1", "2026-05", "停工", (), True, A2 + 30 * DAY),
    ]


def meeting(community: str, at: float) -> list[Event]:
    return [
        MeetingCreated(
            "m",
            "议事会",
            Level.XIAOQU,
            "活动室",
            "2026-03-10T19:00+08:00",
            (),
            MeetingSettings(),
            at,
            community,
        ),
        MeetingOpened("mod", at),
    ]


def join(
    pid: str, person_id: str | None, channel: Channel = Channel.ONLINE, role: Role = Role.PARTICIPANT
) -> Event:
    return ParticipantJoined(pid, pid, role, channel, T0, person_id)


def turn(
    end: type[FloorYielded] | type[FloorExpired], tid: str, pid: str, spoken_s: float, at: float
) -> list[Event]:
    return [
        FloorGranted(tid, pid, 0, 0, 180.0, Channel.ONLINE, "mod", at),
        end(tid, pid, spoken_s, at + spoken_s),
    ]


def vote(motion_id: str, passed: bool) -> list[Event]:
    counts = ByChannel(Counts(3, 1, 0), Counts(0, 0, 0))
    return [
        MotionMoved(motion_id, 0, "mod", "动议", "", None, T0),
        VoteClosed(
            motion_id, counts, Counts(3, 1, 0), Threshold.MAJORITY_CAST, False, 4, 1, True, passed, "mod", T0
        ),
    ]


def meeting_a1() -> list[Event]:
    """Community A, first meeting: p1, p2 online, p3 checked in, a community-link resident u9 online, the
    moderator (not counted); p1 speaks 120 s + 60 s, p2 30 s, u9 90 s; two votes, one passed → one
    resolution, two objections to it, flagged."""
    return [
        *meeting("A", T0),
        join("mod", None, role=Role.MODERATOR),
        join("a", "p1"),
        join("b", "p2"),
        join("u9", None),
        InRoomCheckedIn("c", "王三", "1号楼", None, "rec", T0, "p3"),
        *turn(FloorYielded, "t1", "a", 120.0, T0),
        *turn(FloorExpired, "t2", "b", 30.0, T0),
        *turn(FloorYielded, "t3", "a", 60.0, T0),
        *turn(FloorYielded, "t4", "u9", 90.0, T0),
        *turn(FloorYielded, "t5", "mod", 500.0, T0),  # the chair: not a resident
        *vote("mo1", True),
        *vote("mo2", False),
        ResolutionRecorded("r1", "mo1", 0, "加装电梯", "", T0),
        MinutesDrafted(1, (), 16, "0" * 64, T0),
        MinutesPublished(1, "h", T0 + 7 * DAY, "rec", T0 + DAY),
        ObjectionRaised("r1", "a", "张一", "太吵", "a", T0 + 2 * DAY),
        ObjectionRaised("r1", "b", "李二", "太贵", "b", T0 + 2 * DAY),
        ResolutionFlaggedForRedeliberation("r1", 2, 4, 20, T0 + 7 * DAY),
        PublicityDecided(
            "r1", "redeliberate", 2, 4, 20, "加装电梯", T0 + 7 * DAY
        ),  # the same one: counted once
    ]


def meeting_a2() -> list[Event]:
    """Community A, a month later: p1 again (in the hall this time), p4, and u9 again (a community link:
    not known to be the same person, counted anew); p4 speaks 300 s."""
    at = A2
    return [
        *meeting("A", at),
        InRoomCheckedIn("x", "张一", "1号楼", None, "rec", at, "p1"),
        join("y", "p4"),
        join("u9", None),
        *turn(FloorYielded, "t1", "y", 300.0, at),
        *vote("mo1", True),
        ResolutionRecorded("r2", "mo1", 0, "停车", "", at),
        MinutesDrafted(1, (), 9, "0" * 64, at),
        MinutesPublished(1, "h", at + 7 * DAY, "rec", at),
        PublicityDecided("r2", "effective", 0, 3, 20, "停车", at + 7 * DAY),
    ]


def meeting_b1() -> list[Event]:
    """Community B: one online resident p5 (no age), 0 s spoken, no votes."""
    at = ts(2026, 4, 20)
    return [*meeting("B", at), join("z", "p5")]
