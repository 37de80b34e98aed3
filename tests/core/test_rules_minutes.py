"""The minutes workflow rules: draft after closing, edits as events, publication freezes with a hash, the
publicity window, one objection per resident, and the re-deliberation threshold at exactly 20 %."""

from __future__ import annotations

import hashlib
import json

import pytest

from meeting_server.core.commands import DraftMinutes, EditMinutes, ObjectToResolution, PublishMinutes
from meeting_server.core.errors import ErrorCode
from meeting_server.core.evolve import evolve
from meeting_server.core.minutes_events import (
    MinutesDrafted,
    MinutesEdited,
    MinutesPublished,
    ObjectionRaised,
    ResolutionFlaggedForRedeliberation,
)
from meeting_server.core.minutes_rules import DAY_S
from meeting_server.core.minutes_values import (
    MinutesEntry,
    MinutesField,
    MinutesSection,
    minutes_hash,
    over_threshold,
)
from meeting_server.core.payload import to_payload
from meeting_server.core.registry import load_event
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import MeetingSettings
from meeting_server.core.view import public_view

from .minutes_sim import EDIT, SECTIONS, closed_with_resolution, draft, published
from .sim import P1, P2, P3, REC, SYS, resident, running


def test_a_draft_only_after_closing_and_it_replaces_an_unedited_draft() -> None:
    sim = running()
    assert sim.refuse(SYS, DraftMinutes(SECTIONS, 1, "a" * 64)) is ErrorCode.WRONG_STATE
    sim = closed_with_resolution()
    draft(sim)
    draft(sim)  # late captions: a new draft while nobody has edited
    assert sim.state.minutes is not None and sim.state.minutes.version == 2
    sim.do(REC, EDIT)
    assert sim.refuse(SYS, DraftMinutes(SECTIONS, 9, "b" * 64)) is ErrorCode.WRONG_STATE


def _line(entry_id: str, text: str = "x", **more: str) -> MinutesEntry:
    fields = (MinutesField("text", text), *(MinutesField(k, v) for k, v in more.items()))
    return MinutesEntry(entry_id, "line", fields)


@pytest.mark.parametrize(
    "sections",
    [
        (),
        (MinutesSection("a", "A", (_line("x"),)), MinutesSection("a", "B", (_line("y"),))),
        (MinutesSection("", "A", (_line("x"),)),),
        (MinutesSection("a", "A"),),
        (MinutesSection("a", "A", (_line("x"), _line("x"))),),
        (MinutesSection("a", "A", (MinutesEntry("x", "line", (MinutesField("text", "1"),) * 2),)),),
        (MinutesSection("a", "A", (_line("x", "长" * 10_001),)),),
        (MinutesSection("a", "A", text="- 会议名称：markdown"),),
    ],
    ids=[
        "empty",
        "duplicate-id",
        "blank-id",
        "no-entries",
        "duplicate-entry",
        "duplicate-field",
        "field-too-long",
        "markdown-text",
    ],
)
def test_malformed_drafts_are_refused(sections: tuple[MinutesSection, ...]) -> None:
    sim = closed_with_resolution()
    assert sim.refuse(SYS, DraftMinutes(sections, 5, "a" * 64)) is ErrorCode.INVALID


