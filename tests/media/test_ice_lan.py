"""ICE with LAN host addresses: the server's own addresses are restricted, where the phones come from is not.

The loopback recipe (drop the offer's other candidates and STUN checks from other addresses) keeps a browser
on the server's machine from pulling the pair off 127.0.0.1. A LAN address is reached from each phone's own
address, which that recipe would drop: the phone's microphone would then never connect.
"""

from __future__ import annotations

import aioice.ice
from aioice import stun

from meeting_server.media.ice import configure_host_addresses, configured_host_addresses, filter_offer_sdp

from .test_ice import OFFER, _Protocol


def test_an_offer_to_a_lan_server_keeps_the_phone_s_candidates() -> None:
    assert filter_offer_sdp(OFFER, ["192.168.1.10"]) == OFFER
    assert filter_offer_sdp(OFFER, ["127.0.0.1", "192.168.1.10"]) == OFFER
    assert "192.168.1.20" not in filter_offer_sdp(OFFER, ["127.0.0.1"])


def test_a_lan_server_answers_checks_from_phones() -> None:
    configure_host_addresses(["192.168.1.10"])
    assert configured_host_addresses() == ("192.168.1.10",)
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["192.168.1.10"]
    connection = aioice.ice.Connection(ice_controlling=True)
    protocol = _Protocol()
    request = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
    connection.request_received(request, ("192.168.1.20", 5000), protocol)  # type: ignore[arg-type]
    # aioice's own handler ran (it answers an unauthenticated request with 400).
    assert [(m.attributes["ERROR-CODE"][0], a) for m, a in protocol.sent] == [(400, ("192.168.1.20", 5000))]
