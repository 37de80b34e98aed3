"""ICE settings for the media layer: which local addresses aioice may use, which STUN/TURN servers, and
how a browser's offer is trimmed to the addresses we allow.

aioice has no option for any of this (see ``WEBRTC_LOOPBACK.md``): it skips 127.0.0.1 when gathering host
candidates and always uses a public STUN server unless told otherwise. Host addresses and the STUN source
filter are **process-wide** (aioice reads module globals), so the app configures them once at start-up.
Both replacements are fenced (``meeting_server/upstream.py``): they are installed only while aioice's own
functions are the ones they were written against.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer

from meeting_server.settings import WebRtcSettings
from meeting_server.upstream import is_upstream

log = logging.getLogger(__name__)

__all__ = [
    "IceServer",
    "browser_ice",
    "configure_host_addresses",
    "configured_host_addresses",
    "filter_offer_sdp",
    "ice_servers_for",
    "rtc_configuration",
    "turn_rest_credentials",
]

# Kept so that ``configure_host_addresses(None)`` restores aioice's own behaviour exactly.
_ORIGINAL_GET_HOST_ADDRESSES = aioice.ice.get_host_addresses
_ORIGINAL_REQUEST_RECEIVED = aioice.ice.Connection.request_received

# sha256 of ``inspect.getsource`` of each replaced function in aioice 0.13.0, the version read when the
# replacements were written: ours must take the same arguments (``get_host_addresses``) and may only drop
# requests before the original runs (``request_received``).
UPSTREAM_SHA256 = {
    "get_host_addresses": "d4a54f9a68c39ff1bed532e76bd148cf1530aeb35b9be32900b53e234b78ae4f",
    "request_received": "dcdc9a3862c1a0b4d20d99c8836f3246d6214045056a4923bdfd9ff26bb8bbf2",
}

_allowed: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class IceServer:
    """One STUN or TURN server, as a settings file would list it (``stun:host:port``, ``turn:host:port``)."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


def ice_servers_for(web_rtc: WebRtcSettings, user: str, now: float) -> list[IceServer]:
    """The configured STUN/TURN servers, with TURN credentials for ``user``: short-lived ones made from
    ``turn_secret`` when it is set (coturn ``use-auth-secret``), else the static user and password."""
    if not web_rtc.ice_servers:
        return []
    if web_rtc.turn_secret:
        username, credential = turn_rest_credentials(web_rtc.turn_secret, user, now + web_rtc.turn_ttl_s)
    else:
        username, credential = web_rtc.ice_username, web_rtc.ice_credential
    return [IceServer(tuple(web_rtc.ice_servers), username or None, credential or None)]


def browser_ice(server: IceServer) -> dict[str, Any]:
    """One ``RTCIceServer`` as a browser's ``RTCPeerConnection`` takes it."""
    out: dict[str, Any] = {"urls": list(server.urls)}
    if server.username:
        out["username"] = server.username
        out["credential"] = server.credential
    return out


