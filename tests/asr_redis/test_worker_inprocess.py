"""Worker life cycle against a real redis-server, with a scripted decoder (no model, fast)."""

from __future__ import annotations

import pytest

from asr.redis_protocol import GROUP, encode_pcm, job_fields
from asr.redis_service import AsrWorkerError, RedisAsrService
from asr.settings import SAMPLE_RATE, AsrSettings
from asr.stream import Caption

from .procs import RedisServer
from .scripted import JOBS, Running, speech, wait_for


async def test_sigterm_hands_a_live_job_to_another_worker_at_once(redis_server: RedisServer) -> None:
    first = Running(redis_server.url, "first")
    service = RedisAsrService(AsrSettings(), redis_url=redis_server.url, close_timeout_s=20)
    await service.start()
    second: Running | None = None
    try:
        captions: list[Caption] = []
        stream = service.open_stream(on_caption=captions.append)
        stream.feed(speech(("speech", 2.0), ("silence", 1.0), ("speech", 1.0)))
        await wait_for(lambda: any(c.kind == "final" for c in captions))
        assert stream.workers == {"first"}
        # the audio keys expire on their own if everyone forgets them
        assert 0 < redis_server.client.ttl(stream.audio_key) <= 3600
        assert 0 < redis_server.client.ttl(stream.out_key) <= 3600
        second = Running(redis_server.url, "second")
        await first.close()  # mid-utterance: the job goes back, marked idle
        stream.feed(speech(("speech", 1.0), ("silence", 1.0)))
        # claim_idle_s is 30 s and close() waits 20 s at most: only the hand-back can make this pass
        await stream.close()
    finally:
        await service.stop()
        if second is not None:
            await second.close()
    finals = [c for c in captions if c.kind == "final"]
    assert stream.workers == {"first", "second"}
    assert len(finals) == 2 and finals[1].start >= finals[0].end, finals
    assert redis_server.client.xpending(JOBS, GROUP)["pending"] == 0
    assert redis_server.client.exists(stream.audio_key, stream.out_key) == 0


async def test_a_worker_that_lost_its_job_stops_publishing(redis_server: RedisServer) -> None:
    worker = Running(redis_server.url, "slow", claim_idle_s=1.0)
    service = RedisAsrService(AsrSettings(), redis_url=redis_server.url, close_timeout_s=20)
    await service.start()
    try:
        stream = service.open_stream(on_caption=lambda c: None)
        stream.feed(speech(("speech", 1.0)))
        await wait_for(lambda: bool(worker.worker._jobs))
        (job_id,) = worker.worker._jobs
        # as if the worker had stalled past claim_idle_s and another had taken the job over
        redis_server.client.xclaim(JOBS, GROUP, "thief", 0, [job_id])
        await wait_for(lambda: not worker.worker._jobs)  # the heartbeat noticed and dropped it
        # the thief never comes back: after claim_idle_s the worker reclaims it as a dead one's job
        await stream.close()
    finally:
        await service.stop()
        await worker.close()
    assert worker.worker.jobs_completed == 1
    assert redis_server.client.xpending(JOBS, GROUP)["pending"] == 0


async def test_a_job_whose_stream_is_gone_is_dropped(redis_server: RedisServer) -> None:
    redis_server.client.xgroup_create(JOBS, GROUP, id="0", mkstream=True)
    redis_server.client.xadd(JOBS, job_fields("nobody", [], True, {}))  # type: ignore[arg-type]
    worker = Running(redis_server.url, "w")
    try:
        await wait_for(lambda: redis_server.client.xlen(JOBS) == 0)
    finally:
        await worker.close()
    assert redis_server.client.xpending(JOBS, GROUP)["pending"] == 0


async def test_a_broken_stream_is_reported_and_its_job_ended(redis_server: RedisServer) -> None:
    worker = Running(redis_server.url, "w", fail=True)
    service = RedisAsrService(AsrSettings(), redis_url=redis_server.url, close_timeout_s=20)
    await service.start()
    try:
        stream = service.open_stream(on_caption=lambda c: None)
        stream.feed(speech(("speech", 1.5), ("silence", 1.0)))
        with pytest.raises(AsrWorkerError, match="decoder broke"):
            await stream.close()
    finally:
        await service.stop()
        await worker.close()
    assert redis_server.client.xpending(JOBS, GROUP)["pending"] == 0
    assert redis_server.client.xlen(JOBS) == 0


async def test_audio_resent_after_a_lost_reply_is_fed_once(redis_server: RedisServer) -> None:
    r = redis_server.client
    r.xgroup_create(JOBS, GROUP, id="0", mkstream=True)
    audio, out = "gongzhi:asr:audio:s1", "gongzhi:asr:out:s1"
    one_s = speech(("speech", 1.0))
    r.xadd(audio, {"kind": "open"})
    for offset, pcm in ((0, one_s), (0, one_s), (SAMPLE_RATE, one_s[: SAMPLE_RATE // 2])):
        r.xadd(audio, {"kind": "pcm", "offset": offset, "pcm": encode_pcm(pcm)})
    r.xadd(audio, {"kind": "end", "offset": SAMPLE_RATE * 3 // 2})
    r.xadd(JOBS, job_fields("s1", [], False, {}))  # type: ignore[arg-type]
    worker = Running(redis_server.url, "w")
    try:
        await wait_for(lambda: any(f[b"kind"] == b"done" for _i, f in r.xrange(out)))
    finally:
        await worker.close()
    done = next(f for _i, f in r.xrange(out) if f[b"kind"] == b"done")
    assert float(done[b"pos"]) == 1.5  # the duplicate second batch was skipped
