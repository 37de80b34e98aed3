"""ICE settings: loopback host candidates, no default STUN, offers trimmed to allowed addresses."""

from __future__ import annotations

import aioice.ice
import pytest

from meeting_server.media.ice import (
    IceServer,
    configure_host_addresses,
    configured_host_addresses,
    filter_offer_sdp,
    rtc_configuration,
)

OFFER = (
    "v=0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=candidate:1 1 udp 2122260223 192.168.1.20 50000 typ host generation 0\r\n"
    "a=candidate:2 1 udp 2122194687 127.0.0.1 50001 typ host generation 0\r\n"
    "a=candidate:3 1 udp 2122194687 3f1c2a7e-1111-2222-3333-444455556666.local 50002 typ host\r\n"
    "a=candidate:4 1 udp 2122129151 ::1 50003 typ host\r\n"
    "a=candidate:5 1 udp 1686052607 203.0.113.7 50004 typ srflx raddr 192.168.1.20 rport 50000\r\n"
    "a=end-of-candidates\r\n"
)


def test_filter_keeps_only_allowed_candidates() -> None:
    out = filter_offer_sdp(OFFER, ["127.0.0.1"])
    candidates = [line for line in out.split("\r\n") if line.startswith("a=candidate:")]
    assert candidates == ["a=candidate:2 1 udp 2122194687 127.0.0.1 50001 typ host generation 0"]
    assert "a=end-of-candidates\r\n" in out and out.startswith("v=0\r\nm=audio")
    both = filter_offer_sdp(OFFER, ["127.0.0.1", "::1"])
    assert [line.split()[4] for line in both.splitlines() if line.startswith("a=candidate")] == [
        "127.0.0.1",
        "::1",
    ]
    assert filter_offer_sdp(OFFER, None) == OFFER


def test_host_addresses_are_restricted_and_restored() -> None:
    configure_host_addresses(["127.0.0.1", "::1"])
    assert configured_host_addresses() == ("127.0.0.1", "::1")
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False) == ["127.0.0.1"]
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1", "::1"]
    configure_host_addresses(None)
    assert configured_host_addresses() is None
    assert "127.0.0.1" not in aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False)
    with pytest.raises(ValueError):
        configure_host_addresses(["localhost"])
    with pytest.raises(ValueError):
        configure_host_addresses([])


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []


def test_stun_requests_from_other_addresses_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _Recorder()

    def original(self: object, message: object, addr: tuple[str, int], protocol: object) -> None:
        recorder.seen.append(addr)

    monkeypatch.setattr("meeting_server.media.ice._ORIGINAL_REQUEST_RECEIVED", original)
    configure_host_addresses(["127.0.0.1"])
    handler = aioice.ice.Connection.request_received
    handler(object(), object(), ("192.168.1.20", 5000), object())  # type: ignore[arg-type]
    handler(object(), object(), ("127.0.0.1", 5001), object())  # type: ignore[arg-type]
    assert recorder.seen == [("127.0.0.1", 5001)]


def test_rtc_configuration_without_servers_has_no_stun() -> None:
    assert rtc_configuration([]).iceServers == []
    config = rtc_configuration([IceServer(("turn:127.0.0.1:3478",), "u", "p")])
    assert config.iceServers is not None and config.iceServers[0].urls == ["turn:127.0.0.1:3478"]