def turn_rest_credentials(secret: str, user: str, expires: float) -> tuple[str, str]:
    """A TURN user name and password that the TURN server checks without knowing them in advance: coturn's
    ``use-auth-secret`` / ``static-auth-secret`` (the "TURN REST API"). The user name is ``<expiry unix
    time>:<user>``, the password base64(HMAC-SHA1(secret, user name)); coturn refuses it after the expiry."""
    username = f"{int(expires)}:{user}"
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def _normalise(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        raise ValueError(f"not an IP address: {address!r}") from None


def configure_host_addresses(addresses: Sequence[str] | None, *, filter_stun_sources: bool = True) -> None:
    """Make aioice gather host candidates only on ``addresses`` (e.g. ``["127.0.0.1"]``); None restores
    aioice's default (every non-loopback interface).

    With ``filter_stun_sources`` (the default) and loopback ``addresses``, incoming STUN binding requests
    from any other address are dropped too. A browser binds every interface and sends checks from all of
    them; answering those would create peer-reflexive pairs on non-loopback addresses, which the browser then
    prefers. Dropping the request is what a firewall would do, so ICE simply never sees that path. A LAN
    address is different: phones reach it from their own addresses, so nothing is dropped then.

    When aioice is not the version these replacements were written against, aioice's default is restored
    instead (a warning says so) and :func:`configured_host_addresses` returns None.
    """
    global _allowed
    if addresses is not None and not addresses:
        raise ValueError("at least one host address is needed (None restores the default)")
    allowed = None if addresses is None else tuple(dict.fromkeys(_normalise(a) for a in addresses))
    filter_stun_sources = filter_stun_sources and allowed is not None and _loopback_only(allowed)
    if allowed is None or not _aioice_is_upstream(filter_stun_sources=filter_stun_sources):
        _allowed = None
        aioice.ice.get_host_addresses = _ORIGINAL_GET_HOST_ADDRESSES
        aioice.ice.Connection.request_received = _ORIGINAL_REQUEST_RECEIVED  # type: ignore[method-assign]
        return
    _allowed = allowed

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        # aioice calls this with its own IPv4/IPv6 switches: honour them, as the original does.
        return [a for a in allowed if (use_ipv6 if ":" in a else use_ipv4)]

    aioice.ice.get_host_addresses = get_host_addresses
    if filter_stun_sources:
        aioice.ice.Connection.request_received = _filtered_request_received  # type: ignore[method-assign]
    else:
        aioice.ice.Connection.request_received = _ORIGINAL_REQUEST_RECEIVED  # type: ignore[method-assign]


def _aioice_is_upstream(*, filter_stun_sources: bool) -> bool:
    # All that would be replaced, or nothing: host candidates restricted while the browser's checks from other
    # interfaces are still answered give exactly the pairs the restriction is meant to avoid.
    ok = is_upstream(
        _ORIGINAL_GET_HOST_ADDRESSES, UPSTREAM_SHA256["get_host_addresses"], what="aioice get_host_addresses"
    )
    if filter_stun_sources:
        ok = (
            is_upstream(
                _ORIGINAL_REQUEST_RECEIVED,
                UPSTREAM_SHA256["request_received"],
                what="aioice Connection.request_received",
            )
            and ok
        )
    return ok


def configured_host_addresses() -> tuple[str, ...] | None:
    """The addresses set by :func:`configure_host_addresses`, or None when aioice's default is in force."""
    return _allowed


def _filtered_request_received(
    self: aioice.ice.Connection, message: Any, addr: tuple[str, int], protocol: Any
) -> None:
    allowed = _allowed
    if allowed is not None and _normalise_or_none(addr[0]) not in allowed:
        log.debug("dropping STUN request from %s: not an allowed address", addr[0])
        return
    _ORIGINAL_REQUEST_RECEIVED(self, message, addr, protocol)


def _normalise_or_none(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return None


def rtc_configuration(ice_servers: Sequence[IceServer]) -> RTCConfiguration:
    """aiortc's configuration for the given servers. An empty list means no STUN at all: aiortc otherwise
    falls back to a public Google STUN server, which a loopback-only (or offline) deployment must not use."""
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential) for s in ice_servers
        ]
    )


def filter_offer_sdp(sdp: str, allowed_addresses: Collection[str] | None) -> str:
    """Drop ``a=candidate`` lines whose connection address is not in ``allowed_addresses``.

    mDNS names (``*.local``) are never IP addresses, so they always go: aioice would otherwise resolve them
    with multicast on every interface. ``None`` means no filtering (normal deployments), and so do addresses
    that are not all loopback: a phone's candidates are its own addresses, never the server's. Line endings
    are kept as they were.
    """
    if allowed_addresses is None or not _loopback_only(allowed_addresses):
        return sdp
    allowed = {_normalise(a) for a in allowed_addresses}
    kept: list[str] = []
    for line in sdp.splitlines(keepends=True):
        if line.startswith("a=candidate:"):
            # a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
            fields = line.split()
            address = _normalise_or_none(fields[4]) if len(fields) > 4 else None
            if address not in allowed:
                continue
        kept.append(line)
    return "".join(kept)


def _loopback_only(addresses: Collection[str]) -> bool:
    """Whether a server on ``addresses`` can only be reached from this machine's loopback: then what the
    browser offers from its other interfaces is a path to keep ICE off, never a way in."""
    return all(ipaddress.ip_address(_normalise(a)).is_loopback for a in addresses)
