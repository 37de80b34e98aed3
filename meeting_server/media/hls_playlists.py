"""The livestream's playlists: the master playlist (video + audio variant and a WebVTT subtitles rendition, so
native players and hls.js show captions), the LL-HLS media playlist over the encoder's parts, and the
subtitles playlist and segments, built from committed captions on the stream clock. Pure text functions."""

from __future__ import annotations

import dataclasses
import datetime
import re

# One-second segments: a plain-HLS player holds back three target durations (RFC 8216 §6.3.3), so the
# target duration bounds its latency (2 s segments: 6 s behind plus the wait for the next segment).
SEGMENT_S = 1  # seconds of stream in a segment (the target duration)
PART_S = 0.5  # seconds in a partial segment (LL-HLS PART-TARGET)
PARTS = round(SEGMENT_S / PART_S)  # parts in a segment
PART_HOLD_BACK_S = 3 * PART_S  # how far behind the live edge an LL-HLS player plays (the spec's minimum)
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


def _pdt(wall: float) -> str:
    return datetime.datetime.fromtimestamp(wall, datetime.UTC).isoformat(timespec="milliseconds")


def media_playlist(produced: int, started_at: float, window: int, part_segments: int) -> str:
    """The media playlist once ``produced`` parts exist: the last ``window`` complete segments (``segN.ts``,
    each with its wall-clock start), the parts (``segNpK.ts``) of the last ``part_segments`` complete ones and
    of the one being made, and a preload hint for the next part. Plain-HLS players ignore the LL tags and see
    the same segments."""
    complete = produced // PARTS
    first = max(0, complete - window)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:6",
        f"#EXT-X-TARGETDURATION:{SEGMENT_S}",
        f"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={PART_HOLD_BACK_S:.3f}",
        f"#EXT-X-PART-INF:PART-TARGET={PART_S:.3f}",
        f"#EXT-X-MEDIA-SEQUENCE:{first}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    for n in range(first, complete + 1):
        parts = range(n * PARTS, min(produced, (n + 1) * PARTS)) if n >= complete - part_segments else ()
        if n == complete and not parts:
            break
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_pdt(started_at + n * SEGMENT_S)}")
        for g in parts:
            independent = ",INDEPENDENT=YES" if g % PARTS == 0 else ""
            lines.append(f'#EXT-X-PART:DURATION={PART_S:.3f},URI="seg{n}p{g % PARTS}.ts"{independent}')
        if n < complete:
            lines += [f"#EXTINF:{SEGMENT_S:.3f},", f"seg{n}.ts"]
    lines.append(f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg{produced // PARTS}p{produced % PARTS}.ts"')
    return "\n".join(lines) + "\n"


def subtitles_playlist(media_playlist: str) -> str:
    """The subtitles playlist mirrors the media playlist segment for segment (same sequence, same times),
    without parts: a cue lands with its segment. It too may be reloaded blocking (``_HLS_msn``)."""
    kept = [
        line
        for line in media_playlist.splitlines()
        if not line.startswith(("#EXT-X-PART", "#EXT-X-PRELOAD-HINT", "#EXT-X-SERVER-CONTROL"))
    ]
    text = "\n".join(kept) + "\n"
    blocking = "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n#EXT-X-MEDIA-SEQUENCE"
    text = text.replace("#EXT-X-MEDIA-SEQUENCE", blocking)
    return _SEGMENT.sub(lambda m: f"sub{m.group(1)}.vtt", text)


def _stamp(t: float) -> str:
    ms = max(0, round(t * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def subtitle_segment(index: int, cues: list[Cue], first_pts: int) -> str:
    """WebVTT for segment ``index``: the cues that start inside it, on the stream clock. ``first_pts`` is the
    MPEG-TS PTS (90 kHz) of stream time 0 as the muxer wrote it (the first video frame's; FFmpeg shifts
    every stream by the AAC encoder's priming, 64 ms at 16 kHz), and X-TIMESTAMP-MAP tells the player so
    (RFC 8216 §3.5): cue time ``t`` is media time ``first_pts + t·90000``."""
    start, end = index * SEGMENT_S, (index + 1) * SEGMENT_S
    lines = ["WEBVTT", f"X-TIMESTAMP-MAP=MPEGTS:{first_pts},LOCAL:00:00:00.000", ""]
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
