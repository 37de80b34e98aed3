"""The observers' live stream: floor audio, and the hall between turns (not while a phone has the floor)."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from meeting_server.media.floor_audio import MeetingAudio

TONE = (0.3 * np.sin(2 * np.pi * 440 * np.arange(1600) / 16000)).astype(np.float32)  # 0.1 s


async def _noop(*_: Any) -> None:
    return None


async def test_hall_is_live_between_turns_only() -> None:
    audio = MeetingAudio(
        "m1",
        asr=None,
        asr_ready=None,
        commit_final=_noop,
        send_partial=_noop,
        recordings_dir=None,
        live_bitrate=32000,
        hotwords=list,
    )
    live = audio.live()
    assert live is not None
    written = []
    live.write = lambda pcm: written.append(len(pcm))  # type: ignore[method-assign]
    try:
        assert audio.on_audio("hall", TONE) is False  # nobody holds the floor: the room is heard
        assert written == [1600]
        audio.on_floor_granted("t1", "p1", "王阿姨", "online")
        assert audio.on_audio("hall", TONE) is False  # a phone speaks: the hall is left out
        assert audio.on_audio("p2", TONE) is False  # and so is everyone else
        assert audio.on_audio("p1", TONE) is True
        assert written == [1600, 1600]
        audio.on_floor_ended("t1")
        audio.on_floor_granted("t2", "room-1", "刘大爷", "room")
        assert audio.on_audio("hall", TONE) is True  # an in-room speaker: the hall is the floor
        assert written == [1600, 1600, 1600]
    finally:
        await audio.close()
        await asyncio.sleep(0)


async def test_a_remote_microphone_is_heard_unless_the_same_source_is_heard_here() -> None:
    published: list[tuple[str, int]] = []
    audio = MeetingAudio(
        "m1",
        asr=None,
        asr_ready=None,
        commit_final=_noop,
        send_partial=_noop,
        recordings_dir=None,
        live_bitrate=32000,
        hotwords=list,
        publish=lambda source, pcm: published.append((source, len(pcm))),
    )
    live = audio.live()
    assert live is not None and audio.listened
    written = []
    live.write = lambda pcm16k: written.append(len(pcm16k))  # type: ignore[method-assign]
    try:
        audio.hear_remote("p1", TONE)  # a phone on another process: heard here, not published again
        assert written == [1600] and published == []
        assert audio.on_audio("hall", TONE) is False  # this process's hall, between turns: heard, published
        assert written == [1600, 1600] and published == [("hall", 1600)]
        audio.hear_remote("hall", TONE)  # another process's hall station meanwhile: not on top of it
        assert written == [1600, 1600]
        audio.on_floor_granted("t1", "p2", "王阿姨", "online")
        assert audio.on_audio("hall", TONE) is False  # a phone holds the floor: the hall is not published
        assert published == [("hall", 1600)]
    finally:
        await audio.close()
        await asyncio.sleep(0)
