"""A meeting's transcript, read from its event log: committed captions with speaker names, agenda items and
times on the meeting's timeline (seconds since the meeting opened), ready for ``recordings.exports``.

A caption's ``start``/``end`` are logged relative to its turn's audio; the turn began at its
``FloorGranted`` time, so meeting time = turn start − meeting opened + caption time. A caption the recorder
corrected (``CaptionCorrected``, core.captions) reads as corrected; its original text is kept as
``original`` in its line (the exports show the corrected text).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from meeting_server.core.captions import CaptionCorrected, caption_id
from meeting_server.core.events import (
    CaptionCommitted,
    FloorGranted,
    InRoomCheckedIn,
    MeetingCreated,
    MeetingOpened,
    ParticipantJoined,
)
from meeting_server.core.registry import load_event
from meeting_server.store.records import EventRecord
from recordings import exports

FORMATS = {
    "srt": (exports.to_srt, "application/x-subrip"),
    "vtt": (exports.to_vtt, "text/vtt"),
    "txt": (exports.to_txt, "text/plain"),
    "json": (exports.to_json, "application/json"),
}


def transcript(records: Iterable[EventRecord]) -> list[dict[str, Any]]:
    """Every committed caption of the meeting, in log order, as export-ready dicts."""
    names: dict[str, str] = {}
    agenda: list[str] = []
    turn_start: dict[str, float] = {}
    origin: float | None = None
    out: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    for record in records:
        ev = load_event(record.type, record.payload)
        match ev:
            case MeetingCreated():
                agenda = [item.title for item in ev.agenda]
                origin = ev.at
            case MeetingOpened():
                origin = ev.at
            case ParticipantJoined() | InRoomCheckedIn():
                # A 旁听 listener's name was typed, not a roster person's: said with every line of theirs.
                names[ev.participant_id] = ev.display_name + ("（旁听）" if ev.listener else "")
            case FloorGranted():
                turn_start[ev.turn_id] = ev.at
            case CaptionCommitted():
                base = turn_start.get(ev.turn_id, record.ts) - (origin if origin is not None else record.ts)
                # Logs from before caption ids: the n-th caption is "c<n>", as the rules count them.
                cid = ev.caption_id or caption_id(len(out) + 1)
                line: dict[str, Any] = {
                    "caption_id": cid,
                    "speaker": names.get(ev.participant_id, ev.participant_id),
                    "participant_id": ev.participant_id,
                    "turn_id": ev.turn_id,
                    "start": round(max(0.0, base + ev.start), 3),
                    "end": round(max(0.0, base + ev.end), 3),
                    "text": ev.text,
                    "agenda_item": agenda[ev.agenda_index] if 0 <= ev.agenda_index < len(agenda) else None,
                    "seq": record.seq,
                }
                by_id[cid] = line
                out.append(line)
            case CaptionCorrected():
                corrected = by_id.get(ev.caption_id)
                if corrected is not None:
                    corrected.setdefault("original", corrected["text"])
                    corrected["text"] = ev.text
            case _:
                pass
    return out


def render(records: Iterable[EventRecord], fmt: str) -> tuple[str, str]:
    """(text, content type) of the transcript in ``fmt`` (srt, vtt, txt, json)."""
    try:
        fn, content_type = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown transcript format {fmt!r}; one of {', '.join(FORMATS)}") from None
    captions = [
        {k: c[k] for k in ("speaker", "start", "end", "text", "agenda_item")} for c in transcript(records)
    ]
    return fn(captions), content_type
