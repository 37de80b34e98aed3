"""socket.io handlers: authenticate at connect, then hello / join / command / sync.

Protocol (see docs/protocol.md): a client connects with ``auth={token, session?}``, sends ``hello
{since?}`` and receives a ``welcome`` (snapshot, or the events it missed) before any later ``events``
message, because the welcome is emitted under the meeting's lock. Durable changes arrive as ``events``
messages ``{events: [...], seq, base_seq, delta}`` (what changed in the view since ``base_seq``; ``view``
instead of the delta when this process has no base) with consecutive sequence numbers; ``transient``
messages (partial captions) are not logged.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import socketio

from meeting_server.core.commands import JoinMeeting
from meeting_server.core.delta import diff
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.payload import from_payload
from meeting_server.core.registry import Event, parse_command
from meeting_server.core.roles import WATCHERS, Actor, Role
from meeting_server.core.values import Channel
from meeting_server.core.view import public_view
from meeting_server.store.records import EventRecord

from .admission import Admission, Kind, Refusal
from .clients import Client, personal_room
from .invites import check_current, participant_of
from .link_sockets import LinkSockets
from .packets import INVALID_EVENT, InvalidPayload
from .presence import PresenceTracker
from .runtime import MeetingRegistry, MeetingRuntime
from .tokens import LinkClaims, TokenError, TokenSigner
from .wire import WireError, as_object, check_size, from_exception, ok, refuse

log = logging.getLogger(__name__)

Handler = Callable[["Client", Any], Awaitable[dict[str, Any]]]
DisconnectListener = Callable[[str], Awaitable[None]]


def _refused(code: str, message: str) -> socketio.exceptions.ConnectionRefusedError:
    """A connect refusal; the client's ``connect_error`` carries ``data = {code, message}``."""
    return socketio.exceptions.ConnectionRefusedError(message, {"code": code, "message": message})


