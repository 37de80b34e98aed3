"""Control characters anywhere in a meeting (a name, a motion, a key point, a caption) used to make its
DOCX minutes fail for good (HTTP 500, lxml: "All strings must be XML compatible"). Found by bench/fuzz.py."""

from __future__ import annotations

import io

import docx

from meeting_server.core.commands import (
    CloseMeeting,
    CommitCaption,
    CreateMeeting,
    GrantFloor,
    JoinMeeting,
    MarkKeyPoint,
    MoveMotion,
    OpenMeeting,
    StartAgendaItem,
)
from meeting_server.core.events import ParticipantJoined
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import AgendaItemSpec, Channel, Level
from summarizer.export import export

from .driver import LogDriver

CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b[31m\x1f\ufffe\uffff"


def test_docx_of_a_meeting_full_of_control_characters() -> None:
    mod, rec, wang = Actor("mod", Role.MODERATOR), Actor("rec", Role.RECORDER), Actor("p-w", Role.PARTICIPANT)
    d = LogDriver()
    d.do(
        Actor.system(),
        CreateMeeting(
            "mtg-1",
            f"议事会{CONTROLS}",
            Level.SHEQU,
            "活动室\x07",
            "2026-12-01",
            (AgendaItemSpec("停车\x00"),),
        ),
    )
    d.do(mod, JoinMeeting("主持人"))
    d.do(rec, JoinMeeting("记录员"))
    # The rules refuse such a name now (bad_name); a log of before may hold one.
    d.append(wang, [ParticipantJoined("p-w", f"王{CONTROLS}阿姨", Role.PARTICIPANT, Channel.ONLINE, d.now)])
    d.do(mod, OpenMeeting())
    d.do(mod, StartAgendaItem(0))
    d.do(mod, GrantFloor("p-w"))
    d.do(Actor.system(), CommitCaption("t1", "p-w", f"我同意{CONTROLS}这个方案", 0.0, 2.0))
    d.do(wang, MoveMotion(f"动议{CONTROLS}", f"在东门{CONTROLS}划线"))
    d.do(rec, MarkKeyPoint(f"要点\x1b{CONTROLS}"))
    d.do(mod, CloseMeeting())

    body, _ = export(d.records, "docx")

    document = docx.Document(io.BytesIO(body))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "我同意" in text and "这个方案" in text and "王" in text and "阿姨" in text
    assert "\ufffd" in text and not any(c in text for c in "\x00\x01\x07\x08\x0b\x0c\x1b\x1f\ufffe\uffff")