def test_edits_are_events_and_publication_freezes_with_the_hash() -> None:
    sim = closed_with_resolution()
    assert sim.refuse(REC, EDIT) is ErrorCode.WRONG_STATE  # no draft yet
    draft(sim)
    assert sim.refuse(REC, EditMinutes("nope", "speech-1", "text", "x")) is ErrorCode.NOT_FOUND
    assert sim.refuse(REC, EditMinutes("item-0", "speech-9", "text", "x")) is ErrorCode.NOT_FOUND
    assert sim.refuse(REC, EditMinutes("item-0", "speech-1", "owner", "x")) is ErrorCode.NOT_FOUND
    assert sim.refuse(REC, EditMinutes("item-0", "speech-1", "text", "王阿姨建议增设车位。")) is (
        ErrorCode.DUPLICATE
    )
    (edited,) = sim.do(REC, EditMinutes("item-0", "speech-1", "text", "  王阿姨建议增设十个车位。 "))
    assert isinstance(edited, MinutesEdited)
    assert (edited.entry_id, edited.field_name, edited.text) == (
        "speech-1",
        "text",
        "王阿姨建议增设十个车位。",
    )
    sim.do(REC, EditMinutes("header", "title", "text", "阳光新城居民议事会（第三季度）"))
    sim.do(REC, EditMinutes("item-0", "speech-1", "speaker", "王秀英"))
    minutes = sim.state.minutes
    assert minutes is not None and minutes.edits == 3
    section = minutes.section("item-0")
    assert section is not None and section.title == SECTIONS[1].title
    (speech,) = section.entries
    assert (speech.value("speaker"), speech.value()) == ("王秀英", "王阿姨建议增设十个车位。")
    assert (speech.note, speech.seq, speech.time) == ("线上，发言 40秒", 12, 30.0)  # from the record
    header = minutes.section("header")
    assert header is not None and header.entries[0].value() == "阳光新城居民议事会（第三季度）"
    # Each version of each field is in the hash: the same minutes with the old summary hash otherwise.
    before = SECTIONS[1]
    assert minutes_hash("m-1", 1, "a", (before,)) != minutes_hash("m-1", 1, "a", (section,))
    (event,) = sim.do(REC, PublishMinutes())
    assert isinstance(event, MinutesPublished)
    assert event.minutes_hash == minutes_hash("m-1", minutes.basis_seq, minutes.basis_hash, minutes.sections)
    assert event.publicity_until == sim.now + 7 * DAY_S
    assert sim.refuse(REC, EditMinutes("item-0", "speech-1", "text", "改一下")) is ErrorCode.WRONG_STATE
    assert sim.refuse(REC, PublishMinutes()) is ErrorCode.DUPLICATE
    assert sim.refuse(SYS, DraftMinutes(SECTIONS, 5, "a" * 64)) is ErrorCode.WRONG_STATE
    view = public_view(sim.state, None, sim.now)["minutes"]
    assert view["status"] == "published" and view["published_hash"] == event.minutes_hash


def test_objections_only_in_the_publicity_window() -> None:
    sim = closed_with_resolution(MeetingSettings(publicity_days=3))
    draft(sim)
    assert sim.refuse(P1, ObjectToResolution("r1")) is ErrorCode.WRONG_STATE  # not published yet
    sim.do(REC, PublishMinutes())
    assert sim.refuse(P1, ObjectToResolution("r9")) is ErrorCode.NOT_FOUND
    sim.advance(3 * DAY_S)
    event = sim.do(P1, ObjectToResolution("r1", reason="收费太高"))[0]  # the last moment counts
    assert isinstance(event, ObjectionRaised) and (event.objector, event.display_name) == ("p1", "居民1")
    assert sim.refuse(P1, ObjectToResolution("r1")) is ErrorCode.DUPLICATE
    sim.advance(0.001)
    assert sim.refuse(P2, ObjectToResolution("r1")) is ErrorCode.WRONG_STATE


def test_who_may_object() -> None:
    sim = published()
    assert sim.refuse(P1, ObjectToResolution("r1", objector="p2")) is ErrorCode.FORBIDDEN
    assert sim.refuse(resident("stranger"), ObjectToResolution("r1")) is ErrorCode.NOT_PRESENT
    assert sim.refuse(REC, ObjectToResolution("r1")) is ErrorCode.INVALID  # whom?
    assert sim.refuse(REC, ObjectToResolution("r1", objector="mod")) is ErrorCode.INVALID  # not a resident
    sim.do(REC, ObjectToResolution("r1", objector="room-1"))  # in the hall, without a device
    paper = sim.do(REC, ObjectToResolution("r1", objector="7号楼 周阿姨"))[0]  # handed in on paper
    assert isinstance(paper, ObjectionRaised) and paper.objector == "name:7号楼 周阿姨"
    assert sim.refuse(REC, ObjectToResolution("r1", objector="7号楼 周阿姨")) is ErrorCode.DUPLICATE


def test_over_threshold_is_strictly_more() -> None:
    assert not over_threshold(2, 10, 20) and over_threshold(3, 10, 20)
    assert not over_threshold(1, 5, 20) and over_threshold(2, 5, 20)
    assert not over_threshold(1, 6, 20) and over_threshold(2, 6, 20)  # 16.7 % / 33.3 %
    assert not over_threshold(20, 100, 20) and over_threshold(21, 100, 20)


