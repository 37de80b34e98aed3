"""Fixtures of the Redis caption tests: a private redis-server, worker subprocesses, test speech."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from asr.audio import load_audio
from asr.model import resolve_model_dir
from asr.settings import SAMPLE_RATE, AsrSettings

from .procs import ROOT, RedisServer, WorkerProcess

SPEECH = ROOT / "tests" / "data" / "speech"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled model, assembled once into a temporary cache (or a configured directory)."""
    configured = os.environ.get("GZ_TEST_MODEL_DIR")
    if configured:
        return Path(configured)
    return resolve_model_dir(AsrSettings(model_cache_dir=str(tmp_path_factory.mktemp("whisper-base"))))


@pytest.fixture
def workers(redis_server: RedisServer, model_dir: Path, tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    """Started workers (append with ``start_worker``); all stopped at the end."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        if worker.proc.poll() is None:
            worker.proc.kill()
            worker.proc.wait()


def start_worker(
    workers: list[WorkerProcess], redis_server: RedisServer, model_dir: Path, logs: Path, name: str
) -> WorkerProcess:
    worker = WorkerProcess(redis_server.url, name, model_dir, logs, "--claim-idle", "2", "--heartbeat", "0.5")
    workers.append(worker)
    return worker


@pytest.fixture(scope="session")
def sentences() -> list[tuple[np.ndarray, str]]:
    """(audio, reference) of the first three clips."""
    rows = [line.split("\t") for line in (SPEECH / "manifest.tsv").read_text("utf-8").splitlines() if line]
    return [(load_audio(SPEECH / name), ref) for name, ref in rows[:3]]


def gap(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)
