"""Caption corrections (core.captions): ids in commit order, the original kept, refusals named."""

from __future__ import annotations

import pytest

from meeting_server.core.captions import CaptionCorrected, CorrectCaption
from meeting_server.core.commands import CloseMeeting, CommitCaption
from meeting_server.core.errors import ErrorCode
from meeting_server.core.events import CaptionCommitted
from meeting_server.core.evolve import fold

from .minutes_sim import published
from .sim import MOD, P1, REC, SYS, Sim, running, speaking


def _with_captions(*texts: str) -> Sim:
    sim = running()
    turn = speaking(sim, "p2")
    for i, text in enumerate(texts):
        sim.do(SYS, CommitCaption(turn, "p2", text, float(i), float(i) + 0.9))
    return sim


def test_captions_are_numbered_in_commit_order_and_a_correction_names_one() -> None:
    sim = _with_captions("东门停车为太少。", "我同意。")
    committed = [e for e in sim.events if isinstance(e, CaptionCommitted)]
    assert [c.caption_id for c in committed] == ["c1", "c2"]
    events = sim.do(REC, CorrectCaption("c1", "  东门停车位太少。 "))
    assert events == [CaptionCorrected("c1", "东门停车位太少。", "rec", sim.now)]
    # The original stays in the record: the log keeps both, and replaying it gives the same state.
    assert committed[0].text == "东门停车为太少。"
    assert sim.state.corrections == 1 and sim.state.captions == 2
    assert fold(sim.events) == sim.state


def test_a_caption_may_be_corrected_after_the_meeting_closed_and_again() -> None:
    sim = _with_captions("业委会选举下周一。")
    sim.do(MOD, CloseMeeting())
    sim.do(REC, CorrectCaption("c1", "业委会选举下周二。"))
    sim.do(REC, CorrectCaption("c1", "业委会选举定在下周二。"))
    assert sim.state.corrections == 2


@pytest.mark.parametrize("ref", ["c2", "c0", "c01", "1", "k1", "", "c-1", "c99999999999"])
def test_an_unknown_caption_is_refused(ref: str) -> None:
    sim = _with_captions("我同意。")
    assert sim.refuse(REC, CorrectCaption(ref, "我同意！")) is ErrorCode.NOT_FOUND


@pytest.mark.parametrize("text", ["", "   \n", "字" * 1001])
def test_empty_or_too_long_text_is_refused(text: str) -> None:
    sim = _with_captions("我同意。")
    assert sim.refuse(REC, CorrectCaption("c1", text)) is ErrorCode.INVALID


def test_only_the_recorder_corrects() -> None:
    sim = _with_captions("我同意。")
    for actor in (MOD, P1, SYS):
        assert sim.refuse(actor, CorrectCaption("c1", "我反对。")) is ErrorCode.FORBIDDEN


def test_no_correction_once_the_minutes_are_published() -> None:
    sim = published()
    assert sim.state.minutes is not None and sim.state.minutes.published
    # The published fixture's meeting had no captions; a caption id that would exist is still refused
    # for the frozen record first.
    assert sim.refuse(REC, CorrectCaption("c1", "改一下。")) is ErrorCode.WRONG_STATE
