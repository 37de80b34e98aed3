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
