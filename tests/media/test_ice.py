"""ICE settings: loopback host candidates, no default STUN, offers trimmed to allowed addresses."""

from __future__ import annotations

import logging

import aioice.ice
import pytest
from aioice import stun

from meeting_server.media import ice
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


class _Protocol:
    """Where aioice sends its STUN answers (a socket in real use): records them."""

    def __init__(self) -> None:
        self.sent: list[tuple[stun.Message, tuple[str, int]]] = []

    def send_stun(self, message: stun.Message, addr: tuple[str, int]) -> None:
        self.sent.append((message, addr))


def test_stun_requests_from_other_addresses_are_dropped() -> None:
    configure_host_addresses(["127.0.0.1"])
    connection = aioice.ice.Connection(ice_controlling=True)
    protocol = _Protocol()
    # Unauthenticated binding requests: aioice's own handler answers 400, so an answer shows it ran.
    for addr in [("192.168.1.20", 5000), ("127.0.0.1", 5001)]:
        request = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
        connection.request_received(request, addr, protocol)  # type: ignore[arg-type]
    assert [(m.message_class, m.attributes["ERROR-CODE"][0], a) for m, a in protocol.sent] == [
        (stun.Class.ERROR, 400, ("127.0.0.1", 5001))
    ]


def _stand_in(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return ["10.0.0.1"]


def _stand_in_request_received(self: object, message: object, addr: object, protocol: object) -> None:
    pass


@pytest.mark.parametrize(
    ("original", "stand_in", "named"),
    [
        ("_ORIGINAL_GET_HOST_ADDRESSES", _stand_in, "aioice get_host_addresses"),
        ("_ORIGINAL_REQUEST_RECEIVED", _stand_in_request_received, "aioice Connection.request_received"),
    ],
)
def test_a_different_aioice_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    original: str,
    stand_in: object,
    named: str,
) -> None:
    """An aioice whose function is not the source the replacements were written against (here: a stand-in
    in place of what aioice shipped) keeps its own behaviour, and the log says which function differs."""
    configure_host_addresses(None)
    monkeypatch.setattr(f"meeting_server.media.ice.{original}", stand_in)
    with caplog.at_level(logging.WARNING, logger="meeting_server.upstream"):
        configure_host_addresses(["127.0.0.1"])
    assert configured_host_addresses() is None
    assert aioice.ice.get_host_addresses is ice._ORIGINAL_GET_HOST_ADDRESSES
    assert aioice.ice.Connection.request_received is ice._ORIGINAL_REQUEST_RECEIVED
    assert [r.getMessage() for r in caplog.records if named in r.getMessage()], caplog.text


def test_the_installed_aioice_is_the_one_the_replacements_were_written_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="meeting_server.upstream"):
        configure_host_addresses(["127.0.0.1"])
    assert not caplog.records, caplog.text
    assert configured_host_addresses() == ("127.0.0.1",)
    assert aioice.ice.get_host_addresses is not ice._ORIGINAL_GET_HOST_ADDRESSES
    assert aioice.ice.Connection.request_received is not ice._ORIGINAL_REQUEST_RECEIVED


def test_rtc_configuration_without_servers_has_no_stun() -> None:
    assert rtc_configuration([]).iceServers == []
    config = rtc_configuration([IceServer(("turn:127.0.0.1:3478",), "u", "p")])
    assert config.iceServers is not None and config.iceServers[0].urls == ["turn:127.0.0.1:3478"]
