"""The playlists the server writes around the encoder's media playlist: the master playlist (video + audio
variant and a WebVTT subtitles rendition, so native players and hls.js show captions) and the subtitles
playlist and segments, built from committed captions on the stream clock. Pure text functions."""

from __future__ import annotations

import dataclasses
import re

from .hls import SEGMENT_S

CUE_S = 6.0  # a caption stays on screen this long (or until the next one)
_SEGMENT = re.compile(r"^seg(\d+)\.ts$", re.M)


@dataclasses.dataclass(frozen=True)
class Cue:
    at: float  # stream time (s) the caption appears at
    text: str  # 「张三（居民）：……」
    caption_id: str = ""  # the caption it shows ("c<n>"), so a correction finds it


def master_playlist(prefix: str) -> str:
    """``prefix`` is the signed folder the variant and subtitles playlists live in (relative URI)."""
    return (
        "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="中文字幕",LANGUAGE="zh",DEFAULT=YES,'
        f'AUTOSELECT=YES,FORCED=NO,URI="{prefix}/subs.m3u8"\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=200000,CODECS="avc1.42c01e,mp4a.40.2",RESOLUTION=640x360,'
        f'SUBTITLES="subs"\n{prefix}/stream.m3u8\n'
    )


def subtitles_playlist(media_playlist: str) -> str:
    """The subtitles playlist mirrors the media playlist segment for segment (same sequence, same times)."""
    return _SEGMENT.sub(lambda m: f"sub{m.group(1)}.vtt", media_playlist)


def _stamp(t: float) -> str:
    ms = max(0, round(t * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def subtitle_segment(index: int, cues: list[Cue]) -> str:
    """WebVTT for segment ``index``: the cues that start inside it. Stream time 0 is MPEG-TS time 0 (the
    encoder's first audio sample), which X-TIMESTAMP-MAP tells the player."""
    start, end = index * SEGMENT_S, (index + 1) * SEGMENT_S
    lines = ["WEBVTT", "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000", ""]
    ordered = sorted(cues, key=lambda c: c.at)
    for i, cue in enumerate(ordered):
        if not start <= cue.at < end:
            continue
        until = cue.at + CUE_S
        if i + 1 < len(ordered):
            until = min(until, max(ordered[i + 1].at, cue.at + 0.5))
        text = cue.text.replace("-->", "→").replace("\n", " ")
        lines += [f"{_stamp(cue.at)} --> {_stamp(until)}", text, ""]
    return "\n".join(lines)
