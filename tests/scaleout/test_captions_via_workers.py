"""Scale-out captions end to end: a server process in Redis mode takes a WebRTC speaker's audio and a
separate `python -m asr worker` process captions it; the final captions land in the shared log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from asr.metrics import cer
from asr.model import resolve_model_dir
from asr.settings import AsrSettings
from meeting_server.media.ice import configure_host_addresses
from tests.asr_redis.procs import WorkerProcess
from tests.audio.test_floor_captions import REFERENCE, finals, speak
from tests.support.hub import DEMO_SPEC, Peer
from tests.support.process import ServerProcess
from tests.support.redis import RedisServer

from .test_two_processes import SECRET

pytestmark = pytest.mark.slow


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[ServerProcess, WorkerProcess]]:
    redis = RedisServer(tmp_path / "redis")
    model = resolve_model_dir(AsrSettings(model_cache_dir=str(tmp_path / "model")))
    worker = WorkerProcess(redis.url, "w1", model, tmp_path)
    server = ServerProcess(
        tmp_path / "server",
        extra_env={
            "GONGZHI_REDIS__URL": redis.url,
            "GONGZHI_SERVER__SECRET_KEY": SECRET,
            "GONGZHI_MEDIA__CAPTIONS": "true",
        },
    )
    configure_host_addresses(["127.0.0.1"])
    try:
        worker.wait_ready()
        yield server, worker
    finally:
        configure_host_addresses(None)
        server.stop()
        worker.terminate()
        redis.stop()


async def test_worker_process_captions_the_floor(stack: tuple[ServerProcess, WorkerProcess]) -> None:
    server, _ = stack
    links = server.create_meeting(DEMO_SPEC)["links"]
    mod, wang, obs = (Peer(server.url, links[r]["token"]) for r in ("moderator", "participant", "observer"))
    pc = None
    try:
        for p in (mod, wang, obs):
            await p.connect()
        await mod.join("主持人")
        await wang.join("王阿姨")
        await mod.ok("OpenMeeting")
        await mod.ok("StartAgendaItem", index=0)
        await mod.ok("GrantFloor", participant_id=wang.participant_id)
        pc, track = await speak(wang, "c01.wav", tail_s=1.5)
        await obs.wait_for(lambda: len(finals(obs)) >= 1 and track.readyState == "ended", timeout=120)
        await mod.ok("RevokeFloor")  # closes the stream: the worker's last finals are still logged

        def good() -> bool:
            return cer([(REFERENCE["c01.wav"], "".join(f["text"] for f in finals(obs)))]) < 0.35

        await obs.wait_for(good, timeout=60)
        text = "".join(f["text"] for f in finals(obs))
        assert cer([(REFERENCE["c01.wav"], text)]) < 0.35, text
        assert all(f["participant_id"] == wang.participant_id for f in finals(obs))
    finally:
        if pc is not None:
            await pc.close()
        for p in (mod, wang, obs):
            await p.close()
