"""``gongzhi demo`` where a newcomer is: the demo machine's own stock browser, and phones on the same Wi-Fi
(``gongzhi demo --lan``).

A stock Chromium never uses loopback for WebRTC, so the demo offers the machine's other addresses. The
end-to-end tests run the real ``gongzhi demo`` and a Chromium *without*
``--allow-loopback-in-peer-connection`` inside network namespaces joined by a veth pair the test makes itself
(``tests/support/netns.py``): they never see, use or send to this machine's real addresses. The other tests
check the LAN-address picker on a made-up ``ip -j addr`` output and the certificate in a temporary folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import av
import numpy as np
import pytest

from meeting_server import demo
from meeting_server.cli import build_parser, main
from meeting_server.demo import LOOPBACK_ONLY, demo_settings, lan_certificate, lan_setup
from meeting_server.lan import SELF_SIGNED_NOTE, lan_addresses
from meeting_server.settings import load_settings
from tests.support.netns import PEER_IP, SERVER_IP, VethLan, veth_lan

from .conftest import ROOT, chromium_available, fake_mic_clip
from .test_https import needs_openssl

# `ip -j addr` of a laptop on a hall's Wi-Fi that also runs Docker and a VPN (made up, in the real format).
IP_ADDR = [
    {"ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "operstate": "UNKNOWN",
     "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8, "scope": "host"},
                   {"family": "inet6", "local": "::1", "prefixlen": 128, "scope": "host"}]},
    {"ifname": "enp3s0", "flags": ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"], "operstate": "DOWN",
     "addr_info": [{"family": "inet", "local": "192.168.0.50", "prefixlen": 24, "scope": "global"}]},
    {"ifname": "docker0", "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], "operstate": "UP",
     "addr_info": [{"family": "inet", "local": "172.17.0.1", "prefixlen": 16, "scope": "global"}]},
    {"ifname": "tailscale0", "flags": ["POINTOPOINT", "MULTICAST", "NOARP", "UP", "LOWER_UP"],
     "operstate": "UNKNOWN",
     "addr_info": [{"family": "inet", "local": "100.101.102.103", "prefixlen": 32, "scope": "global"}]},
    {"ifname": "wlp2s0", "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], "operstate": "UP",
     "addr_info": [{"family": "inet", "local": "203.0.113.7", "prefixlen": 24, "scope": "global"},
                   {"family": "inet", "local": "192.168.31.23", "prefixlen": 24, "scope": "global",
                    "dynamic": True, "label": "wlp2s0"},
                   {"family": "inet", "local": "169.254.3.4", "prefixlen": 16, "scope": "link"},
                   {"family": "inet6", "local": "fe80::1", "prefixlen": 64, "scope": "link"}]},
    {"ifname": "eth1", "flags": ["BROADCAST", "MULTICAST"], "operstate": "DOWN",
     "addr_info": [{"family": "inet", "local": "10.0.0.9", "prefixlen": 8, "scope": "global"}]},
    {"ifname": "usb0", "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], "operstate": "UP",
     "addr_info": [{"family": "inet", "local": "10.42.0.1", "prefixlen": 24, "scope": "global"}]},
]  # fmt: skip


def test_the_lan_address_is_the_wifi_s_not_docker_s_nor_a_down_interface_s() -> None:
    found = lan_addresses(json.dumps(IP_ADDR))
    assert found == ["192.168.31.23", "10.42.0.1", "203.0.113.7", "172.17.0.1", "100.101.102.103"]
    assert lan_addresses(json.dumps(IP_ADDR[:2])) == []  # loopback and a cable that is unplugged


def test_a_bare_lan_flag_reads_the_interfaces_and_a_given_address_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made: list[str] = []

    def certificate(folder: Path, address: str) -> tuple[Path, Path]:
        made.append(address)
        return folder / "c", folder / "k"

    monkeypatch.setattr(demo, "lan_certificate", certificate)
    monkeypatch.setattr(demo, "read_lan_addresses", lambda: lan_addresses(json.dumps(IP_ADDR)))
    assert build_parser().parse_args(["demo", "--lan"]).lan == ""
    assert build_parser().parse_args(["demo"]).lan is None
    assert lan_setup("", tmp_path) == ("192.168.31.23", tmp_path / "c", tmp_path / "k")
    assert "using 192.168.31.23 (choose another with --lan ADDRESS)" in capsys.readouterr().out

    def no_interfaces() -> list[str]:
        raise AssertionError("an address on the command line is used as given")

    monkeypatch.setattr(demo, "read_lan_addresses", no_interfaces)
    assert lan_setup("10.42.0.1", tmp_path)[0] == "10.42.0.1"
    assert made == ["192.168.31.23", "10.42.0.1"]
    monkeypatch.setattr(demo, "read_lan_addresses", list)
    with pytest.raises(RuntimeError, match="no LAN address found"):
        lan_setup("", tmp_path)


@pytest.mark.parametrize("bad", ["192.168.1", "fe80::1", "wifi"])
def test_the_demo_refuses_a_lan_address_that_is_not_ipv4(
    bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--data-dir", str(tmp_path), "--lan", bad]) == 2
    assert "--lan wants this machine's IPv4 address" in capsys.readouterr().err
    assert not (tmp_path / "demo.meeting").exists()


@needs_openssl
def test_the_demo_certificate_is_made_once_per_address(tmp_path: Path) -> None:
    cert, key = lan_certificate(tmp_path / "tls", "192.168.31.23")
    first = cert.read_bytes()
    assert key.stat().st_mode & 0o077 == 0
    names = subprocess.run(
        ["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", str(cert)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "IP Address:192.168.31.23" in names
    assert lan_certificate(tmp_path / "tls", "192.168.31.23") == (cert, key)
    assert cert.read_bytes() == first  # phones that accepted it are not asked again
    assert lan_certificate(tmp_path / "tls", "10.42.0.1")[0] != cert


@needs_openssl
def test_selfsigned_s_next_steps_offer_the_lan_address_for_audio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["selfsigned", "--host", "192.168.31.23", "--host", "hall.local", "--out", str(tmp_path)]) == 0
    )
    assert "GONGZHI_WEBRTC__HOST_ADDRESSES=192.168.31.23 \\\n" in capsys.readouterr().out


def test_only_the_demo_leaves_loopback(tmp_path: Path) -> None:
    settings = load_settings(environ={})
    # `gongzhi serve` as shipped: loopback only (what the tests' Chromium flag allows).
    assert settings.webrtc.host_addresses == LOOPBACK_ONLY
    plain = demo_settings(settings, None)
    assert (
        plain.webrtc.host_addresses == () and plain.server.host == "127.0.0.1" and not plain.server.tls_cert
    )
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    lan = demo_settings(settings.with_overrides(server={"port": 9443}), ("10.42.0.1", cert, key))
    assert (lan.server.host, lan.server.public_url) == ("10.42.0.1", "https://10.42.0.1:9443")
    assert (lan.server.tls_cert, lan.server.tls_key) == (str(cert), str(key))
    assert lan.webrtc.host_addresses == ()
    assert demo_settings(settings, ("10.42.0.1", cert, key), bind=False).server.host == "127.0.0.1"
    configured = settings.with_overrides(webrtc={"host_addresses": ["192.168.31.23"]})
    assert demo_settings(configured, None).webrtc.host_addresses == ("192.168.31.23",)


# ---------------------------------------------------------------------------------- in network namespaces

needs_chromium = pytest.mark.skipif(
    not chromium_available(), reason="needs Chromium (apt-get install chromium)"
)


def _env(settings: dict[str, str] | None = None) -> dict[str, str]:
    # The settings loader refuses unknown GONGZHI_ variables: hand the demo only the ones it is meant to see.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    path = [str(ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    # Captions would load the Whisper model: not what these tests are about.
    own = {"PYTHONPATH": os.pathsep.join(path), "PYTHONUNBUFFERED": "1", "GONGZHI_MEDIA__CAPTIONS": "false"}
    return env | own | (settings or {})


@contextmanager
def running_demo(
    lan: VethLan, data_dir: Path, *args: str, settings: dict[str, str] | None = None
) -> Iterator[str]:
    """``gongzhi demo ARGS`` in the server namespace, ``settings`` its GONGZHI_* variables; yields what it
    printed up to "listening"."""
    out = data_dir.parent / "demo.out"
    demo = [sys.executable, "-m", "meeting_server", "demo", "--data-dir", str(data_dir), *args]
    env = _env(settings)
    with out.open("wb") as f:
        proc = subprocess.Popen(
            [*lan.exec(lan.server_ns), *demo], stdout=f, stderr=subprocess.STDOUT, env=env, cwd=ROOT
        )
    try:
        deadline = time.monotonic() + 60
        while "Gongzhi listening on" not in (text := out.read_text("utf-8", "replace")):
            assert proc.poll() is None, f"the demo exited ({proc.returncode}):\n{text}"
            assert time.monotonic() < deadline, f"the demo did not start:\n{text}"
            time.sleep(0.2)
        yield text
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C, as the banner says
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def printed_links(text: str) -> dict[str, str]:
    links = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and "/m/" in parts[2]:
            links[parts[1]] = parts[2]
    return links


def phone(lan: VethLan, ns: str, links: dict[str, str], clip: Path) -> dict[str, object]:
    """tests/web/netns_phone.py in namespace ``ns``: its report."""
    cmd = [*lan.exec(ns), sys.executable, "-m", "tests.web.netns_phone"]
    run = subprocess.run(
        [*cmd, links["participant"], links["moderator"], str(clip)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        timeout=150,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report: dict[str, object] = json.loads(run.stdout.splitlines()[-1])
    return report


def assert_speech_recorded(data_dir: Path) -> None:
    """The server received the phone's audio: the turn's recording holds the clip, not silence."""
    (folder,) = (data_dir / "recordings").iterdir()
    turns = [json.loads(line) for line in (folder / "turns.jsonl").read_text("utf-8").splitlines()]
    ended = [t for t in turns if t["end_s"] is not None]
    assert ended and ended[-1]["end_s"] - ended[-1]["start_s"] > 3, turns
    with av.open(str(folder / ended[-1]["file"])) as container:
        pcm = np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio=0)])
    rms = float(np.sqrt(np.mean(np.square(pcm, dtype=np.float64))))
    assert rms > 0.02, f"the recording is silent (rms {rms:.4f})"


@pytest.mark.browser
@pytest.mark.slow
@needs_chromium
def test_the_demo_machine_s_own_stock_browser_gets_the_microphone(tmp_path: Path) -> None:
    """`scripts/demo` as issue 12 found it: links on http://127.0.0.1, opened in the same machine's normal
    Chromium. The machine here is a namespace whose one network interface is the test's veth."""
    clip, data = fake_mic_clip(tmp_path), tmp_path / "data"
    with veth_lan() as lan:
        with running_demo(lan, data) as out:
            links = printed_links(out)
            assert links["participant"].startswith("http://127.0.0.1:8080/m/")
            report = phone(lan, lan.server_ns, links, clip)
    assert report["mic"] == "on", report
    # Not loopback: the address of the machine's interface, on both ends.
    assert (report["local"], report["remote"], report["state"]) == (SERVER_IP, SERVER_IP, "connected"), report
    assert report["secure"] and report["revoked"] and not report["page_errors"], report
    assert_speech_recorded(data)


