"""Caption corrections: the recorder fixes what the recogniser got wrong, the original stays in the record.

Every committed caption has an id from the meeting's state, ``c1``, ``c2`` … in commit order (the n-th
``CaptionCommitted`` of the log is ``cN``; logs from before ids were written get the same ids by counting).
``CorrectCaption`` names one and gives the corrected text; ``CaptionCorrected`` is appended to the log, so
the ``CaptionCommitted`` it corrects is never rewritten and both can be shown. The latest correction of a
caption wins. The transcript, the minutes and every caption list read the corrected text.

Corrections are the recorder's: they own the record (key points, the minutes). Once the minutes are
published the record is frozen and corrections are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import ErrorCode
from .guards import clean_text, fail
from .payload import max_len
from .registry import Command, Event, command, event
from .roles import Actor
from .state import MeetingState

CAPTION_TEXT = 1000  # as for CaptionCommitted
_CAPTION_ID = re.compile(r"c([1-9][0-9]{0,8})")


def caption_id(ordinal: int) -> str:
    """The id of the ``ordinal``-th (1-based) committed caption of a meeting."""
    return f"c{ordinal}"


@command
@dataclass(frozen=True, slots=True)
class CorrectCaption(Command):
    caption_id: str = field(metadata=max_len(16))
    text: str = field(metadata=max_len(CAPTION_TEXT))


@event
@dataclass(frozen=True, slots=True)
class CaptionCorrected(Event):
    caption_id: str
    text: str = field(metadata=max_len(CAPTION_TEXT))
    by: str
    at: float


def correct_caption(state: MeetingState, actor: Actor, cmd: CorrectCaption, now: float) -> list[Event]:
    """Allowed while the meeting runs and after it closed, until the minutes are published."""
    if state.minutes is not None and state.minutes.published:
        fail(ErrorCode.WRONG_STATE, "会议纪要已发布，字幕不能再更正")
    m = _CAPTION_ID.fullmatch(cmd.caption_id)
    if m is None or int(m.group(1)) > state.captions:
        fail(ErrorCode.NOT_FOUND, f"没有这条字幕（{cmd.caption_id[:16]}）")
    text = clean_text(cmd.text, "text", CAPTION_TEXT)
    return [CaptionCorrected(cmd.caption_id, text, actor.participant_id, now)]


__all__ = ["CAPTION_TEXT", "CaptionCorrected", "CorrectCaption", "caption_id", "correct_caption"]
