"""Minutes of a meeting held in the hall: the in-room mover and seconder are named (and that the recorder
entered them), and 列席 guests are listed apart from the residents, never as attendance that counts."""

from __future__ import annotations

from meeting_server.core.commands import (
    AddToQueue,
    CheckInGuest,
    CheckInInRoom,
    CloseMeeting,
    CloseVote,
    CreateMeeting,
    GrantFloor,
    JoinMeeting,
    MoveMotion,
    OpenMeeting,
    OpenVote,
    RecordShowOfHands,
    RevokeFloor,
    SecondMotion,
    StartAgendaItem,
)
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import AgendaItemSpec, Level, MeetingSettings
from summarizer.build import build_minutes
from summarizer.draft import sections
from summarizer.render_md import section_markdown

from .driver import LogDriver

MOD, REC = Actor("mod", Role.MODERATOR), Actor("rec", Role.RECORDER)


def hall_meeting() -> LogDriver:
    log = LogDriver()
    log.do(
        Actor.system(),
        CreateMeeting(
            "mtg-1",
            "幸福里议事会",
            Level.JIEDAO,
            "街道礼堂",
            "2026-12-01T19:00+08:00",
            (AgendaItemSpec("东门停车", 20),),
            MeetingSettings(expected_members=3),
        ),
    )
    log.do(MOD, JoinMeeting(name="主持人张"))
    log.do(REC, JoinMeeting(name="记录员李"))
    log.do(REC, CheckInInRoom(name="刘大爷", building="3号楼"))  # room-1
    log.do(REC, CheckInInRoom(name="孙奶奶", building="5号楼"))  # room-2
    log.do(REC, CheckInGuest(name="王科长", organisation="街道办事处"))  # guest-1
    log.do(MOD, OpenMeeting())
    log.do(MOD, StartAgendaItem(0))
    log.do(MOD, AddToQueue("guest-1"))
    log.do(MOD, GrantFloor())
    log.advance(40)
    log.do(MOD, RevokeFloor())
    log.do(REC, MoveMotion("东门增设车位", "在东门增设十个临时停车位。", on_behalf_of="room-1"))
    log.do(REC, SecondMotion("m1", on_behalf_of="room-2"))
    log.do(MOD, OpenVote("m1"))
    log.do(REC, RecordShowOfHands("m1", 2, 0, 0))
    log.do(MOD, CloseVote("m1"))
    log.do(MOD, CloseMeeting())
    return log


def test_the_in_room_mover_and_seconder_are_named() -> None:
    minutes = build_minutes(hall_meeting().records)
    (motion,) = minutes.items[0].motions
    assert (motion.mover, motion.mover_entered_by) == ("刘大爷", "记录员李")
    assert (motion.seconder, motion.seconder_entered_by, motion.status) == ("孙奶奶", "记录员李", "通过")
    text = "\n".join(section_markdown(s) for s in sections(minutes))
    assert "动议 刘大爷（现场，记录员 记录员李 代录），附议 孙奶奶（现场，记录员 记录员李 代录）" in text


def test_guests_are_listed_apart_and_do_not_count() -> None:
    minutes = build_minutes(hall_meeting().records)
    a = minutes.attendance
    assert a.room == ("刘大爷（3号楼）", "孙奶奶（5号楼）") and a.online == ()
    assert a.guests == ("王科长（街道办事处）",)
    assert (a.attended, a.peak_present) == (2, 2)
    (speech,) = minutes.items[0].speeches
    assert (speech.speaker, speech.guest) == ("王科长", True)
    attendance = section_markdown(next(s for s in sections(minutes) if s.section_id == "attendance"))
    assert "实到 2 人（线上 0 人，现场 2 人）" in attendance
    assert "- 列席（不参加表决）：王科长（街道办事处）" in attendance
    item = section_markdown(next(s for s in sections(minutes) if s.section_id == "item-0"))
    assert "**王科长**（列席，" in item