@pytest.mark.browser
@pytest.mark.slow
@needs_chromium
@needs_openssl
@pytest.mark.parametrize("host_addresses", ["", SERVER_IP], ids=["every-address", "listed"])
def test_a_phone_on_the_same_wifi_joins_the_lan_demo_and_speaks(tmp_path: Path, host_addresses: str) -> None:
    """`gongzhi demo --lan` finds the LAN address itself (the namespace's veth address), serves HTTPS with its
    own certificate and prints QR codes; a phone (the other namespace) accepts the certificate and speaks.
    Also with [webrtc] host_addresses set to the LAN address, as the README suggests for a hall server."""
    clip, data = fake_mic_clip(tmp_path), tmp_path / "data"
    settings = {"GONGZHI_WEBRTC__HOST_ADDRESSES": host_addresses} if host_addresses else {}
    with veth_lan() as lan:
        with running_demo(lan, data, "--lan", settings=settings) as out:
            links = printed_links(out)
            report = phone(lan, lan.peer_ns, links, clip)
    base = f"https://{SERVER_IP}:8080/m/"
    assert all(url.startswith(base) for url in links.values()), links
    assert {"participant", "moderator", "recorder", "station"} <= set(links)
    assert f"Gongzhi listening on https://{SERVER_IP}:8080" in out
    assert SELF_SIGNED_NOTE.format(host=SERVER_IP) in out
    assert out.count("▀▀▀▀▀▀▀▀▀▀") >= 4, "four QR codes in the terminal"  # each ends in a row of ▀
    (qr,) = (data / "qr").iterdir()
    for name in ("participant", "moderator", "recorder", "station"):
        assert (qr / f"{name}.png").read_bytes().startswith(b"\x89PNG")
    assert (data / "tls" / f"demo-{SERVER_IP}-cert.pem").exists()

    assert report["mic"] == "on", report
    assert (report["local"], report["remote"], report["state"]) == (PEER_IP, SERVER_IP, "connected"), report
    assert report["secure"] and report["revoked"] and not report["page_errors"], report
    assert_speech_recorded(data)
