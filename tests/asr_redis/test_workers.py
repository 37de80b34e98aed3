"""Captions by real worker subprocesses through a real redis-server, on real speech."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from asr.metrics import cer
from asr.redis_protocol import GROUP
from asr.redis_service import RedisAsrService, RedisAsrStream
from asr.settings import SAMPLE_RATE, AsrSettings
from asr.stream import Caption

from .conftest import gap, start_worker
from .procs import RedisServer, WorkerProcess

pytestmark = pytest.mark.slow

CER_BOUND = 0.30
Sentences = list[tuple[np.ndarray, str]]


async def feed(stream: RedisAsrStream, audio: np.ndarray, chunk_s: float = 0.02) -> None:
    """As fast as possible, in WebRTC-sized chunks."""
    step = int(chunk_s * SAMPLE_RATE)
    for i in range(0, len(audio), step):
        stream.feed(audio[i : i + step])
        if i % (step * 10) == 0:
            await asyncio.sleep(0)


async def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def finals(captions: list[Caption]) -> list[Caption]:
    return [c for c in captions if c.kind == "final"]


def assert_in_order_without_overlap(captions: list[Caption]) -> None:
    for before, after in itertools.pairwise(captions):
        assert after.start >= before.end - 0.05, (before, after)


def assert_cleaned_up(server: RedisServer) -> None:
    """No pending job, no leftover job entry, no per-stream key."""
    assert server.client.xpending("gongzhi:asr:jobs", GROUP)["pending"] == 0
    assert server.client.xlen("gongzhi:asr:jobs") == 0
    assert server.client.keys("gongzhi:asr:audio:*") == []
    assert server.client.keys("gongzhi:asr:out:*") == []


async def test_one_worker_captions_a_turn(
    redis_server: RedisServer,
    workers: list[WorkerProcess],
    model_dir: Path,
    tmp_path: Path,
    sentences: Sentences,
) -> None:
    worker = start_worker(workers, redis_server, model_dir, tmp_path, "w1")
    service = RedisAsrService(AsrSettings(), redis_url=redis_server.url, close_timeout_s=120)
    await service.start()  # the job may be posted before the worker is up: it waits in the group
    try:
        captions: list[Caption] = []
        stream = service.open_stream(hotwords=["东门"], on_caption=captions.append)
        audio = np.concatenate([sentences[0][0], gap(0.6), sentences[1][0], gap(0.3)])
        await feed(stream, audio)
        assert stream.received_seconds == pytest.approx(len(audio) / SAMPLE_RATE)
        await asyncio.to_thread(worker.wait_ready)
        await stream.close()
        assert stream.lag_seconds == 0.0
    finally:
        await service.stop()
    got = finals(captions)
    assert got, captions
    assert_in_order_without_overlap(got)
    text = "".join(c.text for c in got)
    assert cer([(sentences[0][1] + sentences[1][1], text)]) < CER_BOUND, text
    assert stream.workers == {"w1"}
    assert_cleaned_up(redis_server)
    assert worker.terminate() == 0  # SIGTERM with nothing to do: a clean exit


async def test_killed_worker_is_replaced_and_each_final_appears_once(
    redis_server: RedisServer,
    workers: list[WorkerProcess],
    model_dir: Path,
    tmp_path: Path,
    sentences: Sentences,
) -> None:
    pool = {name: start_worker(workers, redis_server, model_dir, tmp_path, name) for name in ("a", "b")}
    await asyncio.gather(*(asyncio.to_thread(w.wait_ready) for w in pool.values()))
    service = RedisAsrService(AsrSettings(), redis_url=redis_server.url, close_timeout_s=150)
    await service.start()
    try:
        captions: list[Caption] = []
        stream = service.open_stream(on_caption=captions.append)
        (s1, r1), (s2, r2), (s3, r3) = sentences
        half = len(s2) // 2
        await feed(stream, np.concatenate([s1, gap(0.6), s2[:half]]))

        first_ends = len(s1) / SAMPLE_RATE

        def mid_second_sentence() -> bool:
            return bool(finals(captions)) and any(
                c.kind == "partial" and c.start >= first_ends for c in captions
            )

        # the worker has committed the first sentence and is decoding the second one
        await wait_for(mid_second_sentence, 90, "a final and then a partial")
        assert len(stream.workers) == 1
        victim = pool[next(iter(stream.workers))]
        victim.kill()
        delivered_before = len(finals(captions))
        await feed(stream, np.concatenate([s2[half:], gap(0.6), s3, gap(0.3)]))
        await stream.close()
    finally:
        await service.stop()
    got = finals(captions)
    assert stream.workers == {"a", "b"}  # the survivor took the job over
    assert len(got) > delivered_before
    assert stream.filter.skipped >= 1  # the replay re-emitted what was delivered; it was dropped
    assert_in_order_without_overlap(got)
    texts = [c.text for c in got]
    assert len(set(texts)) == len(texts), texts
    assert cer([(r1 + r2 + r3, "".join(texts))]) < CER_BOUND, texts
    assert_cleaned_up(redis_server)
    survivor = next(w for w in pool.values() if w is not victim)
    assert "reclaimed job" in survivor.log.read_text()
