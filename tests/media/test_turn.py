"""The README's TURN setup with coturn (from apt) works with the server's ICE settings: with the right
credentials aiortc gathers a relay candidate from it; with wrong or expired ones it gets none. Both setups:
short-lived credentials from a shared secret (``use-auth-secret``) and the older static user. Loopback
only."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiortc import RTCPeerConnection

from meeting_server.hub.keys import AUDIO
from meeting_server.media.ice import IceServer, rtc_configuration, turn_rest_credentials
from tests.support.hub import running_server
from tests.support.process import free_port

from .helpers import DATA, WavTrack, read_wav


def stun_answers(port: int) -> bool:
    """A STUN binding request to 127.0.0.1:port is answered (the server is up)."""
    request = struct.pack("!HHI12s", 0x0001, 0, 0x2112A442, os.urandom(12))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        s.sendto(request, ("127.0.0.1", port))
        try:
            return s.recv(512)[:2] == b"\x01\x01"
        except OSError:
            return False


STATIC_AUTH = "lt-cred-mech\nuser=gongzhi:CHANGE-ME\n"
SECRET = "A-LONG-RANDOM-SECRET"
REST_AUTH = f"use-auth-secret\nstatic-auth-secret={SECRET}\n"


@contextmanager
def run_coturn(tmp_path: Path, auth: str) -> Iterator[int]:
    binary = shutil.which("turnserver")
    if binary is None:
        pytest.skip("coturn is not installed (scripts/bootstrap test installs it)")
    port = free_port()
    conf = tmp_path / "turnserver.conf"
    # The README's configuration, bound to loopback for the test.
    conf.write_text(
        f"listening-ip=127.0.0.1\nrelay-ip=127.0.0.1\nlistening-port={port}\nfingerprint\n{auth}"
        "realm=turn.example.org\nmin-port=49160\nmax-port=49400\nno-cli\n"
        f"allow-loopback-peers\nno-tls\nno-dtls\nlog-file={tmp_path}/turn.log\npidfile={tmp_path}/turn.pid\n"
    )
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while not stun_answers(port):
            assert time.time() < deadline and proc.poll() is None, "turnserver did not start"
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[int]:
    """coturn with one static user (the older setup)."""
    with run_coturn(tmp_path, STATIC_AUTH) as port:
        yield port


@pytest.fixture
def coturn_rest(tmp_path: Path) -> Iterator[int]:
    """coturn with short-lived credentials from a shared secret (the README's setup)."""
    with run_coturn(tmp_path, REST_AUTH) as port:
        yield port


def turn_url(port: int) -> str:
    return f"turn:127.0.0.1:{port}?transport=udp"


async def relay_candidates(server: IceServer) -> list[str]:
    pc = RTCPeerConnection(rtc_configuration([server]))
    try:
        pc.addTrack(WavTrack(*read_wav(DATA / "c01.wav")))
        await pc.setLocalDescription(await pc.createOffer())
        return [line for line in pc.localDescription.sdp.splitlines() if "typ relay" in line]
    finally:
        await pc.close()


async def test_coturn_gives_a_relay_candidate(coturn: int) -> None:
    assert await relay_candidates(IceServer((turn_url(coturn),), "gongzhi", "CHANGE-ME"))
    assert not await relay_candidates(IceServer((turn_url(coturn),), "gongzhi", "wrong-password"))


async def test_short_lived_credentials_give_a_relay_candidate_until_they_expire(
    coturn_rest: int, tmp_path: Path
) -> None:
    url = (turn_url(coturn_rest),)
    fresh = turn_rest_credentials(SECRET, "par-1", time.time() + 600)
    assert await relay_candidates(IceServer(url, *fresh))
    expired = turn_rest_credentials(SECRET, "par-1", time.time() - 60)
    assert not await relay_candidates(IceServer(url, *expired))
    forged = turn_rest_credentials("another-secret", "par-1", time.time() + 600)
    assert not await relay_candidates(IceServer(url, *forged))
    # What the server hands out (and uses itself) from its settings works the same way.
    webrtc = {"ice_servers": list(url), "turn_secret": SECRET, "turn_ttl_s": 600}
    async with running_server(tmp_path / "data", webrtc=webrtc) as server:
        (own,) = server.app[AUDIO].ice_servers("gongzhi-server")
        assert await relay_candidates(own)
