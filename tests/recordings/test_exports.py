"""Transcript exports on crafted captions, including text that tries to break the subtitle formats."""

from __future__ import annotations

import json
import re

import pytest

from recordings.exports import Caption, parse_captions, to_json, to_srt, to_txt, to_vtt

CAPTIONS = [
    {
        "speaker": "李师傅",
        "start": 3725.5,
        "end": 3729.25,
        "text": "停车位的事情\n\n我不同意。",
        "agenda_item": "停车",
    },
    {"speaker": "王阿姨", "start": 1.0, "end": 4.2, "text": "我同意加装电梯。", "agenda_item": "加装电梯"},
    {
        "speaker": "主持人",
        "start": 5.0,
        "end": 6.0,
        "text": "a --> b <i>x</i> & 1\r\n \r\n2",
        "agenda_item": "加装电梯",
    },
]

TIMING = re.compile(r"^\d\d:\d\d:\d\d[,.]\d{3} --> \d\d:\d\d:\d\d[,.]\d{3}$")


def _cues(document: str) -> list[list[str]]:
    return [block.split("\n") for block in document.strip("\n").split("\n\n")]


def test_srt() -> None:
    srt = to_srt(CAPTIONS)
    cues = _cues(srt)
    assert [c[0] for c in cues] == ["1", "2", "3"]  # sorted by start, renumbered
    assert cues[0] == ["1", "00:00:01,000 --> 00:00:04,200", "王阿姨：我同意加装电梯。"]
    assert cues[1] == ["2", "00:00:05,000 --> 00:00:06,000", "主持人：a → b <i>x</i> & 1", "2"]
    assert cues[2] == ["3", "01:02:05,500 --> 01:02:09,250", "李师傅：停车位的事情", "我不同意。"]
    # Every "-->" left in the file is a timing line of its own, and each cue is exactly one block.
    assert all(TIMING.match(line) for line in srt.splitlines() if "-->" in line)
    assert srt.endswith("\n") and "\n\n\n" not in srt


def test_vtt() -> None:
    vtt = to_vtt(CAPTIONS)
    blocks = _cues(vtt)
    assert blocks[0] == ["WEBVTT"]
    assert blocks[1] == ["NOTE 议题：加装电梯"]
    assert blocks[2] == ["00:00:01.000 --> 00:00:04.200", "<v 王阿姨>我同意加装电梯。</v>"]
    assert blocks[3] == [
        "00:00:05.000 --> 00:00:06.000",
        "<v 主持人>a --&gt; b &lt;i&gt;x&lt;/i&gt; &amp; 1",
        "2</v>",
    ]
    assert blocks[4] == ["NOTE 议题：停车"]
    assert blocks[5][0] == "01:02:05.500 --> 01:02:09.250"
    assert all(TIMING.match(line) for line in vtt.splitlines() if "-->" in line)


def test_hostile_speaker_and_agenda_cannot_break_cues() -> None:
    captions = [{"speaker": "x -->\n\ny", "start": 0, "end": 1, "text": "hi", "agenda_item": "a\n\n--> b"}]
    assert _cues(to_srt(captions)) == [["1", "00:00:00,000 --> 00:00:01,000", "x → y：hi"]]
    vtt = _cues(to_vtt(captions))
    assert vtt[1] == ["NOTE 议题：a --&gt; b"]
    assert vtt[2] == ["00:00:00.000 --> 00:00:01.000", "<v x --&gt; y>hi</v>"]


def test_txt() -> None:
    assert to_txt(CAPTIONS) == (
        "【加装电梯】\n"
        "[00:00:01] 王阿姨：我同意加装电梯。\n"
        "[00:00:05] 主持人：a --> b <i>x</i> & 1 2\n"
        "\n"
        "【停车】\n"
        "[01:02:05] 李师傅：停车位的事情 我不同意。\n"
    )


def test_json_round_trips_text_unchanged() -> None:
    data = json.loads(to_json(CAPTIONS))
    assert [c["speaker"] for c in data["captions"]] == ["王阿姨", "主持人", "李师傅"]
    assert data["captions"][1]["text"] == CAPTIONS[2]["text"]
    assert parse_captions(data["captions"]) == parse_captions(CAPTIONS)


def test_empty_and_blank_captions() -> None:
    assert to_srt([]) == "" and to_txt([]) == "" and to_vtt([]) == "WEBVTT\n"
    blank = [{"speaker": "A", "start": 0, "end": 1, "text": " \n\x00 "}]
    assert to_srt(blank) == "" and to_vtt(blank) == "WEBVTT\n"


def test_end_before_start_is_clamped_and_caption_objects_accepted() -> None:
    (c,) = parse_captions([Caption("A", 5.0, 4.0, "x")])
    assert (c.start, c.end) == (5.0, 5.0)


@pytest.mark.parametrize(
    "bad",
    [
        {"speaker": "A", "start": "0", "end": 1, "text": "x"},
        {"speaker": "A", "start": 0, "end": float("nan"), "text": "x"},
        {"speaker": "A", "start": -1, "end": 1, "text": "x"},
        {"speaker": "A", "start": True, "end": 1, "text": "x"},
        {"speaker": "A", "start": 0, "end": 1, "text": None},
        {"speaker": "A", "start": 0, "end": 1, "text": "x", "agenda_item": 3},
    ],
)
def test_invalid_captions_name_the_problem(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="caption 0"):
        parse_captions([bad])
