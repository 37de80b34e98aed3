"""Time to a draft of the minutes for a synthetic 2-hour meeting (≈40 turns, ≈2,000 caption lines).

The log is made through the real rules (decide → hash-chained records → evolve): four agenda items, ten
turns each in debate rounds (some cut off by the 3-minute clock), a motion with an amendment and votes on
both channels per item, 50 captions a turn drawn from real council sentences. Then the draft is built as
the server does on close (fold + transcript + extractive summaries + action items → markdown sections),
and, for reference, the PDF and DOCX are rendered.

    .venv/bin/python bench/minutes.py [--turns 40] [--captions 50]

Prints one JSON line: {"bench": "minutes", "turns": …, "captions": …, "draft_s": …, …}. Goal: draft ≤ 10 s.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meeting_server.core.commands import (
    AmendMotion,
    CastVote,
    CheckInInRoom,
    CloseMeeting,
    CloseRound,
    CloseVote,
    CommitCaption,
    CreateMeeting,
    GrantFloor,
    JoinMeeting,
    MoveMotion,
    OpenMeeting,
    OpenRound,
    OpenVote,
    RecordShowOfHands,
    SecondMotion,
    StartAgendaItem,
    StartClock,
    Tick,
    YieldFloor,
)
from meeting_server.core.decide import decide
from meeting_server.core.evolve import evolve
from meeting_server.core.payload import to_payload
from meeting_server.core.registry import Command
from meeting_server.core.roles import Actor, Role
from meeting_server.core.state import MeetingState
from meeting_server.core.values import AgendaItemSpec, Choice, Level, MeetingSettings
from meeting_server.store.records import GENESIS_HASH, EventRecord, make_record

SENTENCES = [
    line.split("\t")[1]
    for line in (Path(__file__).resolve().parents[1] / "tests/data/speech/manifest.tsv")
    .read_text("utf-8")
    .splitlines()
    if "\t" in line
] + [
    "我是三号楼二单元的居民，我家住在六楼，每天上下楼非常困难。",
    "低楼层的住户担心电梯会影响采光，这个顾虑可以理解。",
    "电梯公司提出用玻璃幕墙，可以减少百分之七十的采光影响。",
    "这件事由物业公司负责，下周五之前完成整改。",
    "年轻人下班比较晚，能不能把议事会安排在周末？",
    "我反对这个方案，因为收费标准太高了。",
    "我同意前面几位代表的意见，但是希望能分期实施。",
    "监督小组每个月向议事会报告一次执行进展。",
    "商业街的烧烤店晚上十点以后必须停止营业。",
    "请业委会在12月15日之前把账目公示出来。",
]
ITEMS = ("东门增设临时停车位", "老旧小区加装电梯方案", "商业街夜间噪音治理", "社区食堂选址")


class Log:
    def __init__(self, t0: float) -> None:
        self.now = t0
        self.state: MeetingState | None = None
        self.records: list[EventRecord] = []

    def do(self, actor: Actor, cmd: Command) -> None:
        for ev in decide(self.state, actor, cmd, self.now):
            prev = self.records[-1].hash if self.records else GENESIS_HASH
            rec = make_record(
                "bench", len(self.records) + 1, self.now, actor.participant_id, actor.role.value, ev.name,
                to_payload(ev), prev,
            )  # fmt: skip
            self.records.append(rec)
            self.state = evolve(self.state, ev)


def synthetic_meeting(turns: int, captions_per_turn: int, seed: int = 7) -> list[EventRecord]:
    rng = random.Random(seed)
    log = Log(1796122800.0)
    mod, tim, rec, system = (
        Actor("mod", Role.MODERATOR), Actor("tim", Role.TIMER), Actor("rec", Role.RECORDER), Actor.system()
    )  # fmt: skip
    agenda = tuple(AgendaItemSpec(t, 30) for t in ITEMS)
    spec = CreateMeeting(
        "bench", "幸福里社区居民议事会", Level.SHEQU, "社区活动中心", "2026-12-01T19:00+08:00", agenda,
        MeetingSettings(expected_members=30),
    )  # fmt: skip
    log.do(system, spec)
    for actor, name in ((mod, "主持人"), (tim, "计时员"), (rec, "记录员")):
        log.do(actor, JoinMeeting(name=name))
    residents = [Actor(f"p{i}", Role.PARTICIPANT) for i in range(1, 13)]
    for i, r in enumerate(residents, 1):
        log.do(r, JoinMeeting(name=f"居民{i:02d}"))
    for i in range(1, 9):
        log.do(rec, CheckInInRoom(name=f"现场居民{i}", building=f"{i}号楼"))
    room = [f"room-{i}" for i in range(1, 9)]
    log.do(mod, OpenMeeting())
    per_item = max(1, turns // len(ITEMS))
    motion = 0
    for index in range(len(ITEMS)):
        log.now += 30
        log.do(mod, StartAgendaItem(index))
        log.do(mod, OpenRound())
        for n in range(per_item):
            speaker = (residents + [Actor(r, Role.PARTICIPANT) for r in room])[(index * per_item + n) % 20]
            log.do(mod, GrantFloor(speaker.participant_id))
            log.do(tim, StartClock())
            turn_id = f"t{len(log.state.turns)}" if log.state else "t1"
            t = 0.0
            for _ in range(captions_per_turn):
                text = rng.choice(SENTENCES)
                d = 1.0 + len(text) * 0.16
                caption = CommitCaption(turn_id, speaker.participant_id, text, round(t, 3), round(t + d, 3))
                log.do(system, caption)
                t += d + 0.3
            if n % 4 == 3:  # every fourth speaker runs out of time
                log.now += 151
                log.do(system, Tick())
                log.now += 29
                log.do(system, Tick())
            else:
                log.now += min(170.0, t)
                log.do(speaker, YieldFloor())
            if n == 4:
                log.do(mod, CloseRound())
                log.do(mod, OpenRound())
        log.do(mod, CloseRound())
        mover, seconder = residents[index], residents[index + 1]
        text = f"同意{ITEMS[index]}，由物业公司负责，本月底前完成。"
        log.do(mover, MoveMotion(f"{ITEMS[index]}方案", text))
        motion += 1
        main = f"m{motion}"
        log.do(seconder, SecondMotion(main))
        log.do(residents[index + 2], AmendMotion(main, f"同意{ITEMS[index]}，分两期实施，由物业公司负责。"))
        motion += 1
        log.do(seconder, SecondMotion(f"m{motion}"))
        for m in (f"m{motion}", main):
            log.do(mod, OpenVote(m))
            for r in residents:
                log.do(r, CastVote(m, rng.choice((Choice.YES, Choice.YES, Choice.NO, Choice.ABSTAIN))))
            log.do(rec, RecordShowOfHands(m, 5, 2, 1))
            log.do(mod, CloseVote(m))
    log.now += 60
    log.do(mod, CloseMeeting())
    return log.records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--captions", type=int, default=50, help="captions per turn")
    args = parser.parse_args()
    records = synthetic_meeting(args.turns, args.captions)

    from summarizer.build import build_minutes
    from summarizer.document import load_document
    from summarizer.draft import sections
    from summarizer.extractive import warm_up
    from summarizer.render_docx import render_docx
    from summarizer.render_pdf import render_pdf

    t0 = time.perf_counter()
    warm_up()  # jieba's dictionary: loaded once per server process, counted here as a cold start would
    warm = time.perf_counter() - t0
    t1 = time.perf_counter()
    minutes = build_minutes(records)
    draft = sections(minutes)
    draft_s = time.perf_counter() - t1
    doc = load_document(records)
    t2 = time.perf_counter()
    pdf = render_pdf(doc)
    pdf_s = time.perf_counter() - t2
    t3 = time.perf_counter()
    render_docx(doc)
    docx_s = time.perf_counter() - t3
    opened, closed = records[0].ts, records[-1].ts
    print(
        json.dumps(
            {
                "bench": "minutes",
                "turns": minutes.statistics.turns,
                "captions": minutes.statistics.captions,
                "meeting_h": round((closed - opened) / 3600, 2),
                "events": len(records),
                "draft_s": round(draft_s, 2),
                "cold_start_s": round(warm + draft_s, 2),
                "draft_chars": sum(len(f.value) for s in draft for e in s.entries for f in e.fields),
                "pdf_s": round(pdf_s, 2),
                "pdf_kb": round(len(pdf) / 1024),
                "docx_s": round(docx_s, 2),
                "goal_s": 10,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
