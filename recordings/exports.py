"""Transcript exports: captions to SRT, WebVTT, plain text and JSON. Pure functions, no I/O.

A caption is a mapping (or :class:`Caption`) with ``speaker`` (display name), ``start`` and ``end`` (seconds
on the meeting's timeline), ``text`` and optionally ``agenda_item`` (title or None).

Caption text comes from speech recognition and from the recorder's edits, so it can hold anything. The
subtitle formats are line-based: a blank line ends a cue and ``-->`` marks a timing line, so both are
neutralised — blank lines are dropped, ``-->`` becomes ``→`` in SRT (which has no escapes) and
``--&gt;`` in WebVTT (which does, so the text reads exactly as written).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Caption", "parse_captions", "to_json", "to_srt", "to_txt", "to_vtt"]

# C0/C1 control characters other than tab and newline would corrupt players and terminals.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Caption:
    """One committed caption, as the exports see it (times in seconds on the meeting's timeline)."""

    speaker: str
    start: float
    end: float
    text: str
    agenda_item: str | None = None


def parse_captions(items: Iterable[Mapping[str, Any] | Caption]) -> list[Caption]:
    """Validate and normalise captions, sorted by start time (stable). Raises ValueError naming the caption
    and field at fault. An end before the start is clamped to the start rather than refused: one bad time
    must not stop a meeting's transcript from being exported."""
    out: list[Caption] = []
    for i, item in enumerate(items):
        raw: Mapping[str, Any] = asdict(item) if isinstance(item, Caption) else item
        speaker, text, agenda = raw.get("speaker", ""), raw.get("text"), raw.get("agenda_item")
        if not isinstance(speaker, str) or not isinstance(text, str):
            raise ValueError(f"caption {i}: speaker and text must be strings")
        if agenda is not None and not isinstance(agenda, str):
            raise ValueError(f"caption {i}: agenda_item must be a string or None")
        times: list[float] = []
        for key in ("start", "end"):
            value = raw.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"caption {i}: {key} must be a finite number of seconds")
            if value < 0:
                raise ValueError(f"caption {i}: {key} is negative")
            times.append(float(value))
        out.append(Caption(speaker, times[0], max(times), text, agenda))
    out.sort(key=lambda c: c.start)
    return out


def _lines(text: str) -> list[str]:
    """Non-empty lines of ``text``, without control characters: a cue body can never hold a blank line."""
    cleaned = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [line.strip() for line in cleaned.split("\n") if line.strip()]


def _clock(seconds: float, separator: str) -> str:
    ms = round(seconds * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_srt(captions: Iterable[Mapping[str, Any] | Caption]) -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm``, the speaker's name before the text (``王阿姨：…``)."""
    blocks: list[str] = []
    number = 0
    for c in parse_captions(captions):
        lines = [line.replace("-->", "→") for line in _lines(c.text)]
        if not lines:
            continue
        speaker = " ".join(_lines(c.speaker)).replace("-->", "→")
        if speaker:
            lines[0] = f"{speaker}：{lines[0]}"
        number += 1
        timing = f"{_clock(c.start, ',')} --> {_clock(c.end, ',')}"
        blocks.append("\n".join([str(number), timing, *lines]))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def to_vtt(captions: Iterable[Mapping[str, Any] | Caption]) -> str:
    """WebVTT: speakers as voice spans (``<v 王阿姨>``), a ``NOTE`` where the agenda item changes."""
    blocks = ["WEBVTT"]
    agenda: str | None = None
    for c in parse_captions(captions):
        lines = [_html_escape(line) for line in _lines(c.text)]
        if not lines:
            continue
        if c.agenda_item is not None and c.agenda_item != agenda:
            agenda = c.agenda_item
            # A NOTE ends at a blank line and must not contain "-->"; escaping keeps it readable.
            note = " ".join(_html_escape(line) for line in _lines(agenda))
            blocks.append(f"NOTE 议题：{note}")
        speaker = " ".join(_html_escape(line) for line in _lines(c.speaker))
        if speaker:
            lines[0] = f"<v {speaker}>{lines[0]}"
            lines[-1] = f"{lines[-1]}</v>"
        blocks.append("\n".join([f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}", *lines]))
    return "\n\n".join(blocks) + "\n"


def to_txt(captions: Iterable[Mapping[str, Any] | Caption]) -> str:
    """Plain text for reading and printing: a heading per agenda item, then ``[HH:MM:SS] 姓名：…`` lines."""
    out: list[str] = []
    agenda: str | None = None
    for c in parse_captions(captions):
        text = " ".join(_lines(c.text))
        if not text:
            continue
        if c.agenda_item is not None and c.agenda_item != agenda:
            agenda = c.agenda_item
            if out:
                out.append("")
            out.append(f"【{' '.join(_lines(agenda))}】")
        speaker = " ".join(_lines(c.speaker))
        stamp = _clock(c.start, ".")[:8]
        out.append(f"[{stamp}] {speaker}：{text}" if speaker else f"[{stamp}] {text}")
    return "\n".join(out) + "\n" if out else ""


def to_json(captions: Iterable[Mapping[str, Any] | Caption]) -> str:
    """Machine-readable: ``{"captions": [...]}`` with every field, text unchanged (JSON escapes it)."""
    return (
        json.dumps({"captions": [asdict(c) for c in parse_captions(captions)]}, ensure_ascii=False, indent=2)
        + "\n"
    )
