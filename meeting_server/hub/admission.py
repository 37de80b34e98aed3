"""Who may open a connection and how often a connection may ask: the socket edge's limits.

Three steps, each refused with a reason:

1. **engine.io handshake** (before any token is seen): per client address, a rate of handshakes and a cap on
   sessions that have not (yet) connected with a link token. Refused with HTTP 401 and a JSON body
   ``{code, message}``; the socket.io client retries by itself with back-off.
2. **socket.io connect** (the link token is known): per address a rate of connects; caps on connections per
   link and per address. Refused with ``connect_error`` data ``{code: "rate_limited" | "too_many_connections",
   message}``.
3. **each message**: per connection a bucket for commands (``command``, ``join``, ``rtc_*``) and one for
   ``hello``/``sync``; per link (each personal link a link of its own) buckets for commands, hellos and
   joins. Refused with the ack
   ``{ok: false, error: {code: "rate_limited", message}}``.

Addresses are the TCP peer's, or — when the peer is a trusted reverse proxy — the client it names in
``X-Forwarded-For``. Everything is per server process. Buckets run on a monotonic clock: a step of the wall
clock must neither refill nor drain them.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import socketio

from meeting_server.core.roles import Role
from meeting_server.settings import LimitSettings

from .limits import Buckets, Counter, TokenBucket
from .wire import WireError

log = logging.getLogger(__name__)

_HANDSHAKE = "gongzhi.handshake"  # environ key: the engine.io session's own record

Kind = str  # "command" | "hello" | "join"


def client_address(peer: str | None, forwarded_for: str | None, trusted: frozenset[str]) -> str:
    """The client's address: ``peer``, unless ``peer`` is a trusted proxy; then the right-most address in
    ``X-Forwarded-For`` that is not itself a trusted proxy (the left part of the header is whatever the
    client sent, so it is not believed)."""
    address = _normalise(peer) or (peer or "unknown")
    if not forwarded_for or address not in trusted:
        return address
    for hop in reversed(forwarded_for.split(",")):
        normalised = _normalise(hop.strip())
        if normalised is None:
            break
        address = normalised
        if normalised not in trusted:
            break
    return address


def _normalise(address: str | None) -> str | None:
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def environ_address(environ: dict[str, Any], trusted: frozenset[str]) -> str:
    """The client address of an engine.io request (aiohttp's driver sets REMOTE_ADDR to a constant)."""
    request = environ.get("aiohttp.request")
    peer = getattr(request, "remote", None) or environ.get("REMOTE_ADDR")
    return client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), trusted)


@dataclasses.dataclass(eq=False)
class _Handshake:
    address: str
    pending: bool = True  # no socket.io connection with a token yet


@dataclasses.dataclass(eq=False)
class Ticket:
    """One admitted socket.io connection: what it holds (released at disconnect) and its own buckets."""

    address: str
    link: str
    commands: TokenBucket
    hellos: TokenBucket


