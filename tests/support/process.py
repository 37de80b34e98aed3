"""Shared by tests and benchmarks: run a Gongzhi server as a subprocess on loopback and create a meeting."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ADMIN = "bench-admin-token"

SPEC: dict[str, Any] = {
    "title": "基准测试议事会",
    "level": "jiedao",
    "place": "街道办事处",
    "scheduled_at": "2026-12-01T19:00+08:00",
    "agenda": [{"title": "议题一", "planned_minutes": 60}],
}


# Every benchmark client connects from 127.0.0.1 and at once: the per-address limits (sized for one NAT) and
# the shared links' bursts would refuse a crowd that, in a real hall, comes from many addresses over minutes.
CROWD_ENV = {
    "GONGZHI_LIMITS__CONNECTIONS_PER_ADDRESS": "1000000",
    "GONGZHI_LIMITS__CONNECTIONS_PER_LINK": "1000000",
    "GONGZHI_LIMITS__CONNECTIONS_PER_OBSERVER_LINK": "1000000",
    "GONGZHI_LIMITS__CONNECTS_PER_ADDRESS_BURST": "1000000",
    "GONGZHI_LIMITS__PENDING_PER_ADDRESS": "1000000",
    "GONGZHI_LIMITS__LINK_HELLOS_BURST": "1000000",
    "GONGZHI_LIMITS__LINK_JOINS_BURST": "1000000",
    "GONGZHI_LIMITS__LINK_COMMANDS_BURST": "1000000",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ServerProcess:
    def __init__(
        self, data_dir: Path, port: int | None = None, extra_env: dict[str, str] | None = None
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(
            {
                "GONGZHI_SERVER__ADMIN_TOKEN": ADMIN,
                "GONGZHI_SERVER__HOST": "127.0.0.1",
                "GONGZHI_SERVER__PORT": str(self.port),
                "GONGZHI_STORE__DATA_DIR": str(data_dir),
                **(extra_env or {}),
            }
        )
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir / f"server-{self.port}.log"
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "meeting_server", "serve"], env=env, stdout=log, stderr=log
            )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("server exited: " + self.log_path.read_text()) from None
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def create_meeting(self, spec: dict[str, Any] | None = None) -> dict[str, Any]:
        req = urllib.request.Request(
            self.url + "/api/meetings",
            data=json.dumps(spec or SPEC).encode(),
            headers={"Authorization": "Bearer " + ADMIN, "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            body: dict[str, Any] = json.loads(r.read())
            return body

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