class Hub:
    """Binds socket.io events to the meeting registry."""

    def __init__(
        self,
        sio: socketio.AsyncServer,
        registry: MeetingRegistry,
        signer: TokenSigner,
        admission: Admission,
        *,
        max_message_bytes: int,
        replay_limit: int,
        session_ttl_s: float,
        presence_grace_s: float = 45.0,
    ) -> None:
        self.sio = sio
        self.registry = registry
        self.signer = signer
        self.admission = admission
        self.max_message_bytes = max_message_bytes
        self.replay_limit = replay_limit
        self.session_ttl_s = session_ttl_s
        self.clients: dict[str, Client] = {}
        # Who has a device in the meeting now: ParticipantDisconnected after the grace period (core.presence).
        self.presence = PresenceTracker(registry, presence_grace_s)
        # Per meeting, the sequence number and public view of the last ``events`` message (deltas' base).
        self._last_views: dict[str, tuple[int, dict[str, Any]]] = {}
        # Extra fields of a client's welcome, and of its join's ack (joining may change them): the WebRTC
        # ICE servers for those who may send audio, set by the audio hub.
        self.welcome_extra: Callable[[Client], dict[str, Any]] = _nothing_extra
        # Told of every socket that went away (the audio hub closes its peers).
        self.disconnect_listeners: list[DisconnectListener] = []
        # Every process delivers every event of the log to its own clients, in order — its own and, after
        # catching up, other processes' (scale-out). Redis pub/sub (at-most-once) is not trusted with them.
        registry.add_listener(self._broadcast, foreign=True)
        # Revoked and rotated links drop their sockets, on every process (hub.link_sockets).
        self.link_sockets = LinkSockets(sio, self.clients)
        registry.add_listener(self._links_changed, foreign=True)
        sio.on("connect", self.on_connect)
        sio.on("disconnect", self.on_disconnect)
        sio.on("hello", self.on_hello)
        sio.on("join", self.on_join)
        sio.on("command", self.on_command)
        sio.on("sync", self.on_sync)
        sio.on(INVALID_EVENT, self.on_invalid)
        sio.on("*", self.on_unknown)

    # ------------------------------------------------------------------ connection
    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        now = self.registry.clock()
        try:
            self.admission.check_connect(environ)
        except Refusal as e:
            raise _refused(e.code, e.message) from None
        if isinstance(auth, InvalidPayload):
            raise _refused("invalid", auth.message)
        if not isinstance(auth, dict):
            raise _refused("no_token", "connect with auth={token: <link token>}")
        try:
            link = self.signer.open_link(auth.get("token"), now)
        except TokenError as e:
            raise _refused(e.code, e.message) from None
        try:
            rt = await self.registry.get(link.meeting_id)
        except DomainError as e:  # a meeting that cannot run now (its ballot key is not this server's)
            raise _refused(e.code.value, e.message) from None
        if rt is None or rt.state is None:
            raise _refused("not_found", "no such meeting")
        if self.registry.shared:
            await self.registry.catch_up(rt)  # the person may have joined through another process
        assert rt.state is not None
        try:
            check_current(link, rt.state)  # revoked or rotated since it was signed
        except TokenError as e:
            raise _refused(e.code, e.message) from None
        actor: Actor | None = None
        session = auth.get("session")
        session_expires = math.inf
        if link.personal:
            pass  # the link itself names the person (below): a session adds nothing
        elif session is not None:
            try:
                claims = self.signer.open_session(session, now, link.meeting_id)
            except TokenError as e:
                raise _refused(e.code, e.message) from None
            if claims.role is not link.role:
                raise _refused("wrong_role", "the session does not match the link's role")
            if claims.participant_id not in rt.state.participants:
                raise _refused("not_found", "unknown participant")
            if rt.state.participants[claims.participant_id].person_id is not None:
                # A roster person comes back only through their personal link (it may be revoked).
                raise _refused("wrong_role", "this session belongs to a personal link")
            actor = Actor(claims.participant_id, claims.role)
            session_expires = claims.expires
        elif link.role in WATCHERS:
            # Observers and the hall display are anonymous watchers: nothing about them is logged.
            prefix = "obs-" if link.role is Role.OBSERVER else "hall-"
            actor = Actor(prefix + secrets.token_hex(4), link.role)
        try:  # counted and registered with no await in between
            ticket = self.admission.admit(environ, link.meeting_id, link.role, link.person_id)
        except Refusal as e:
            raise _refused(e.code, e.message) from None
        client = Client(
            link.meeting_id,
            link.role,
            actor,
            ticket,
            generation=link.generation,
            person_id=link.person_id,
            link_expires=link.expires,
            session_expires=session_expires,
        )
        self.clients[sid] = client
        if session is not None and actor is not None:
            await self.presence.attach(sid, rt, actor.participant_id)
        if link.personal:
            await self._personal(sid, client, rt, link)

    async def _personal(self, sid: str, client: Client, rt: MeetingRuntime, link: LinkClaims) -> None:
        """A personal link joins as its person at once (name from the roster, nothing typed) and takes
        over from any other device of that person."""
        assert link.person_id is not None and rt.state is not None
        pid = participant_of(link)
        assert pid is not None
        actor = Actor(pid, Role.PARTICIPANT, link.person_id)
        existing = rt.state.participants.get(pid)
        if existing is None or not (existing.present or existing.channel is Channel.ROOM):
            try:
                await self.registry.execute(rt, actor, JoinMeeting(name=""))
            except DomainError as e:  # e.g. the meeting has closed: watch only, unless they took part
                log.info("personal join refused on %s: %s", rt.meeting_id, e)
        assert rt.state is not None
        if pid in rt.state.participants:
            client.actor = actor
            await self.presence.attach(sid, rt, pid, joined=existing is None)
        await self.link_sockets.take_over(
            sid, client.meeting_id, link.person_id, personal_room(rt.meeting_id, pid)
        )

    async def on_disconnect(self, sid: str, *args: Any) -> None:
        # A dropped connection is not leaving the meeting: presence (and a place in the queue) survive
        # a network drop within the grace period; the client reconnects with its session token.
        client = self.clients.pop(sid, None)
        if client is not None:
            self.admission.release(client.ticket)
        self.presence.detach(sid)
        for listener in self.disconnect_listeners:
            try:
                await listener(sid)
            except Exception:
                log.exception("disconnect listener failed for %s", sid)

    def _client(self, sid: str) -> Client:
        client = self.clients.get(sid)
        if client is None:
            raise WireError("not_connected", "connect first")
        return client

    def _gone(self, sid: str, client: Client) -> bool:
        """Whether the socket of ``client`` disconnected while its handler awaited something (its
        rooms are gone then: entering one would fail in python-socketio)."""
        return self.clients.get(sid) is not client

    async def _runtime(self, client: Client) -> MeetingRuntime:
        rt = await self.registry.get(client.meeting_id)
        if rt is None:
            raise WireError("not_found", "no such meeting")
        return rt

    async def guarded(self, handler: Handler, sid: str, data: Any, kind: Kind = "command") -> dict[str, Any]:
        """Run a handler within the rate limits of ``kind``; every refusal becomes an explicit ack, never
        silence or a stack trace."""
        try:
            client = self._client(sid)
            now = self.registry.clock()
            if client.expires < now:  # expired while connected: nothing more counts (dropped soon)
                self.link_sockets.expire(now)
                raise WireError("expired_token", "the link has expired; ask the staff for a new one")
            self.admission.check(client.ticket, kind)
            check_size(data, self.max_message_bytes)
            return await handler(client, data)
        except (WireError, DomainError) as e:
            return from_exception(e)
        except Exception:
            log.exception("socket handler failed")
            return refuse("internal", "the server could not carry this out; nothing was changed")

    # ------------------------------------------------------------------ hello / sync
    async def on_hello(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Enter the meeting's room and receive a ``welcome``: snapshot or the events after ``since``."""
        return await self.guarded(lambda c, d: self._hello(sid, c, d), sid, data, "hello")

    async def _hello(self, sid: str, client: Client, data: Any) -> dict[str, Any]:
        body = as_object(data, "hello")
        since = body.get("since")
        if since is not None and (isinstance(since, bool) or not isinstance(since, int) or since < 0):
            raise WireError("invalid", "hello.since must be a non-negative integer")
        rt = await self._runtime(client)
        async with rt.lock:
            if self.registry.shared:
                await self.registry.catch_up_locked(rt)
            if self._gone(sid, client):  # disconnected while this waited for the lock
                raise WireError("not_connected", "the connection closed")
            await self.sio.enter_room(sid, client.meeting_id)
            if client.actor is not None:
                await self.sio.enter_room(sid, personal_room(client.meeting_id, client.actor.participant_id))
            client.joined_room = True
            await self.sio.emit("welcome", await self._welcome(rt, client, since), to=sid)
        return ok(seq=rt.seq)

    async def _welcome(self, rt: MeetingRuntime, client: Client, since: int | None) -> dict[str, Any]:
        assert rt.state is not None
        body: dict[str, Any] = {
            "meeting_id": rt.meeting_id,
            "seq": rt.seq,
            "head_hash": rt.public_head_hash(),
            "server_time": self.registry.clock(),
            "you": self._you(client),
            **self.welcome_extra(client),
        }
        if since is not None and 0 <= rt.seq - since <= self.replay_limit:
            records = await self.registry.read_log(rt.meeting_id, since)
            body["events"] = [rt.public(r) for r in records]
        body["view"] = public_view(rt.state, client.actor, self.registry.clock())
        return body

    def _you(self, client: Client) -> dict[str, Any]:
        you: dict[str, Any] = {"role": client.role.value}
        if client.person_id is not None:
            you["personal"] = True  # joined by a personal link: the page shows no name form
        if client.actor is not None:
            you["participant_id"] = client.actor.participant_id
            if client.role not in WATCHERS:
                # A session never outlives the link it came with (its socket's rights end with the link).
                expires = min(self.registry.clock() + self.session_ttl_s, client.link_expires)
                you["session"] = self.signer.session(
                    client.meeting_id, client.actor.participant_id, client.role, expires
                )
                client.session_expires = expires
        return you

    async def on_sync(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Ask again for everything after ``since`` (after a detected gap): answered with a ``welcome``."""
        return await self.on_hello(sid, data)

    # ------------------------------------------------------------------ join / command
    async def on_join(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Join the meeting with a name (residents and officials); returns the session token."""
        return await self.guarded(lambda c, d: self._join(sid, c, d), sid, data, "join")

    async def _join(self, sid: str, client: Client, data: Any) -> dict[str, Any]:
        body = as_object(data, "join")
        if client.role in WATCHERS:
            raise DomainError(ErrorCode.FORBIDDEN, "observers and the hall display watch without joining")
        if client.actor is not None:
            raise DomainError(ErrorCode.DUPLICATE, "already joined")
        if client.person_id is not None:  # joined at connect, as the roster person, or not at all
            raise DomainError(ErrorCode.FORBIDDEN, "a personal link joins by itself, as its person")
        # The payload is JoinMeeting's fields; a "type" among them is refused as unknown (merged into a
        # command it would replace the type, and another command would run as the join).
        cmd: JoinMeeting = from_payload(JoinMeeting, body)
        rt = await self._runtime(client)
        actor = Actor(self._new_participant_id(client.role), client.role)
        records = await self.registry.execute(rt, actor, cmd)
        client.actor = actor
        await self.presence.attach(sid, rt, actor.participant_id, joined=True)
        if self._gone(sid, client):
            # The socket went away while the join was being written: the person has joined (the record
            # says so) and dropped at once, so they get the grace period to come back, with nothing kept
            # for the gone socket (no room, no presence that would keep them 在线 for ever).
            self.presence.detach(sid)
            raise WireError("not_connected", "the connection closed while joining")
        await self.sio.enter_room(sid, personal_room(client.meeting_id, actor.participant_id))
        return ok(
            seq=records[-1].seq if records else rt.seq, you=self._you(client), **self.welcome_extra(client)
        )

    @staticmethod
    def _new_participant_id(role: Role) -> str:
        return f"{role.value[:3]}-{secrets.token_hex(5)}"

    async def on_command(self, sid: str, data: Any = None) -> dict[str, Any]:
        return await self.guarded(self._command, sid, data)

    async def _command(self, client: Client, data: Any) -> dict[str, Any]:
        if client.actor is None:
            raise DomainError(ErrorCode.NOT_PRESENT, "join the meeting first")
        cmd = parse_command(data)
        rt = await self._runtime(client)
        records = await self.registry.execute(rt, client.actor, cmd)
        return ok(seq=records[-1].seq if records else rt.seq)

    async def on_invalid(self, sid: str, reason: Any = None) -> dict[str, Any]:
        """A message whose payload could not be decoded (see packets.py): refused through its ack id."""

        async def invalid(client: Client, data: Any) -> dict[str, Any]:
            raise WireError("invalid", str(reason)[:200])

        # Without an ack id (packets.py could not read one) this line is all that is left of it.
        log.info("invalid packet from %s: %s", sid, str(reason)[:200])
        return await self.guarded(invalid, sid, None)

    async def on_unknown(self, event: str, sid: str, *args: Any) -> dict[str, Any]:
        return refuse("unknown_event", f"unknown message {event[:40]!r}")

    async def send_personal(
        self, meeting_id: str, participant_id: str, event: str, message: dict[str, Any]
    ) -> None:
        """To every connection of one person, on whichever server process it is."""
        await self.sio.emit(event, message, room=personal_room(meeting_id, participant_id))

    # ------------------------------------------------------------------ fan-out
    async def _broadcast(
        self, rt: MeetingRuntime, records: Sequence[EventRecord], events: Sequence[Event]
    ) -> None:
        assert rt.state is not None
        view = public_view(rt.state, None, self.registry.clock())
        seq = records[-1].seq if records else rt.seq
        message: dict[str, Any] = {"events": [rt.public(r) for r in records], "seq": seq}
        # What changed since the view this process sent last, computed once for the whole room; the whole
        # view when this process has not sent the one just before (first batch since it loaded the meeting).
        base = self._last_views.get(rt.meeting_id)
        first = records[0].seq if records else seq + 1
        if base is not None and base[0] == first - 1:
            message["base_seq"] = base[0]
            message["delta"] = diff(base[1], view)
        else:
            message["view"] = view
        self._last_views[rt.meeting_id] = (seq, view)
        await self.sio.emit("events", message, room=rt.meeting_id, ignore_queue=True)

    async def _links_changed(
        self, rt: MeetingRuntime, records: Sequence[EventRecord], events: Sequence[Event]
    ) -> None:
        self.link_sockets.on_events(rt.meeting_id, events)

    async def send_transient(self, meeting_id: str, message: dict[str, Any]) -> None:
        """Not-logged updates (partial captions, audio levels) to everyone in the meeting."""
        await self.sio.emit("transient", message, room=meeting_id)


def _nothing_extra(client: Client) -> dict[str, Any]:
    return {}
