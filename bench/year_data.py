"""A synthetic year of one street as real events: 20 communities, 300 meetings, 3,000 topics and 600
resolutions (deterministic: the same seed writes the same log). Used by ``bench/year.py``.

Each community has a roster (birth years for most, an age band only for some, neither for a few), its
topics (submitted through the year; accepted, merged, rejected or still open), execution records of its
resolutions (done, blocked, stopped and restarted), and its meetings (residents online and in the hall,
speaking turns, votes, resolutions, minutes published, objections, 公示 outcomes, now and then a
re-deliberation). Written with the writer's own ``chain_records``, so every stream is a valid hash chain.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

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
    MeetingClosed,
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
from meeting_server.core.values import (
    AgendaItemSpec,
    ByChannel,
    Channel,
    Counts,
    Level,
    MeetingSettings,
    Threshold,
)

CHINA = dt.timezone(dt.timedelta(hours=8))
YEAR_START = dt.datetime(2026, 1, 1, tzinfo=CHINA).timestamp()
DAY = 86400.0
COMMUNITIES = 20
MEETINGS = 300
TOPICS = 3000
RESOLUTIONS = 600
ROSTER = 300  # persons per community
BANDS = ("18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+")


def _roster(rng: random.Random, cid: str) -> list[tuple[str, PersonFields]]:
    people = []
    for i in range(ROSTER):
        kind = rng.random()
        birth = rng.randint(1940, 2006) if kind < 0.8 else None
        band = rng.choice(BANDS) if 0.8 <= kind < 0.95 else ""
        person = PersonFields(
            name=f"居民{i}",
            building=f"{i % 12 + 1}号楼",
            room=f"{i % 30 + 101}",
            birth_year=birth,
            age_band=band,
        )
        people.append((f"{cid}p{i}", person))
    return people


def community_stream(rng: random.Random, cid: str) -> tuple[list[Event], list[str]]:
    """The roster and the topics of one community (TOPICS / COMMUNITIES of them); its person ids."""
    people = _roster(rng, cid)
    events: list[Event] = [
        PersonsAdded(tuple(RosterEntry(pid, p) for pid, p in people[i : i + 200]), "roster.xlsx", YEAR_START)
        for i in range(0, len(people), 200)
    ]
    ids = [pid for pid, _ in people]
    events += executions(rng, cid)
    per = TOPICS // COMMUNITIES
    submitted = sorted(YEAR_START + rng.uniform(0, 360) * DAY for _ in range(per))
    decisions: list[tuple[float, Event]] = []
    for n, at in enumerate(submitted):
        tid = f"t{n + 1}"
        author = TopicAuthor(f"p:{rng.choice(ids)}", "居民")
        events.append(TopicSubmitted(tid, f"议题{n + 1}", "", (), author, TopicTriage("环境"), at))
        roll, later = rng.random(), at + rng.uniform(1, 30) * DAY
        if roll < 0.4:
            decisions.append((later, TopicAccepted(tid, "", "staff", later)))
        elif roll < 0.55 and n > 0:
            decisions.append((later, TopicMerged(tid, "t1", (), "", "staff", later)))
        elif roll < 0.8:
            decisions.append((later, TopicRejected(tid, "不属议事范围", "staff", later)))
    # decisions are written after all submissions (their order within the stream is what the fold needs)
    events += [ev for _, ev in sorted(decisions, key=lambda d: d[0])]
    return events, ids


def meeting_stream(rng: random.Random, mid: str, cid: str, people: list[str], at: float) -> list[Event]:
    """One meeting: 20–60 residents, 10–30 turns, RESOLUTIONS / MEETINGS passed votes and one failed."""
    events: list[Event] = [
        MeetingCreated(
            mid,
            "居民议事会",
            Level.XIAOQU,
            "活动室",
            "",
            (AgendaItemSpec("议题"),),
            MeetingSettings(),
            at,
            cid,
        ),
        MeetingOpened("mod", at),
        ParticipantJoined("mod", "主持人", Role.MODERATOR, Channel.ONLINE, at),
    ]
    present = rng.sample(people, rng.randint(20, 60))
    for k, pid in enumerate(present):
        if rng.random() < 0.35:
            events.append(InRoomCheckedIn(f"r{k}", "居民", "1号楼", None, "rec", at + k, pid))
        else:
            events.append(ParticipantJoined(f"o{k}", "居民", Role.PARTICIPANT, Channel.ONLINE, at + k, pid))
    speakers = [f"r{k}" if isinstance(e, InRoomCheckedIn) else f"o{k}" for k, e in enumerate(events[3:])]
    t = at + 600
    for n in range(rng.randint(10, 30)):
        who = rng.choice(speakers)
        spoken = rng.uniform(20, 180)
        events.append(FloorGranted(f"turn{n}", who, 0, 0, 180.0, Channel.ONLINE, "mod", t))
        ended = FloorExpired if spoken > 175 else FloorYielded
        events.append(ended(f"turn{n}", who, round(spoken, 1), t + spoken))
        t += spoken + 5
    for n in range(RESOLUTIONS // MEETINGS + 1):
        passed = n < RESOLUTIONS // MEETINGS
        yes = len(present) * 2 // 3 if passed else len(present) // 4
        events.append(MotionMoved(f"mo{n}", 0, "mod", f"动议{n}", "", None, t))
        counts = Counts(yes, len(present) - yes, 0)
        events.append(
            VoteClosed(
                f"mo{n}",
                ByChannel(counts, Counts()),
                counts,
                Threshold.MAJORITY_CAST,
                False,
                len(present),
                1,
                True,
                passed,
                "mod",
                t + 60,
            )
        )
        if passed:
            events.append(ResolutionRecorded(f"res{n}", f"mo{n}", 0, f"决议{n}", "", t + 61))
        t += 120
    events.append(MeetingClosed("mod", t))
    events.append(MinutesDrafted(1, (), len(events), "0" * 64, t + 60))
    events.append(MinutesPublished(1, "0" * 64, t + 8 * DAY, "rec", t + DAY))
    redeliberate = False
    if rng.random() < 0.3:
        for k in range(rng.randint(1, 4)):
            events.append(ObjectionRaised("res0", speakers[k], "居民", "有异议", speakers[k], t + 2 * DAY))
        if rng.random() < 0.3:
            redeliberate = True
            events.append(ResolutionFlaggedForRedeliberation("res0", 4, len(present), 20, t + 8 * DAY))
    for n in range(RESOLUTIONS // MEETINGS):
        outcome = "redeliberate" if redeliberate and n == 0 else "effective"
        events.append(PublicityDecided(f"res{n}", outcome, 0, len(present), 20, f"决议{n}", t + 8 * DAY))
    return events


def executions(rng: random.Random, cid: str) -> list[Event]:
    """An execution record for most resolutions of the community's meetings: some done, some blocked, now
    and then stopped and restarted (the 绿化 story)."""
    member = Member("g1", "居民代表", MemberKind.REPRESENTATIVE, f"{cid}p0")
    out: list[Event] = []
    for n in range(MEETINGS // COMMUNITIES):
        at = YEAR_START + (n * 24 + 12) * DAY
        for k in range(RESOLUTIONS // MEETINGS):
            if rng.random() < 0.1:
                continue  # no record (yet)
            rid = f"{cid}-m{n}-e{k}"
            out.append(
                ExecutionCreated(
                    rid,
                    f"{cid}-m{n}",
                    f"res{k}",
                    f"决议{k}",
                    "",
                    "物业",
                    "",
                    at + 90 * DAY,
                    (member,),
                    (),
                    "staff",
                    at,
                )
            )
            roll = rng.random()
            out.append(ProgressReported(rid, f"{rid}-r1", "g1", "", "进展", (), roll < 0.1, at + 30 * DAY))
            if roll < 0.05:
                out.append(ExecutionStopped(rid, "偷工减料", "g1", "居民代表", at + 40 * DAY))
                out.append(ExecutionRestarted(rid, "重新招标", "g1", "居民代表", at + 50 * DAY))
            if roll > 0.4:
                out.append(ExecutionCompleted(rid, "验收", "g1", "居民代表", at + rng.uniform(20, 120) * DAY))
    return out


def year(communities: list[str], seed: int = 2026) -> Iterator[tuple[str, list[Event]]]:
    """(stream id, events) of every stream of the ``communities`` (their ids, COMMUNITIES of them): each
    community's roster and topics, then every meeting."""
    assert len(communities) == COMMUNITIES
    rng = random.Random(seed)
    people: dict[str, list[str]] = {}
    for cid in communities:
        events, ids = community_stream(rng, cid)
        people[cid] = ids
        yield f"community:{cid}", events
    per = MEETINGS // COMMUNITIES
    for cid in communities:
        for n in range(per):
            at = YEAR_START + (n * 24 + rng.uniform(0, 10)) * DAY
            yield f"{cid}-m{n}", meeting_stream(rng, f"{cid}-m{n}", cid, people[cid], at)
