"""Through nginx (from apt) with config/nginx-scaleout.conf: sticky sessions over two processes; when the
process a client sticks to is killed, nginx moves the client to the other and it catches up from the log;
the livestream's files go through on connections nginx keeps alive to the process."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hub import DEMO_SPEC, Peer
from tests.support.process import ServerProcess, free_port
from tests.support.redis import RedisServer

from .test_two_processes import joined, redis_server, seqs, start

__all__ = ["redis_server"]  # the fixture, imported for this module

CONF = Path(__file__).resolve().parents[2] / "config" / "nginx-scaleout.conf"


class Nginx:
    def __init__(self, directory: Path, backends: list[int]) -> None:
        binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        if binary is None:
            pytest.skip("nginx is not installed (scripts/bootstrap test installs it)")
        self.port = free_port()
        site = CONF.read_text()
        servers = iter(backends)
        site = re.sub(r"server 127\.0\.0\.1:\d+", lambda _: f"server 127.0.0.1:{next(servers)}", site)
        site = site.replace("listen 8080;", f"listen 127.0.0.1:{self.port};")
        directory.mkdir(parents=True, exist_ok=True)
        conf = directory / "nginx.conf"
        conf.write_text(
            f"daemon off;\npid {directory}/nginx.pid;\nerror_log {directory}/error.log;\n"
            f"events {{}}\nhttp {{\naccess_log off;\nclient_body_temp_path {directory};\n"
            f"proxy_temp_path {directory};\n{site}\n}}\n"
        )
        self.proc = subprocess.Popen([binary, "-p", str(directory), "-c", str(conf)])
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                self.pid_behind()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    def pid_behind(self) -> int:
        with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
            pid: int = json.loads(r.read())["pid"]
            return pid

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def two_behind_nginx(
    tmp_path: Path, redis_server: RedisServer
) -> Iterator[tuple[Nginx, list[ServerProcess]]]:
    servers = [start(tmp_path, "a", redis_server), start(tmp_path, "b", redis_server)]
    nginx = Nginx(tmp_path / "nginx", [s.port for s in servers])
    try:
        yield nginx, servers
    finally:
        nginx.stop()
        for s in servers:
            s.stop()


async def test_failover_through_nginx(two_behind_nginx: tuple[Nginx, list[ServerProcess]]) -> None:
    nginx, servers = two_behind_nginx
    created = servers[0].create_meeting(DEMO_SPEC)
    links = created["links"]
    mod = await joined(nginx.url, links["moderator"]["token"], "主持人")
    wang = await joined(nginx.url, links["participant"]["token"], "王阿姨")
    obs = await joined(nginx.url, links["observer"]["token"], None)
    peers = [mod, wang, obs]
    try:
        await mod.ok("OpenMeeting")
        await mod.ok("StartAgendaItem", index=0)
        acked = {await wang.ok("RaiseHand")}
        sticky = nginx.pid_behind()
        victim = next(s for s in servers if s.proc.pid == sticky)
        victim.proc.kill()
        victim.proc.wait()
        for p in peers:
            await p.close()
        moved = []
        for old in peers:
            new = Peer(nginx.url, old.token)
            new.events = list(old.events)
            await new.connect(session=old.session, since=old.last_seq)
            moved.append(new)
        peers = moved
        mod, wang, obs = moved
        assert nginx.pid_behind() != sticky
        acked.add(await mod.ok("GrantFloor"))
        acked.add(await wang.ok("YieldFloor"))
        await obs.wait_seq(max(acked))
        got = seqs(obs)
        assert got == list(range(got[0], got[-1] + 1)) and acked <= set(got)
    finally:
        for p in peers:
            await p.close()


def _established_to(port: int) -> int:
    """TCP connections established to ``port`` on loopback (from /proc/net/tcp)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for r in rows if r.split()[2].endswith(f":{port:04X}") and r.split()[3] == "01")


def test_the_livestream_through_nginx_keeps_its_connections(
    two_behind_nginx: tuple[Nginx, list[ServerProcess]],
) -> None:
    nginx, servers = two_behind_nginx
    created = servers[0].create_meeting(DEMO_SPEC)
    mid, token = created["meeting_id"], created["links"]["observer"]["token"]
    with urllib.request.urlopen(f"{nginx.url}/m/{mid}/live/index.m3u8?t={token}", timeout=15) as r:
        assert r.status == 200
    folder = f"{nginx.url}/m/{mid}/live/s/{token}/"
    for _ in range(20):  # a player's polls, each on a new client connection to nginx
        with urllib.request.urlopen(folder + "stream.m3u8", timeout=5) as r:
            playlist = r.read().decode()
            assert r.status == 200 and playlist.startswith("#EXTM3U")
    segment = re.findall(r"^(seg\d+\.ts)$", playlist, re.M)[-1]
    with urllib.request.urlopen(folder + segment, timeout=5) as r:
        assert r.status == 200 and r.headers["Content-Type"] == "video/mp2t"
    # nginx keeps its upstream connections open and reuses them, rather than one per request, closed after.
    assert 1 <= sum(_established_to(s.port) for s in servers) <= 4
