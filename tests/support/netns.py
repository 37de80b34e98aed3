"""Two network namespaces joined by a veth pair the test creates itself: a LAN that exists only for the test.

The namespaces see none of this machine's interfaces (only their own ``lo`` and their end of the veth), so a
server and a browser started in them with ``ip netns exec`` use addresses the test assigned, and their
traffic never leaves the pair. Needs root (``ip netns add``); :func:`veth_lan` skips the test otherwise.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

# A private /30 on a link only the two namespaces share (each namespace has its own routing, so concurrent
# tests may use the same addresses).
SERVER_IP = "10.231.0.1"
PEER_IP = "10.231.0.2"

_names = itertools.count()


@dataclass(frozen=True)
class VethLan:
    server_ns: str  # SERVER_IP on its veth end, plus lo
    peer_ns: str  # PEER_IP: another device on the same link (a phone)

    def exec(self, ns: str) -> list[str]:
        """The command prefix that runs a program inside namespace ``ns``."""
        return [_ip(), "netns", "exec", ns]


def _ip() -> str:
    ip = shutil.which("ip") or "/usr/sbin/ip"
    if not os.path.exists(ip):
        pytest.skip("needs the ip command (apt-get install iproute2)")
    return ip


def _run(*args: str) -> None:
    subprocess.run([_ip(), *args], check=True, capture_output=True, text=True, timeout=10)


@contextmanager
def veth_lan() -> Iterator[VethLan]:
    tag = f"gz{os.getpid()}x{next(_names)}"
    lan = VethLan(server_ns=f"{tag}-srv", peer_ns=f"{tag}-peer")
    try:
        _run("netns", "add", lan.server_ns)
    except subprocess.CalledProcessError as e:
        pytest.skip(f"cannot create a network namespace (needs root): {e.stderr.strip()}")
    try:
        _run("netns", "add", lan.peer_ns)
        # Created straight inside the namespaces: this machine's own namespace never sees the pair.
        _run(
            "link",
            "add",
            "gz0",
            "netns",
            lan.server_ns,
            "type",
            "veth",
            "peer",
            "name",
            "gz1",
            "netns",
            lan.peer_ns,
        )
        for ns, dev, address in ((lan.server_ns, "gz0", SERVER_IP), (lan.peer_ns, "gz1", PEER_IP)):
            _run("-n", ns, "link", "set", "lo", "up")
            _run("-n", ns, "addr", "add", f"{address}/30", "dev", dev)
            _run("-n", ns, "link", "set", dev, "up")
        yield lan
    finally:
        for ns in (lan.server_ns, lan.peer_ns):  # deleting a namespace deletes its end of the pair too
            subprocess.run([_ip(), "netns", "del", ns], capture_output=True, timeout=10)
