"""Minutes of a scripted meeting whose captions are Whisper's transcription of real speech: every speaker,
motion, vote and resolution with the right counts and results, the action items the speech states, the
statistics, the log hashes, and the transcript appendix."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from asr.metrics import cer
from summarizer.actions import find_action
from summarizer.build import build_minutes
from summarizer.document import load_document, to_markdown
from summarizer.model import Minutes

from .conftest import NAMES, RESOLUTION_TEXT, TURNS, reference
from .driver import LogDriver

pytestmark = pytest.mark.slow  # the captions come from the Whisper model


@pytest.fixture(scope="module")
def minutes(meeting: LogDriver) -> Minutes:
    return build_minutes(meeting.records)


def test_header_and_attendance(minutes: Minutes) -> None:
    h, a = minutes.header, minutes.attendance
    assert (h.title, h.level, h.date, h.place) == (
        "阳光新城居民议事会",
        "小区",
        dt.date(2026, 12, 1),
        "阳光新城社区活动中心",
    )
    assert (h.moderator, h.timer, h.recorder) == (("主持人张",), ("计时员陈",), ("记录员李",))
    assert a.online == ("王阿姨", "李师傅", "赵同学", "张先生")
    assert a.room == ("刘大爷（3号楼2单元）", "孙奶奶（5号楼）")
    assert (a.expected, a.attended, a.quorum_min, a.peak_present, a.quorum_met) == (10, 6, 6, 6, True)


def test_every_speaker_in_order_with_round_time_and_summary(minutes: Minutes, meeting: LogDriver) -> None:
    first, second = minutes.items
    assert [(s.speaker, s.channel, s.round) for s in first.speeches] == [
        ("王阿姨", "online", 1),
        ("刘大爷", "room", 1),
        ("李师傅", "online", 1),
    ]
    assert [(s.speaker, s.round) for s in second.speeches] == [("张先生", 0), ("孙奶奶", 0), ("赵同学", 0)]
    assert [s.spoken_s for s in first.speeches] == [42.0, 180.0, 55.0]
    assert [s.ended for s in first.speeches] == ["yielded", "expired", "yielded"]
    captions = {c.seq: c for c in minutes.transcript}
    for item in minutes.items:
        for s in item.speeches:
            assert 1 <= len(s.summary) <= 2
            assert s.first_caption_seq in captions and captions[s.first_caption_seq].speaker == s.speaker
            said = "".join(c.text for c in minutes.transcript if c.turn_id == s.turn_id)
            assert all(sentence.rstrip("…") in said or sentence.endswith("…") for sentence in s.summary)
            # The summary is the speaker's own (recognised) words, close to what was really said.
            spoken = "".join(reference(clip) for clip in TURNS[s.turn_id])
            assert cer([(spoken, said)]) < 0.35, said
    # The last speaker's captions came after MeetingClosed and are still in the minutes.
    assert second.speeches[-1].captions == len(TURNS["t6"])


def test_motions_votes_and_resolutions_with_counts(minutes: Minutes) -> None:
    first, second = minutes.items
    (m1,) = first.motions
    assert (m1.motion_id, m1.mover, m1.seconder, m1.status, m1.text) == (
        "m1",
        "王阿姨",
        "李师傅",
        "通过",
        RESOLUTION_TEXT,
    )
    (m2,) = m1.amendments
    assert (m2.mover, m2.seconder, m2.status) == ("赵同学", "李师傅", "通过")
    (v2,) = m2.votes
    assert (v2.online, v2.room, v2.totals, v2.passed, v2.secret) == (
        (3, 1, 0),
        (1, 1, 0),
        (4, 2, 0),
        True,
        False,
    )
    assert (v2.present, v2.quorum_min, v2.quorum_met) == (6, 6, True)
    (v1,) = m1.votes
    # A secret vote: no choices by channel (the hall's count, less from the totals, would give the online
    # ballots away), only how many ballots each channel cast.
    assert (v1.online, v1.room, v1.totals, v1.passed, v1.secret, v1.ballots) == (
        None,
        None,
        (5, 0, 1),
        True,
        True,
        (4, 2),
    )
    assert v1.threshold == "三分之二多数"
    (m3,) = second.motions
    (v3,) = m3.votes
    assert (m3.status, v3.totals, v3.passed, v3.threshold) == (
        "未通过",
        (2, 4, 0),
        False,
        "过半数（在场表决人）",
    )
    (r1,) = first.resolutions
    assert (r1.resolution_id, r1.motion_id, r1.text) == ("r1", "m1", RESOLUTION_TEXT)
    assert not second.resolutions
    assert [k.text for k in first.key_points] == ["居民普遍支持增设车位，但担心收费标准"]


def test_action_items_match_the_speech_and_the_resolution(minutes: Minutes) -> None:
    first, _ = minutes.items
    spoken = [a for a in first.actions if a.source == "李师傅"]
    expected = find_action(reference("c39"), dt.date(2026, 12, 1))
    assert expected is not None and expected.due is not None
    assert (
        [(a.owner, a.due) for a in spoken]
        == [(expected.owner, expected.due.date)]
        == [("物业公司", dt.date(2026, 12, 11))]
    )
    decided = [a for a in first.actions if a.source == "决议 r1"]
    assert [(a.owner, a.due, a.due_text) for a in decided] == [
        ("物业公司", dt.date(2026, 12, 31), "本月底前")
    ]
    assert not [a for a in first.actions if a.source == "王阿姨"]  # a proposal is not an action item


def test_statistics(minutes: Minutes) -> None:
    s = minutes.statistics
    assert s.turns == 6 and s.captions == len(minutes.transcript)
    assert (s.online_speakers, s.room_speakers) == (4, 2)
    assert s.room_spoken_s == 215.0  # 刘大爷 180 s + 孙奶奶 35 s
    assert s.speakers[0].speaker == "刘大爷" and s.speakers[0].spoken_s == 180.0
    assert s.limit_hits == (("刘大爷", "东门增设临时停车位", "t2"),)
    assert [title for title, _ in s.item_durations] == ["东门增设临时停车位", "老旧小区加装电梯方案"]
    assert all(seconds > 0 for _, seconds in s.item_durations)


def test_markdown_names_everything_and_the_log_hashes(meeting: LogDriver) -> None:
    md = to_markdown(load_document(meeting.records))
    for name in NAMES.values():
        assert name in md
    for text in (
        "m1",
        "m2",
        "m3",
        "决议 r1",
        "赞成 5、反对 0、弃权 1",
        "赞成 2、反对 4、弃权 0",
        "**未通过**",
    ):
        assert text in md
    closed = next(r for r in meeting.records if r.type == "MeetingClosed")
    assert closed.hash in md and meeting.records[-1].hash in md
    for r in meeting.records:
        if r.type == "CaptionCommitted":
            assert f'<a id="c-{r.seq}"></a>' in md
    assert "下周五" in md and "2026年12月11日" in md


def test_a_draft_is_quick(meeting: LogDriver) -> None:
    t0 = time.perf_counter()
    build_minutes(meeting.records)
    assert time.perf_counter() - t0 < 5
