"""The sound's relay on a real redis-server, two relays in this process standing for two server processes:
chunks arrive in order and intact (16-bit), a process never hears itself, a meeting no one here listens to is
not handed on, an old or repeated chunk is dropped while a gap is counted, a source is taken from one
process at a time, and Redis going away costs what was sent meanwhile (nothing waits, the listener comes
back)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from meeting_server.hub.audio_relay import AudioRelay, from_int16, to_int16
from tests.media.helpers import wait_until
from tests.support.redis import RedisServer


class Heard:
    """What a meeting's audio on one process was handed (the listener side of ``MeetingAudio``)."""

    def __init__(self, listened: bool = True) -> None:
        self.listened = listened
        self.chunks: list[tuple[str, npt.NDArray[np.float32]]] = []

    def hear_remote(self, source: str, pcm: npt.NDArray[np.float32]) -> None:
        self.chunks.append((source, pcm))


@pytest.fixture
async def relays(
    tmp_path: Path,
) -> AsyncIterator[tuple[AudioRelay, AudioRelay, dict[str, Heard], dict[str, Heard]]]:
    server = RedisServer(tmp_path / "redis")
    here: dict[str, Heard] = {"m1": Heard(), "m2": Heard(listened=False)}
    there: dict[str, Heard] = {"m1": Heard(), "m2": Heard(listened=False)}
    a, b = AudioRelay(server.url, here), AudioRelay(server.url, there)
    a.start()
    b.start()
    try:
        await asyncio.sleep(0.3)  # both subscribed
        yield a, b, here, there
    finally:
        await a.close()
        await b.close()
        server.stop()


def chunk(i: int) -> npt.NDArray[np.float32]:
    t = np.arange(i * 320, (i + 1) * 320) / 16000
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


async def test_chunks_reach_the_other_process_in_order_and_only_there(
    relays: tuple[AudioRelay, AudioRelay, dict[str, Heard], dict[str, Heard]],
) -> None:
    a, b, here, there = relays
    sent = [chunk(i) for i in range(100)]
    for pcm in sent:
        a.publish("m1", "p1", pcm)
        a.publish("m2", "p1", pcm)  # no one listens to m2 on b
        await asyncio.sleep(0.01)  # a microphone's pace is one chunk in 20 ms
    await wait_until(lambda: len(there["m1"].chunks) == 100, 10)
    await asyncio.sleep(0.2)
    assert [s for s, _ in there["m1"].chunks] == ["p1"] * 100
    got = np.concatenate([pcm for _, pcm in there["m1"].chunks])
    assert np.max(np.abs(got - np.concatenate(sent))) < 1 / 16000  # 16-bit, in order
    assert here["m1"].chunks == [] and there["m2"].chunks == []  # never itself; m2 not wanted
    assert (b.received, b.lost, b.late) == (100, 0, 0)
    assert a.sent == 200 and a.sent_bytes / a.sent < 750  # 640 bytes of samples and an ~80-byte header


async def test_an_old_chunk_is_dropped_and_a_gap_counted(
    relays: tuple[AudioRelay, AudioRelay, dict[str, Heard], dict[str, Heard]],
) -> None:
    _, b, _, there = relays
    body = to_int16(chunk(0))
    for seq in (0, 1, 1, 0, 5, 6):
        await b.handle("m1", {"kind": "pcm", "process": "x", "source": "hall", "seq": seq}, body)
    assert len(there["m1"].chunks) == 4 and (b.late, b.lost) == (2, 3)
    # Another process's sequence of the same source is its own (once the first has gone quiet).
    await asyncio.sleep(0.6)
    await b.handle("m1", {"kind": "pcm", "process": "y", "source": "hall", "seq": 0}, body)
    assert len(there["m1"].chunks) == 5
    assert np.allclose(from_int16(body), chunk(0), atol=1 / 16000)


async def test_a_source_is_taken_from_one_process_at_a_time(
    relays: tuple[AudioRelay, AudioRelay, dict[str, Heard], dict[str, Heard]],
) -> None:
    _, b, _, there = relays
    body = to_int16(chunk(0))
    for seq in range(5):  # two hall stations of one meeting, on processes x and y, sending at once
        await b.handle("m1", {"kind": "pcm", "process": "x", "source": "hall", "seq": seq}, body)
        await b.handle("m1", {"kind": "pcm", "process": "y", "source": "hall", "seq": seq}, body)
    await b.handle("m1", {"kind": "pcm", "process": "y", "source": "p1", "seq": 0}, body)  # another source
    assert len(there["m1"].chunks) == 6 and b.contended == 5
    await asyncio.sleep(0.6)  # x has gone quiet: y is heard
    await b.handle("m1", {"kind": "pcm", "process": "y", "source": "hall", "seq": 5}, body)
    assert len(there["m1"].chunks) == 7 and b.contended == 5


async def test_redis_going_away_and_back_loses_only_what_was_sent_meanwhile(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")
    there = {"m1": Heard()}
    a, b = AudioRelay(server.url, {}), AudioRelay(server.url, there)
    a.start()
    b.start()
    try:
        await asyncio.sleep(0.3)
        a.publish("m1", "hall", chunk(0))
        await wait_until(lambda: len(there["m1"].chunks) == 1, 10)
        server.stop()
        for i in range(1, 11):  # the microphone goes on; nothing waits for Redis
            a.publish("m1", "hall", chunk(i))
            await asyncio.sleep(0.02)
        await wait_until(lambda: a.sent + a.failed + a.dropped == 11, 10)
        assert a.sent == 1 and a.failed + a.dropped == 10
        server.start()
        i = 11
        async with asyncio.timeout(20):  # the listener retries (within 5 s): the microphone is heard again
            while len(there["m1"].chunks) == 1:
                a.publish("m1", "hall", chunk(i))
                i += 1
                await asyncio.sleep(0.02)
        assert b.lost >= 10  # the sequence says how much went missing
        first = 1 + b.lost  # the first chunk heard again
        assert np.allclose(there["m1"].chunks[1][1], chunk(first), atol=1 / 16000)
    finally:
        await a.close()
        await b.close()
        server.stop()