class Refusal(Exception):
    """A connection refused by a limit; ``code`` and ``message`` go to the client."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def link_key(meeting_id: str, role: Role, person_id: str | None = None) -> str:
    """Connections and messages are counted per link: one per meeting and role, and each roster person's
    personal link apart (else whoever holds the shared resident link could fill the cap or drain the
    buckets that every resident's own link counts against)."""
    return f"{meeting_id}/{role.value}" + (f"/{person_id}" if person_id is not None else "")


class Admission:
    """The limits of one server process."""

    def __init__(self, settings: LimitSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.trusted = frozenset(a for a in (_normalise(p) for p in settings.trusted_proxies) if a)
        s = settings
        self._handshakes = Buckets(s.connects_per_address_per_s, s.connects_per_address_burst, clock)
        self._connects = Buckets(s.connects_per_address_per_s, s.connects_per_address_burst, clock)
        self._pending = Counter(s.pending_per_address)
        self._per_link = Counter(s.connections_per_link)
        self._per_address = Counter(s.connections_per_address)
        self._link_buckets = {
            "command": Buckets(s.link_commands_per_s, s.link_commands_burst, clock),
            "hello": Buckets(s.link_hellos_per_s, s.link_hellos_burst, clock),
            "join": Buckets(s.link_joins_per_s, s.link_joins_burst, clock),
        }
        self._sessions: dict[str, _Handshake] = {}

    # ------------------------------------------------------------------ 1. engine.io handshakes
    def install(self, sio: socketio.AsyncServer) -> None:
        """Put the handshake check in front of python-socketio's own engine.io connect handler.

        engine.io calls one ``connect`` and one ``disconnect`` handler, python-socketio's; ours run first and
        then hand over to them (as python-socketio's own admin instrumentation does).
        """
        upstream_connect: Callable[[str, dict[str, Any]], Awaitable[Any]] = sio.eio.handlers["connect"]
        upstream_disconnect: Callable[..., Awaitable[Any]] = sio.eio.handlers["disconnect"]

        async def on_eio_connect(eio_sid: str, environ: dict[str, Any]) -> Any:
            try:
                self.handshake(eio_sid, environ)
            except Refusal as e:
                log.info("engine.io handshake refused (%s): %s", e.code, e.message)
                return {"code": e.code, "message": e.message}  # engine.io answers 401 with this body
            try:
                return await upstream_connect(eio_sid, environ)
            except BaseException:
                self.handshake_closed(eio_sid)  # engine.io drops the session without a disconnect
                raise

        async def on_eio_disconnect(eio_sid: str, *args: Any) -> Any:
            self.handshake_closed(eio_sid)
            return await upstream_disconnect(eio_sid, *args)

        sio.eio.on("connect", on_eio_connect)
        sio.eio.on("disconnect", on_eio_disconnect)

    def handshake(self, eio_sid: str, environ: dict[str, Any]) -> None:
        address = environ_address(environ, self.trusted)
        if self._handshakes.take(address):
            raise Refusal("rate_limited", "too many connection attempts from this address; retry shortly")
        if not self._pending.acquire(address):
            raise Refusal(
                "too_many_connections", "too many connections from this address have not sent a link token"
            )
        handshake = _Handshake(address)
        self._sessions[eio_sid] = handshake
        environ[_HANDSHAKE] = handshake

    def handshake_closed(self, eio_sid: str) -> None:
        handshake = self._sessions.pop(eio_sid, None)
        if handshake is not None and handshake.pending:
            self._pending.release(handshake.address)

    # ------------------------------------------------------------------ 2. socket.io connects
    def address(self, environ: dict[str, Any]) -> str:
        handshake = environ.get(_HANDSHAKE)
        return (
            handshake.address if isinstance(handshake, _Handshake) else environ_address(environ, self.trusted)
        )

    def check_connect(self, environ: dict[str, Any]) -> None:
        """Before the token is read: the address's rate of connects."""
        if self._connects.take(self.address(environ)):
            raise Refusal("rate_limited", "too many connection attempts from this address; retry shortly")

    def admit(
        self, environ: dict[str, Any], meeting_id: str, role: Role, person_id: str | None = None
    ) -> Ticket:
        """The connection caps; on success the connection counts until :meth:`release`. No await may come
        between this and the connection being registered (it is the check and the count at once)."""
        address = self.address(environ)
        link = link_key(meeting_id, role, person_id)
        s = self.settings
        cap = s.connections_per_observer_link if role is Role.OBSERVER else s.connections_per_link
        if self._per_link[link] >= cap:
            raise Refusal("too_many_connections", f"this link already has {cap} connections")
        if not self._per_address.acquire(address):
            raise Refusal(
                "too_many_connections", f"this address already has {s.connections_per_address} connections"
            )
        self._per_link.acquire(link, cap)
        handshake = environ.get(_HANDSHAKE)
        if isinstance(handshake, _Handshake) and handshake.pending:
            handshake.pending = False
            self._pending.release(handshake.address)
        now = self.clock()
        return Ticket(
            address,
            link,
            TokenBucket.full(s.commands_per_s, s.commands_burst, now),
            TokenBucket.full(s.hellos_per_s, s.hellos_burst, now),
        )

    def release(self, ticket: Ticket) -> None:
        self._per_link.release(ticket.link)
        self._per_address.release(ticket.address)

    # ------------------------------------------------------------------ 3. messages
    def check(self, ticket: Ticket, kind: Kind) -> None:
        """Take a token for one message of ``kind``; ``rate_limited`` (with the wait) when none is left."""
        now = self.clock()
        own = ticket.hellos if kind == "hello" else ticket.commands
        if not own.take(now):
            raise _rate_limited("this connection", own.retry_after())
        wait = self._link_buckets[kind].take(ticket.link)
        if wait:
            raise _rate_limited("this link", wait)


def _rate_limited(who: str, wait: float) -> WireError:
    return WireError("rate_limited", f"too many messages from {who}; retry in {max(wait, 0.1):.1f} s")
