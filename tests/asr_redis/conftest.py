"""Fixtures of the Redis caption tests: a private redis-server, worker subprocesses, test speech."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import redis

from asr.audio import load_audio
from asr.model import resolve_model_dir
from asr.settings import SAMPLE_RATE, AsrSettings
from tests.support.process import free_port

ROOT = Path(__file__).resolve().parents[2]
SPEECH = ROOT / "tests" / "data" / "speech"


class RedisServer:
    """A throwaway redis-server on a free loopback port (never the system one)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class WorkerProcess:
    """``python -m asr worker`` as a subprocess; ``ready`` once its model is loaded."""

    def __init__(self, redis_url: str, name: str, model_dir: Path, logs: Path, *extra: str) -> None:
        self.name = name
        self.out = logs / f"{name}.out"
        self.log = logs / f"{name}.log"
        with self.out.open("wb") as out, self.log.open("wb") as err:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "asr",
                    "worker",
                    "--redis-url",
                    redis_url,
                    "--name",
                    name,
                    "--model-dir",
                    str(model_dir),
                    "--claim-idle",
                    "2",
                    "--heartbeat",
                    "0.5",
                    *extra,
                ],
                stdout=out,
                stderr=err,
                cwd=ROOT,
            )

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while b"ready" not in self.out.read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {self.name} did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def terminate(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        return self.proc.returncode


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled model, assembled once into a temporary cache (or a configured directory)."""
    configured = os.environ.get("GONGZHI_TEST_MODEL_DIR")
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
    worker = WorkerProcess(redis_server.url, name, model_dir, logs)
    workers.append(worker)
    return worker


@pytest.fixture(scope="session")
def sentences() -> list[tuple[np.ndarray, str]]:
    """(audio, reference) of the first three clips."""
    rows = [line.split("\t") for line in (SPEECH / "manifest.tsv").read_text("utf-8").splitlines() if line]
    return [(load_audio(SPEECH / name), ref) for name, ref in rows[:3]]


def gap(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)
