"""Attacks on the minutes holding the shared resident link of a meeting with a roster: it joins as a 旁听
listener under any name, that of a roster resident too. If the moderator lets listeners speak, the minutes
and the transcript say the speech was a listener's — never the roster resident's whose name was typed."""

from __future__ import annotations

from meeting_server.core.commands import (
    AddToQueue,
    CloseMeeting,
    CommitCaption,
    CreateMeeting,
    GrantFloor,
    JoinMeeting,
    OpenMeeting,
    RevokeFloor,
    StartAgendaItem,
)
from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.core.presence import AllowListenersToSpeak
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import AgendaItemSpec, Level, MeetingSettings
from meeting_server.hub.live_video import cue_speaker
from meeting_server.transcript import transcript
from summarizer.build import build_minutes
from summarizer.draft import sections
from summarizer.model import Speech
from summarizer.render_md import section_markdown
from tests.summarizer.driver import LogDriver

MOD = Actor("mod", Role.MODERATOR)
WANG = Actor("per-w1", Role.PARTICIPANT, "w1")  # the roster's 王阿姨, by her personal link
FAKE = Actor("par-fake", Role.PARTICIPANT)  # the shared link, typing 王阿姨


def test_a_listener_typing_a_roster_name_speaks_as_a_listener_in_the_minutes() -> None:
    log = LogDriver()
    spec = (AgendaItemSpec("东门停车", 20),)
    log.do(
        Actor.system(),
        CreateMeeting(
            "mtg-1",
            "阳光新城议事会",
            Level.SHEQU,
            "活动室",
            "2026-12-01T19:00+08:00",
            spec,
            MeetingSettings(),
        ),
    )
    log.do(Actor.system(), SetElectorate("c1", (Elector("w1", "王阿姨", "3号楼", "2单元", "301"),)))
    log.do(MOD, JoinMeeting(name="主持人张"))
    log.do(WANG, JoinMeeting(name=""))
    log.do(FAKE, JoinMeeting(name="王阿姨"))
    assert log.st.participants["par-fake"].listener
    log.do(MOD, OpenMeeting())
    log.do(MOD, StartAgendaItem(0))
    log.do(MOD, AllowListenersToSpeak(True))
    for who, said in (("per-w1", "我同意在东门增设车位。"), ("par-fake", "我代表3号楼反对。")):
        log.do(MOD, AddToQueue(who))
        log.do(MOD, GrantFloor())
        floor = log.st.floor
        assert floor is not None
        log.do(Actor.system(), CommitCaption(floor.turn_id, who, said, 1.0, 4.0))
        log.advance(30)
        log.do(MOD, RevokeFloor())
    log.do(MOD, CloseMeeting())
    speeches = minutes_speeches(log)
    assert [(s.speaker, s.listener) for s in speeches] == [("王阿姨", False), ("王阿姨", True)]
    text = "\n".join(section_markdown(s) for s in sections(build_minutes(log.records)))
    assert text.count("旁听") == 1, text
    # The livestream's caption cues, and the transcript (downloads, the minutes' appendix), say so too.
    assert (cue_speaker(log.st, "per-w1"), cue_speaker(log.st, "par-fake")) == (
        "王阿姨（居民）",
        "王阿姨（旁听）",
    )
    assert [(c["speaker"], c["text"]) for c in transcript(log.records)] == [
        ("王阿姨", "我同意在东门增设车位。"),
        ("王阿姨（旁听）", "我代表3号楼反对。"),
    ]


def minutes_speeches(log: LogDriver) -> list[Speech]:
    return list(build_minutes(log.records).items[0].speeches)
