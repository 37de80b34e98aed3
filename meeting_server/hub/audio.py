"""The hub's audio side: WebRTC signalling, floor-bound captions, microphone control and live audio.

Binds the media layer (peer manager, per-meeting ``MeetingAudio``) and the caption service to the meeting
registry (floor events) and to socket.io (``rtc_offer`` / ``rtc_close`` / ``mic``). Peer keys are
``<meeting>/<participant>`` for a phone and ``<meeting>/hall`` for the hall microphone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from aiohttp import web

from asr.hotwords import clean_hotwords
from asr.redis_service import RedisAsrService
from asr.service import AsrService
from asr.stream import Caption
from meeting_server.core.commands import CommitCaption
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.events import FloorExpired, FloorGranted, FloorRevoked, FloorYielded, MeetingClosed
from meeting_server.core.registry import Event
from meeting_server.core.roles import WATCHERS, Actor, Role
from meeting_server.core.values import Channel, MeetingStatus
from meeting_server.media.floor_audio import MeetingAudio
from meeting_server.media.gate import HALL_SOURCE
from meeting_server.media.ice import (
    IceServer,
    browser_ice,
    configure_host_addresses,
    ice_servers_for,
    rtc_configuration,
)
from meeting_server.media.peers import MediaError, PeerManager
from meeting_server.settings import Settings
from meeting_server.store.records import EventRecord

from .audio_relay import AudioRelay
from .clients import Client
from .hotwords import community_places, meeting_hotwords
from .http_edge import Refused, open_meeting_link, still_open
from .runtime import MeetingRegistry, MeetingRuntime
from .sockets import Hub
from .wire import WireError, as_object, ok

log = logging.getLogger(__name__)

SERVER_TURN_USER = "gongzhi-server"  # the server's own TURN allocations (it relays to phones behind NAT)

_ENDED = {FloorYielded.name: "yielded", FloorRevoked.name: "revoked", FloorExpired.name: "expired"}


class AudioHub:
    """Everything audio for all meetings of this process."""

    def __init__(self, settings: Settings, registry: MeetingRegistry, hub: Hub) -> None:
        self.settings = settings
        self.registry = registry
        self.hub = hub
        # Topic id -> title of a community's topics (set by the app once the communities exist): the
        # titles of the topics a meeting's agenda deliberates are hot words too, read again at each turn.
        self.topic_titles: Callable[[str], Awaitable[Mapping[str, str]]] | None = None
        self._topics: dict[str, Mapping[str, str]] = {}
        # A community's place names as its staff keep them (set by the app too; read again at each turn).
        self.place_names: Callable[[str], Awaitable[Sequence[str]]] | None = None
        self._places: dict[str, Sequence[str]] = {}
        web_rtc = settings.webrtc
        # An empty list means "every address" (aioice's default); loopback-only is the single-host default.
        self.allowed_addresses = tuple(web_rtc.host_addresses) or None
        configure_host_addresses(self.allowed_addresses)
        self.peers = PeerManager(
            configuration=lambda: rtc_configuration(self.ice_servers(SERVER_TURN_USER)),
            allowed_addresses=self.allowed_addresses,
            max_connections=web_rtc.max_connections,
            connect_timeout=web_rtc.connect_timeout_s,
            on_audio=self._on_audio,
            on_closed=self._on_peer_lost,
        )
        # Scale-out: captions are decoded by `python -m asr worker` processes fed through Redis Streams.
        self.asr: AsrService | RedisAsrService | None = None
        if settings.media.captions:
            self.asr = (
                RedisAsrService(settings.asr, redis_url=settings.redis.url, hall=settings.asr_hall)
                if settings.redis.url
                else AsrService(settings.asr, hall=settings.asr_hall)
            )
        self._asr_ready: asyncio.Future[None] | None = None
        self.meetings: dict[str, MeetingAudio] = {}
        # Scale-out: the sound of the microphones connected here reaches the other processes' listeners.
        self.relay = AudioRelay(settings.redis.url, self.meetings) if settings.redis.url else None
        self._tasks: set[asyncio.Task[Any]] = set()
        registry.add_listener(self._on_floor, foreign=True)  # gate audio wherever the speaker's peer is
        registry.add_listener(self._on_events)  # tell the speaker, once, from the process that decided
        # Which socket opened which peer: a peer closes with its socket (see _on_disconnect).
        self._owners: dict[str, str] = {}
        hub.welcome_extra = self._rtc_for
        hub.disconnect_listeners.append(self._on_disconnect)
        hub.sio.on("rtc_offer", self.on_rtc_offer)
        hub.sio.on("rtc_close", self.on_rtc_close)

    # ------------------------------------------------------------------ ICE servers
    def ice_servers(self, user: str) -> list[IceServer]:
        return ice_servers_for(self.settings.webrtc, user, self.registry.clock())

    @staticmethod
    def may_send_audio(client: Client) -> bool:
        """Residents who joined (they may be given the floor) and the hall station's links."""
        if client.role in (Role.RECORDER, Role.MODERATOR):
            return True
        return client.role is Role.PARTICIPANT and client.actor is not None

    def _rtc_for(self, client: Client) -> dict[str, Any]:
        """The welcome's ``rtc``: ICE servers, credentials included, only for those who may send audio."""
        if not self.may_send_audio(client):
            return {}
        user = client.actor.participant_id if client.actor is not None else client.role.value
        return {"rtc": {"ice_servers": [browser_ice(s) for s in self.ice_servers(user)]}}

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Start loading the caption model in the background; meetings open meanwhile."""
        if self.relay is not None:
            self.relay.start()
        if self.asr is not None:
            self._asr_ready = asyncio.get_running_loop().create_task(self._start_asr())
        for rt in self.registry.loaded():
            if rt.state is not None and rt.state.floor is not None and rt.state.status is MeetingStatus.OPEN:
                floor = rt.state.floor  # a turn that was going on when the server stopped: resume it
                self._meeting(rt).on_floor_granted(
                    floor.turn_id,
                    floor.participant_id,
                    self._name(rt, floor.participant_id),
                    floor.channel.value,
                )

    async def _start_asr(self) -> None:
        assert self.asr is not None
        t0 = time.perf_counter()
        await self.asr.start()
        log.info("caption model ready in %.1f s", time.perf_counter() - t0)

    async def close(self) -> None:
        """Stop taking audio, flush every caption stream and recording, then stop the model."""
        await self.peers.close_all()
        if self._asr_ready is not None and not self._asr_ready.done():
            self._asr_ready.cancel()
        for audio in list(self.meetings.values()):
            await audio.close()
        self.meetings.clear()
        if self.asr is not None:
            await self.asr.stop()
        if self.relay is not None:
            await self.relay.close()

    # ------------------------------------------------------------------ floor events (single writer)
    def meeting_audio(self, rt: MeetingRuntime) -> MeetingAudio:
        """The meeting's audio path (created on first use)."""
        return self._meeting(rt)

    def _meeting(self, rt: MeetingRuntime) -> MeetingAudio:
        audio = self.meetings.get(rt.meeting_id)
        if audio is None:

            async def commit(turn_id: str, participant_id: str, caption: Caption) -> None:
                await self._commit(rt, turn_id, participant_id, caption)

            async def partial(message: dict[str, Any]) -> None:
                await self.hub.send_transient(rt.meeting_id, message)

            media = self.settings.media
            relay = self.relay
            audio = MeetingAudio(
                rt.meeting_id,
                asr=self.asr,
                asr_ready=self._asr_ready,
                commit_final=commit,
                send_partial=partial,
                recordings_dir=self.settings.data_dir if media.record else None,
                live_bitrate=media.live_bitrate if media.live_audio else None,
                hotwords=lambda: self._hotwords(rt),
                publish=(lambda source, pcm: relay.publish(rt.meeting_id, source, pcm)) if relay else None,
            )
            self.meetings[rt.meeting_id] = audio
        return audio

    async def _on_floor(
        self, rt: MeetingRuntime, records: Sequence[EventRecord], events: Sequence[Event]
    ) -> None:
        for ev in events:
            if isinstance(ev, FloorGranted):
                await self.read_hotwords(rt)
                name = self._name(rt, ev.participant_id)
                self._meeting(rt).on_floor_granted(ev.turn_id, ev.participant_id, name, ev.channel.value)
            elif isinstance(ev, FloorYielded | FloorRevoked | FloorExpired):
                audio = self.meetings.get(rt.meeting_id)
                if audio is not None:
                    audio.on_floor_ended(ev.turn_id)  # no more of this speaker's audio from now on
                self._spawn(self._close_peer(f"{rt.meeting_id}/{ev.participant_id}"))
            elif isinstance(ev, MeetingClosed):
                self._spawn(self._close_meeting(rt.meeting_id))

    async def _on_events(
        self, rt: MeetingRuntime, records: Sequence[EventRecord], events: Sequence[Event]
    ) -> None:
        """Tell the speaker to open or close the microphone, once (from the process that decided)."""
        for ev in events:
            if isinstance(ev, FloorGranted):
                message: dict[str, Any] = {"open": True, "turn_id": ev.turn_id}
            elif isinstance(ev, FloorYielded | FloorRevoked | FloorExpired):
                message = {"open": False, "turn_id": ev.turn_id, "reason": _ENDED[ev.name]}
            else:
                continue
            await self.hub.send_personal(rt.meeting_id, ev.participant_id, "mic", message)

    async def _close_peer(self, key: str) -> None:
        self._owners.pop(key, None)
        await self.peers.close(key)

    async def _close_meeting(self, meeting_id: str) -> None:
        await self._close_peer(f"{meeting_id}/{HALL_SOURCE}")
        audio = self.meetings.pop(meeting_id, None)
        self._topics.pop(meeting_id, None)
        self._places.pop(meeting_id, None)
        if audio is not None:
            await audio.close()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    def _name(rt: MeetingRuntime, participant_id: str) -> str:
        p = rt.state.participants.get(participant_id) if rt.state is not None else None
        return p.name if p is not None else participant_id

    async def read_hotwords(self, rt: MeetingRuntime) -> list[str]:
        """The hot words of a turn starting now: the community's topic titles and place names read again."""
        await self._read_community(rt)
        return self._hotwords(rt)

    async def _read_community(self, rt: MeetingRuntime) -> None:
        state = rt.state
        if state is None or not state.community_id:
            return
        try:  # hot words help; a turn never waits on them failing
            if self.topic_titles is not None and any(item.topic_id for item in state.agenda):
                self._topics[rt.meeting_id] = await self.topic_titles(state.community_id)
            if self.place_names is not None:
                self._places[rt.meeting_id] = await self.place_names(state.community_id)
        except Exception:
            log.exception("topics or places of %s for the hot words", state.community_id)

    def _hotwords(self, rt: MeetingRuntime) -> list[str]:
        """Names the recogniser should know (``hub.hotwords``), cleaned and bounded (``asr.hotwords``)."""
        state = rt.state
        if state is None:
            return []
        places = [
            *self._places.get(rt.meeting_id, ()),  # the community's staff's (地名 page)
            *community_places(self.settings.meeting.places, state.community_id),
        ]
        return clean_hotwords(meeting_hotwords(state, self._topics.get(rt.meeting_id), places))

    async def _commit(self, rt: MeetingRuntime, turn_id: str, participant_id: str, caption: Caption) -> None:
        cmd = CommitCaption(
            turn_id, participant_id, caption.text, round(caption.start, 3), round(caption.end, 3)
        )
        try:
            await self.registry.execute(rt, Actor.system(), cmd)
        except DomainError as e:
            log.warning("final caption of %s refused (%s): %r", turn_id, e, caption.text)

    # ------------------------------------------------------------------ audio
    def _on_audio(self, peer_key: str, pcm: npt.NDArray[np.float32], pts: float) -> None:
        meeting_id, _, source = peer_key.partition("/")
        audio = self.meetings.get(meeting_id)
        if audio is not None:
            audio.on_audio(source, pcm)  # anyone but the floor's source is discarded here

    def _on_peer_lost(self, peer_key: str) -> None:
        self._owners.pop(peer_key, None)
        log.info("peer %s went away", peer_key)

    # ------------------------------------------------------------------ signalling
    async def on_rtc_offer(self, sid: str, data: Any = None) -> dict[str, Any]:
        """``rtc_offer {sdp, type, source?}`` → ack with the answer (see docs/protocol.md)."""
        return await self.hub.guarded(lambda c, d: self._offer(sid, c, d), sid, data)

    async def on_rtc_close(self, sid: str, data: Any = None) -> dict[str, Any]:
        return await self.hub.guarded(self._close, sid, data)

    async def _offer(self, sid: str, client: Client, data: Any) -> dict[str, Any]:
        body = as_object(data, "rtc_offer", {"sdp", "type", "source"})
        source = self._source(client, body.get("source"))
        rt = await self.registry.get(client.meeting_id)
        if rt is None or rt.state is None:
            raise WireError("not_found", "no such meeting")
        if rt.state.status is MeetingStatus.CLOSED:
            raise DomainError(ErrorCode.WRONG_STATE, "the meeting has closed")
        if not self._may_offer(rt, source) and self.registry.shared:
            await self.registry.catch_up(rt)  # the floor may have been given through another process
        if not self._may_offer(rt, source):
            raise _not_your_turn()
        key = f"{client.meeting_id}/{source}"
        audio = self._meeting(rt)
        send = audio.new_playback() if source == HALL_SOURCE else None
        try:
            answer = await self.peers.accept_offer(key, body.get("sdp"), body.get("type"), send=send)
        except MediaError as e:
            raise WireError(e.code.value, e.message) from None
        if sid not in self.hub.clients or not self._may_offer(rt, source):
            # The socket went away, or the turn ended, while the offer was being answered.
            await self.peers.close(key)
            raise _not_your_turn()
        self._owners[key] = sid
        return ok(answer={"sdp": answer, "type": "answer"})

    @staticmethod
    def _may_offer(rt: MeetingRuntime, source: str) -> bool:
        """The hall station may connect at any time (the gate decides whose audio counts); a phone only
        while its resident holds the floor from the resident page."""
        if source == HALL_SOURCE:
            return True
        floor = rt.state.floor if rt.state is not None else None
        return floor is not None and floor.participant_id == source and floor.channel is Channel.ONLINE

    def _source(self, client: Client, source: Any) -> str:
        if source == HALL_SOURCE:
            # The hall audio station is a device, not an attendee: the recorder's (or moderator's) link
            # opens it without joining the meeting.
            if client.role not in (Role.RECORDER, Role.MODERATOR):
                raise DomainError(
                    ErrorCode.FORBIDDEN, "the hall microphone is opened by the recorder or moderator"
                )
            return HALL_SOURCE
        if client.actor is None or client.role in WATCHERS:
            raise DomainError(ErrorCode.FORBIDDEN, "only people taking part may send audio")
        if source is not None:
            raise WireError("invalid", "rtc_offer.source must be absent or 'hall'")
        if client.role is not Role.PARTICIPANT:
            raise DomainError(ErrorCode.FORBIDDEN, "officers speak through the hall microphone")
        return client.actor.participant_id

    async def _close(self, client: Client, data: Any) -> dict[str, Any]:
        body = as_object(data, "rtc_close")
        key = f"{client.meeting_id}/{self._source(client, body.get('source'))}"
        self._owners.pop(key, None)
        return ok(closed=await self.peers.close(key))

    async def _on_disconnect(self, sid: str) -> None:
        """A socket went away: close the peers it opened (not those a newer socket has opened since)."""
        keys = [key for key, owner in self._owners.items() if owner == sid]
        for key in keys:
            del self._owners[key]
        await asyncio.gather(*(self.peers.close(key) for key in keys))

    # ------------------------------------------------------------------ live audio over HTTP
    async def live_mp3(self, request: web.Request) -> web.StreamResponse:
        """GET /m/{meeting_id}/live.mp3?t=TOKEN — the floor audio as a continuous MP3 stream."""
        claims, rt = await open_meeting_link(request, self.hub.signer, self.registry)
        meeting_id = rt.meeting_id
        live = self._meeting(rt).live()
        if live is None:
            raise Refused(404, "disabled", "live audio is off")
        response = web.StreamResponse(headers={"Content-Type": "audio/mpeg", "Cache-Control": "no-store"})
        await response.prepare(request)
        queue = live.subscribe()
        try:
            while (chunk := await queue.get()) is not None:
                if not still_open(claims, rt, self.registry.clock()):
                    break  # the link was revoked, rotated or has expired since the stream began
                await response.write(chunk)
            await response.write_eof()
        except ConnectionResetError:
            log.debug("live listener of %s left", meeting_id)
        finally:
            live.unsubscribe(queue)
        return response


def _not_your_turn() -> WireError:
    return WireError("not_your_turn", "the microphone opens when the moderator gives you the floor")
