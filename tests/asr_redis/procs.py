"""Processes of the Redis caption tests and benchmark: a private redis-server and caption workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.redis import RedisServer

__all__ = ["RedisServer", "WorkerProcess"]

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """``python -m asr worker`` as a subprocess; ``ready`` once its model is loaded. It finds Redis
    as a deployment would, through the settings (``GONGZHI_REDIS__URL``), not a flag."""

    def __init__(self, redis_url: str, name: str, model_dir: Path | None, logs: Path, *extra: str) -> None:
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
                    "--name",
                    name,
                    *(["--model-dir", str(model_dir)] if model_dir else []),
                    *extra,
                ],
                stdout=out,
                stderr=err,
                cwd=ROOT,
                env={**os.environ, "GONGZHI_REDIS__URL": redis_url},
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
