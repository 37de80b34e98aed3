"""The README's TURN setup with coturn (from apt) works with the server's ICE settings: with the right
credentials aiortc gathers a relay candidate from it; with wrong ones it gets none. Loopback only."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiortc import RTCPeerConnection

from meeting_server.media.ice import IceServer, rtc_configuration
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


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[int]:
    binary = shutil.which("turnserver")
    if binary is None:
        pytest.skip("coturn is not installed (scripts/bootstrap test installs it)")
    port = free_port()
    conf = tmp_path / "turnserver.conf"
    # The README's configuration, bound to loopback for the test.
    conf.write_text(
        f"listening-ip=127.0.0.1\nrelay-ip=127.0.0.1\nlistening-port={port}\nfingerprint\nlt-cred-mech\n"
        "user=gongzhi:CHANGE-ME\nrealm=turn.example.org\nmin-port=49160\nmax-port=49400\nno-cli\n"
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


async def relay_candidates(port: int, credential: str) -> list[str]:
    server = IceServer(
        urls=(f"turn:127.0.0.1:{port}?transport=udp",), username="gongzhi", credential=credential
    )
    pc = RTCPeerConnection(rtc_configuration([server]))
    try:
        pc.addTrack(WavTrack(*read_wav(DATA / "c01.wav")))
        await pc.setLocalDescription(await pc.createOffer())
        return [line for line in pc.localDescription.sdp.splitlines() if "typ relay" in line]
    finally:
        await pc.close()


async def test_coturn_gives_a_relay_candidate(coturn: int) -> None:
    assert await relay_candidates(coturn, "CHANGE-ME")
    assert not await relay_candidates(coturn, "wrong-password")
