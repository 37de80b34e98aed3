"""A scripted council meeting whose captions are real Whisper output of real speech clips.

The clips are transcribed once per test session by the ASR engine (``asr.offline.transcribe_pcm``, the
bundled model) and committed with ``CommitCaption`` by the system actor into the speaker's turn, as the
audio path does. Transcriptions are kept in pytest's cache (keyed by the clip's bytes), so re-runs on a
developer machine skip the model; a fresh checkout (CI) transcribes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
    MarkKeyPoint,
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
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import AgendaItemSpec, Choice, Level, MeetingSettings, Threshold

from .driver import LogDriver

DATA = Path(__file__).resolve().parent / "data"
SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"

MOD, TIM, REC, SYS = (
    Actor("mod", Role.MODERATOR),
    Actor("tim", Role.TIMER),
    Actor("rec", Role.RECORDER),
    Actor.system(),
)
WANG, LI, ZHAO, ZHANG = (Actor(p, Role.PARTICIPANT) for p in ("p-wang", "p-li", "p-zhao", "p-zhang"))
NAMES = {
    "p-wang": "王阿姨",
    "p-li": "李师傅",
    "p-zhao": "赵同学",
    "p-zhang": "张先生",
    "room-1": "刘大爷",
    "room-2": "孙奶奶",
}
# Who says which clips, turn by turn.
TURNS: dict[str, tuple[str, ...]] = {
    "t1": ("c01", "c35"),  # 王阿姨: 东门增设临时停车位… 能不能把议事会安排在周末？
    "t2": ("c41",),  # 刘大爷 (hall microphone): 我反对这个方案… — runs out of time
    "t3": ("c42", "c39"),  # 李师傅: …分期实施。这件事由物业公司负责，下周五之前完成整改。
    "t4": ("c14", "c16"),  # 张先生: 六楼上下楼困难… 玻璃幕墙…
    "t5": ("c15",),  # 孙奶奶 (hall): 低楼层的住户担心采光…
    "t6": ("c07", "c28"),  # 赵同学: 更换老旧电梯… 监督小组每个月报告… (the last caption comes after closing)
}
RESOLUTION_TEXT = "在东门增设二十个临时停车位，由物业公司负责划线，本月底前完成。"


def _clip(name: str) -> Path:
    for folder in (DATA, SPEECH):
        if (folder / f"{name}.wav").exists():
            return folder / f"{name}.wav"
    raise FileNotFoundError(name)


def reference(name: str) -> str:
    for folder in (DATA, SPEECH):
        manifest = folder / "manifest.tsv"
        for line in manifest.read_text("utf-8").splitlines():
            file, _, text = line.partition("\t")
            if file == f"{name}.wav":
                return text
    raise KeyError(name)


@pytest.fixture(scope="session")
def asr_captions(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[tuple[str, float, float]]]:
    """clip → [(text, start, end)], Whisper's captions of each clip (times within the clip)."""
    clips = sorted({c for turn in TURNS.values() for c in turn})
    out: dict[str, list[tuple[str, float, float]]] = {}
    missing = []
    for clip in clips:
        key = "summarizer/asr/" + hashlib.sha256(_clip(clip).read_bytes()).hexdigest()[:16]
        cached: Any = request.config.cache.get(key, None)
        if cached is not None:
            out[clip] = [(t, float(s), float(e)) for t, s, e in cached]
        else:
            missing.append((clip, key))
    if missing:
        from asr.audio import load_audio
        from asr.engine import WhisperEngine
        from asr.offline import transcribe_pcm
        from asr.settings import AsrSettings

        engine = WhisperEngine(AsrSettings(model_cache_dir=str(tmp_path_factory.mktemp("whisper-base"))))
        for clip, key in missing:
            caps = transcribe_pcm(engine, load_audio(_clip(clip)))
            out[clip] = [(c.text, c.start, c.end) for c in caps]
            request.config.cache.set(key, [list(x) for x in out[clip]])
    return out


def _speak(d: LogDriver, turn_id: str, pid: str, asr: dict[str, list[tuple[str, float, float]]]) -> float:
    """Commit the turn's captions (times relative to the turn's audio); returns the audio length."""
    t = 0.0
    for clip in TURNS[turn_id]:
        for text, start, end in asr[clip]:
            d.do(SYS, CommitCaption(turn_id, pid, text, round(t + start, 3), round(t + end, 3)))
        t += (max((e for _, _, e in asr[clip]), default=0.0)) + 0.5
    return t


