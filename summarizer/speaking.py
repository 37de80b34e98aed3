"""Statistics of who spoke: time per person, online versus in the hall, time per item, turns cut off by
the clock. Computed from the item minutes, so they count exactly the turns the minutes list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from meeting_server.core.values import Channel

from .model import CaptionLine, ItemMinutes, SpeakerStat, Statistics


def speaking_totals(turns: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Seconds spoken per speaker from ``(speaker, spoken_s)`` turns, in first-turn order: the one sum
    both the minutes' statistics and the statistics across meetings (``readmodels.stats``) use."""
    totals: dict[str, float] = {}
    for speaker, spoken_s in turns:
        totals[speaker] = totals.get(speaker, 0.0) + spoken_s
    return totals


def speaking_statistics(items: Sequence[ItemMinutes], lines: Sequence[CaptionLine]) -> Statistics:
    per: dict[str, list[float]] = {}
    channel: dict[str, str] = {}
    speaker_name: dict[str, str] = {}
    hits: list[tuple[str, str, str]] = []
    for item in items:
        for s in item.speeches:
            per.setdefault(s.participant_id, []).append(s.spoken_s)
            channel[s.participant_id] = s.channel
            speaker_name[s.participant_id] = s.speaker
            if s.hit_limit:
                hits.append((s.speaker, item.title, s.turn_id))
    totals = speaking_totals((s.participant_id, s.spoken_s) for item in items for s in item.speeches)
    speakers = sorted(
        (
            SpeakerStat(speaker_name[pid], channel[pid], len(v), round(totals[pid], 1))
            for pid, v in per.items()
        ),
        key=lambda s: (-s.spoken_s, s.speaker),
    )
    online = [s for s in speakers if s.channel == Channel.ONLINE.value]
    room = [s for s in speakers if s.channel == Channel.ROOM.value]
    return Statistics(
        speakers=tuple(speakers),
        online_speakers=len(online),
        room_speakers=len(room),
        online_spoken_s=round(sum(s.spoken_s for s in online), 1),
        room_spoken_s=round(sum(s.spoken_s for s in room), 1),
        item_durations=tuple((item.title, item.duration_s) for item in items),
        limit_hits=tuple(hits),
        turns=sum(len(item.speeches) for item in items),
        captions=len(lines),
    )
