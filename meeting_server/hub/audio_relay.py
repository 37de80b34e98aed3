"""The meeting's sound across server processes (scale-out: ``[redis] url`` set).

A microphone's WebRTC connection (a phone holding the floor, the hall audio station) reaches one process,
but every process with a viewer runs its own livestream encoder and ``live.mp3``, and the hall station
(which plays a phone speaker into the hall) may be on yet another. So the process that receives a
microphone publishes what its floor gate lets through to listeners (``MeetingAudio``: the floor's audio,
the hall between turns), each chunk as it comes (20 ms, 16 kHz mono int16: 640 bytes and an ~80-byte
header, ~36 KB/s a microphone), on ``gongzhi:audio:<meeting>`` with its source and a sequence number; every
other process that has a listener of the meeting (an encoder, an MP3 stream, the hall station) hands it on
exactly as a local microphone's (``MeetingAudio.hear``). Captions and the recording stay with the process
that receives the microphone (once per meeting).

Order: one publisher's messages arrive in order (one Redis connection each way); a chunk not newer than the
last one seen from the same process and source is dropped (``late``), and a gap is counted (``lost``).
Jitter needs no buffer of its own: the encoders keep real time by padding silence only once they are more
than 0.2 s behind (``live``, ``hls``), and the hall playback keeps its own ≤ 0.25 s buffer, as for a local
microphone. A process that stops publishing (the floor ended, it crashed) leaves silence, padded by the same
clocks.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from meeting_server.store.redis_log import PREFIX

from .relay import RedisRelay

CHANNEL = PREFIX + "audio:"  # + meeting id
QUEUE_MAX = 100  # ~2 s of one microphone waiting for Redis; beyond that chunks are dropped
FORGET_S = 30.0  # a (process, source) silent this long is forgotten (its next chunk starts afresh)
HOLD_S = 0.5  # one process's chunks of a source at a time: another's count once the first is this quiet

Pcm = npt.NDArray[np.float32]


class Listeners(Protocol):
    """A meeting's audio on this process (``media.floor_audio.MeetingAudio``)."""

    @property
    def listened(self) -> bool: ...
    def hear_remote(self, source: str, pcm: Pcm) -> None: ...


def to_int16(pcm: Pcm) -> bytes:
    return (np.clip(np.asarray(pcm, dtype=np.float32).reshape(-1), -1.0, 1.0) * 32767).astype("<i2").tobytes()


def from_int16(data: bytes) -> Pcm:
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


class AudioRelay(RedisRelay):
    """``publish(meeting, source, pcm)`` on the process with the microphone; on the others each chunk goes to
    ``meetings[meeting].hear_remote`` (16 kHz mono float32), only while someone there listens (``listened``).
    A source is taken from one process at a time (two hall stations of a meeting on two processes: one is
    heard, not both one after the other, which would stretch the stream past real time)."""

    name = "audio relay"

    def __init__(self, url: str, meetings: Mapping[str, Listeners]) -> None:
        super().__init__(url, CHANNEL, QUEUE_MAX)
        self.meetings = meetings
        self._seq: dict[tuple[str, str], int] = {}  # (meeting, source) → the next sequence number sent
        self._last: dict[tuple[str, str, str], tuple[int, float]] = {}  # (meeting, process, source) → seen
        self._from: dict[tuple[str, str], tuple[str, float]] = {}  # (meeting, source) → process heard, when
        self.received = 0  # chunks from other processes handed on
        self.lost = 0  # chunks missing in a sequence (dropped by a full queue on the sender)
        self.late = 0  # chunks older than one already handed on (dropped)
        self.contended = 0  # chunks of a source another process is being heard for (dropped)

    def publish(self, meeting_id: str, source: str, pcm: Pcm) -> None:
        key = (meeting_id, source)
        seq = self._seq.get(key, 0)
        self._seq[key] = seq + 1
        self.send(meeting_id, {"kind": "pcm", "source": source, "seq": seq}, to_int16(pcm))

    async def handle(self, meeting_id: str, header: dict[str, Any], body: bytes) -> None:
        audio = self.meetings.get(meeting_id)
        if header["kind"] != "pcm" or audio is None or not audio.listened:
            return
        source, seq, process = str(header["source"]), int(header["seq"]), str(header["process"])
        now = time.monotonic()
        heard = self._from.get((meeting_id, source))
        if heard is not None and heard[0] != process and now - heard[1] < HOLD_S:
            self.contended += 1
            return
        self._from[(meeting_id, source)] = (process, now)
        key = (meeting_id, process, source)
        last = self._last.get(key)
        if last is not None and now - last[1] < FORGET_S:
            if seq <= last[0]:
                self.late += 1
                return
            self.lost += seq - last[0] - 1
        self._last[key] = (seq, now)
        if len(self._last) > 256:
            self._last = {k: v for k, v in self._last.items() if now - v[1] < FORGET_S}
            self._from = {k: v for k, v in self._from.items() if now - v[1] < FORGET_S}
        self.received += 1
        audio.hear_remote(source, from_int16(body))