def _flag_after(sim_objectors: list[Actor], eligible_settings: MeetingSettings, online: int) -> list[int]:
    """Object one by one; the 1-based counts at which the resolution was flagged."""
    sim = published(eligible_settings, online=online, room=0)
    flagged = []
    for n, actor in enumerate(sim_objectors, 1):
        events = sim.do(actor, ObjectToResolution("r1"))
        if any(isinstance(e, ResolutionFlaggedForRedeliberation) for e in events):
            flagged.append(n)
    return flagged


def test_exactly_twenty_percent_is_not_enough_of_ten_expected() -> None:
    # 应到 10: 2 objections are exactly 20 % — not flagged; the 3rd flags, and only once.
    residents = [resident(f"p{i}") for i in range(1, 7)]
    assert _flag_after(residents, MeetingSettings(expected_members=10), online=6) == [3]


def test_eligible_are_the_meetings_voters_without_expected_members() -> None:
    # 5 residents took part: 1 objection is 20 % exactly (not flagged), 2 are 40 % (flagged).
    sim = published(online=5, room=0)
    events = sim.do(P1, ObjectToResolution("r1"))
    assert not any(isinstance(e, ResolutionFlaggedForRedeliberation) for e in events)
    events = sim.do(P2, ObjectToResolution("r1"))
    flag = events[-1]
    assert isinstance(flag, ResolutionFlaggedForRedeliberation)
    assert (flag.objections, flag.eligible, flag.percent) == (2, 5, 20)
    assert sim.state.minutes is not None and sim.state.minutes.flagged == ("r1",)
    sim.do(P3, ObjectToResolution("r1"))  # more objections: no second flag
    assert sim.state.minutes.flagged == ("r1",)
    view = public_view(sim.state, None, sim.now)["minutes"]
    assert view["objections"] == {"r1": 3} and view["flagged"] == ["r1"] and view["eligible"] == 5


def test_the_threshold_and_window_are_settings() -> None:
    sim = published(
        MeetingSettings(expected_members=4, objection_percent=50, publicity_days=1), online=4, room=0
    )
    assert sim.state.minutes is not None
    assert sim.state.minutes.publicity_until == sim.now + DAY_S
    assert len(sim.do(P1, ObjectToResolution("r1"))) == 1
    assert len(sim.do(P2, ObjectToResolution("r1"))) == 1  # 50 % exactly
    assert len(sim.do(P3, ObjectToResolution("r1"))) == 2  # 75 %: flagged


def test_no_more_objections_than_eligible_residents() -> None:
    sim = published(MeetingSettings(expected_members=2), online=3, room=0)
    sim.do(P1, ObjectToResolution("r1"))
    sim.do(P2, ObjectToResolution("r1"))
    assert sim.refuse(P3, ObjectToResolution("r1")) is ErrorCode.LIMIT


def test_recorder_role_is_needed_to_edit() -> None:
    sim = closed_with_resolution()
    draft(sim)
    assert sim.refuse(Actor("mod", Role.MODERATOR), EDIT) is ErrorCode.FORBIDDEN
    assert sim.refuse(P1, PublishMinutes()) is ErrorCode.FORBIDDEN


def test_a_log_of_sections_of_markdown_still_folds_and_hashes_as_before() -> None:
    # Minutes drafted before sections had entries: whole sections of markdown, edited whole.
    old = (MinutesSection("item-0", "议题一", text="王阿姨建议增设车位。"),)
    sim = closed_with_resolution()
    state = sim.state
    for ev in (
        MinutesDrafted(1, old, 5, "a" * 64, sim.now),
        MinutesEdited(1, "item-0", "王阿姨建议增设十个车位。", "rec", sim.now),
    ):
        state = evolve(state, load_event(ev.name, to_payload(ev)))
    assert state.minutes is not None
    assert state.minutes.sections == (MinutesSection("item-0", "议题一", text="王阿姨建议增设十个车位。"),)
    # The hash of such sections is the one their publication recorded: over [id, title, text].
    body = {
        "meeting_id": "m-1",
        "basis_seq": 5,
        "basis_hash": "a" * 64,
        "sections": [["item-0", "议题一", "王阿姨建议增设十个车位。"]],
    }
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    expected = hashlib.sha256(canonical.encode()).hexdigest()
    assert minutes_hash("m-1", 5, "a" * 64, state.minutes.sections) == expected