def scripted_meeting(asr: dict[str, list[tuple[str, float, float]]]) -> LogDriver:
    """Two agenda items, six speakers (four online, two in the hall), one round, an amendment, three votes
    with both channels, one resolution, a key point, a turn cut off by the clock, a late caption."""
    d = LogDriver()
    d.do(
        SYS,
        CreateMeeting(
            meeting_id="mtg-1",
            title="阳光新城居民议事会",
            level=Level.XIAOQU,
            place="阳光新城社区活动中心",
            scheduled_at="2026-12-01T19:00+08:00",
            agenda=(AgendaItemSpec("东门增设临时停车位", 20), AgendaItemSpec("老旧小区加装电梯方案", 30)),
            settings=MeetingSettings(expected_members=10),
        ),
    )
    for actor, name in ((MOD, "主持人张"), (TIM, "计时员陈"), (REC, "记录员李")):
        d.do(actor, JoinMeeting(name=name))
    for actor in (WANG, LI, ZHAO, ZHANG):
        d.do(actor, JoinMeeting(name=NAMES[actor.participant_id]))
    d.do(REC, CheckInInRoom(name="刘大爷", building="3号楼", unit="2单元"))
    d.do(REC, CheckInInRoom(name="孙奶奶", building="5号楼"))
    d.advance(60)
    d.do(MOD, OpenMeeting())
    d.do(MOD, StartAgendaItem(0))
    d.do(MOD, OpenRound())

    def turn(turn_id: str, pid: str, seconds: float, *, expire: bool = False, late: bool = False) -> None:
        d.advance(5)
        d.do(MOD, GrantFloor(pid))
        d.do(TIM, StartClock())
        if not late:
            _speak(d, turn_id, pid, asr)
        if expire:
            d.advance(151)
            d.do(SYS, Tick())  # warning
            d.advance(29)
            d.do(SYS, Tick())  # expiry at 180 s
        elif not late:
            d.advance(seconds)
            d.do(Actor(pid, Role.PARTICIPANT), YieldFloor())

    turn("t1", "p-wang", 42)
    turn("t2", "room-1", 0, expire=True)
    turn("t3", "p-li", 55)
    d.do(MOD, CloseRound())
    d.do(WANG, MoveMotion("东门增设临时停车位", "在东门增设十个临时停车位。"))
    d.do(LI, SecondMotion("m1"))
    d.do(ZHAO, AmendMotion("m1", RESOLUTION_TEXT))
    d.do(LI, SecondMotion("m2"))
    d.do(MOD, OpenVote("m2"))
    for actor, choice in ((WANG, Choice.NO), (LI, Choice.YES), (ZHAO, Choice.YES), (ZHANG, Choice.YES)):
        d.do(actor, CastVote("m2", choice))
    d.do(REC, RecordShowOfHands("m2", 1, 1, 0))
    d.do(MOD, CloseVote("m2"))
    d.do(MOD, OpenVote("m1", secret=True, threshold=Threshold.TWO_THIRDS))
    for actor, choice in ((WANG, Choice.YES), (LI, Choice.YES), (ZHAO, Choice.ABSTAIN), (ZHANG, Choice.YES)):
        d.do(actor, CastVote("m1", choice))
    d.do(REC, RecordShowOfHands("m1", 2, 0, 0))
    d.do(MOD, CloseVote("m1"))
    d.do(REC, MarkKeyPoint("居民普遍支持增设车位，但担心收费标准"))
    d.advance(30)
    d.do(MOD, StartAgendaItem(1))
    turn("t4", "p-zhang", 70)
    turn("t5", "room-2", 35)
    d.do(ZHANG, MoveMotion("三号楼加装电梯", "三号楼二单元加装电梯，费用按楼层分摊。"))
    d.do(ZHAO, SecondMotion("m3"))
    d.do(MOD, OpenVote("m3", threshold=Threshold.MAJORITY_PRESENT))
    for actor, choice in ((WANG, Choice.NO), (LI, Choice.NO), (ZHAO, Choice.YES), (ZHANG, Choice.YES)):
        d.do(actor, CastVote("m3", choice))
    d.do(REC, RecordShowOfHands("m3", 0, 2, 0))
    d.do(MOD, CloseVote("m3"))
    turn("t6", "p-zhao", 0, late=True)  # still speaking when the moderator closes the meeting
    d.advance(20)
    d.do(MOD, CloseMeeting())
    d.advance(2)
    _speak(d, "t6", "p-zhao", asr)  # recognition lags: the last captions arrive after MeetingClosed
    return d


@pytest.fixture(scope="session")
def meeting(asr_captions: dict[str, list[tuple[str, float, float]]]) -> Iterator[LogDriver]:
    yield scripted_meeting(asr_captions)
