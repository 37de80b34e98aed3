"""The playlists and WebVTT the server writes around the encoder, and the still card, as plain functions."""

from __future__ import annotations

import numpy as np

from meeting_server.media.hls_playlists import (
    Cue,
    master_playlist,
    media_playlist,
    subtitle_segment,
    subtitles_playlist,
)
from meeting_server.media.still_card import HEIGHT, WIDTH, CardInfo, render_card

MEDIA = (
    "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:7\n"
    "#EXTINF:1.000,\nseg7.ts\n#EXTINF:1.000,\nseg8.ts\n"
)


def test_master_points_into_the_signed_folder_with_a_subtitles_rendition() -> None:
    text = master_playlist("s/TOKEN")
    assert 'TYPE=SUBTITLES,GROUP-ID="subs"' in text and 'URI="s/TOKEN/subs.m3u8"' in text
    assert text.rstrip().endswith("s/TOKEN/stream.m3u8") and 'SUBTITLES="subs"' in text


def test_subtitles_playlist_mirrors_the_media_playlist() -> None:
    subs = subtitles_playlist(MEDIA)
    assert "#EXT-X-MEDIA-SEQUENCE:7" in subs and "sub7.vtt\n" in subs and "sub8.vtt\n" in subs
    assert ".ts" not in subs


def test_a_cue_lands_in_the_segment_it_starts_in_and_ends_at_the_next() -> None:
    cues = [
        Cue(15.5, "王阿姨（居民）：楼道灯坏了"),
        Cue(17.0, "李叔（居民）：同意 --> 修"),
        Cue(3.0, "早先的"),
    ]
    seg15 = subtitle_segment(15, cues, 5760)  # [15, 16); stream time 0 is PTS 5760
    assert seg15.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:5760,LOCAL:00:00:00.000\n")
    assert "00:00:15.500 --> 00:00:17.000\n王阿姨（居民）：楼道灯坏了" in seg15
    assert "李叔" not in seg15 and "早先的" not in seg15
    assert "-->" not in subtitle_segment(16, cues, 5760)  # no cue starts in [16, 17)
    seg17 = subtitle_segment(17, cues, 5760)
    assert "00:00:17.000 --> 00:00:23.000\n李叔（居民）：同意 → 修" in seg17


def test_the_still_card_changes_with_the_speaker() -> None:
    a = render_card(CardInfo("幸福里议事会", "王阿姨"), "2026-12-03 08:00:00")
    b = render_card(CardInfo("幸福里议事会", "李叔"), "2026-12-03 08:00:00")
    assert a.shape == (HEIGHT, WIDTH, 3) and a.dtype == np.uint8
    assert np.count_nonzero(np.any(a != b, axis=2)) > 200


def test_the_media_playlist_lists_parts_a_preload_hint_and_server_control() -> None:
    # 2 parts a 1 s segment; 23 parts made: segments 0-10 complete, 1 part of segment 11.
    text = media_playlist(23, 1_800_000_000.0, 3, 2)
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U" and "#EXT-X-TARGETDURATION:1" in lines
    assert "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500" in lines
    assert "#EXT-X-PART-INF:PART-TARGET=0.500" in lines and "#EXT-X-MEDIA-SEQUENCE:8" in lines
    assert [x for x in lines if x.endswith(".ts") and not x.startswith("#")] == [
        "seg8.ts",
        "seg9.ts",
        "seg10.ts",
    ]
    # Every segment's rounded duration is within the target duration (RFC 8216 §4.3.3.1).
    assert [x for x in lines if x.startswith("#EXTINF:")] == ["#EXTINF:1.000,"] * 3
    parts = [x for x in lines if x.startswith("#EXT-X-PART:")]
    # The parts of the last two complete segments and of the one being made (first: a key frame).
    assert len(parts) == 2 + 2 + 1
    assert parts[0] == '#EXT-X-PART:DURATION=0.500,URI="seg9p0.ts",INDEPENDENT=YES'
    assert parts[1] == '#EXT-X-PART:DURATION=0.500,URI="seg9p1.ts"'
    assert parts[-1] == '#EXT-X-PART:DURATION=0.500,URI="seg11p0.ts",INDEPENDENT=YES'
    assert lines[-1] == '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg11p1.ts"'
    # Segment 8 starts 8 s after stream time 0, in wall time.
    assert "#EXT-X-PROGRAM-DATE-TIME:2027-01-15T08:00:08.000+00:00" in lines
    assert lines.index("#EXT-X-PROGRAM-DATE-TIME:2027-01-15T08:00:08.000+00:00") + 2 == lines.index("seg8.ts")
    # The subtitles playlist keeps the segments and blocking reload, not the parts.
    subs = subtitles_playlist(text)
    assert "PART" not in subs and "PRELOAD" not in subs and "CAN-BLOCK-RELOAD=YES" in subs
    assert "sub10.vtt\n" in subs and "sub11.vtt" not in subs and ".ts" not in subs
