"""The server's [asr] settings reach a worker's stream, through a real redis-server (scripted decoder)."""

from __future__ import annotations

from dataclasses import fields

from asr.policy import PolicyConfig
from asr.redis_protocol import GROUP, encode_pcm, job_fields
from asr.redis_service import RedisAsrService
from asr.service import AsrStream
from asr.settings import ENGINE_FIELDS, STREAM_FIELDS, AsrSettings
from asr.stream import DecodeOptions

from .procs import RedisServer
from .scripted import CHOICES, JOBS, Running, speech, wait_for, with_stream_fields_changed


def open_streams(running: Running) -> list[AsrStream]:
    """The worker's local streams now open (one per job it decodes)."""
    return [s for service in running.worker._services.values() for s in service._streams]


async def test_every_stream_setting_of_the_server_reaches_the_worker(redis_server: RedisServer) -> None:
    default = AsrSettings()
    server = with_stream_fields_changed(
        AsrSettings(device="cuda", compute_type="float16", num_workers=3, cpu_threads=4, model_dir="/server")
    )
    local = with_stream_fields_changed(
        AsrSettings(device="auto", compute_type="int8_float16", num_workers=2, cpu_threads=2, model_dir="/w"),
        times=2,
    )
    for name in STREAM_FIELDS:  # three different values each, or the test could pass by coincidence
        assert getattr(server, name) != getattr(local, name), name
        if name not in CHOICES:  # a two-valued choice: the server's differs from the worker's own
            assert getattr(server, name) != getattr(default, name) != getattr(local, name), name
    worker = Running(redis_server.url, "w", settings=local)
    service = RedisAsrService(server, redis_url=redis_server.url, close_timeout_s=20)
    await service.start()
    try:
        stream = service.open_stream(on_caption=lambda c: None)
        stream.feed(speech(("speech", 2.0)))
        await wait_for(lambda: bool(open_streams(worker)) and bool(worker.decoder.options))
        (remote,) = open_streams(worker)
        stream.feed(speech(("silence", 1.0)))
        await stream.close()
    finally:
        await service.stop()
        await worker.close()
    job = remote._service.settings
    for name in STREAM_FIELDS:
        assert getattr(job, name) == getattr(server, name), name
    for name in ENGINE_FIELDS:  # the model is the worker's own
        assert getattr(job, name) == getattr(local, name), name
    # what the worker's policy and decodes actually ran with, field by field
    policy = remote._processor.policy.cfg
    for f in fields(PolicyConfig):
        assert getattr(policy, f.name) == getattr(server, f.name), f.name
    assert set(worker.decoder.options) == {DecodeOptions.from_settings(server)}


async def test_a_job_with_unusable_settings_is_reported_and_ended(redis_server: RedisServer) -> None:
    r = redis_server.client
    r.xgroup_create(JOBS, GROUP, id="0", mkstream=True)
    audio, out = "gongzhi:asr:audio:s1", "gongzhi:asr:out:s1"
    r.xadd(audio, {"kind": "open"})
    r.xadd(audio, {"kind": "pcm", "offset": 0, "pcm": encode_pcm(speech(("speech", 1.0)))})
    r.xadd(JOBS, job_fields("s1", [], False, {"beam_size": 0}))  # type: ignore[arg-type]
    worker = Running(redis_server.url, "w")
    try:
        await wait_for(lambda: any(f[b"kind"] == b"error" for _i, f in r.xrange(out)))
    finally:
        await worker.close()
    error = next(f for _i, f in r.xrange(out) if f[b"kind"] == b"error")
    assert b"beam_size" in error[b"text"]
    assert r.xpending(JOBS, GROUP)["pending"] == 0 and r.xlen(JOBS) == 0
    assert worker.decoder.options == []
