"""Server-side WebRTC peers: one receive-only audio connection per peer key, decoded to 16 kHz mono.

The :class:`PeerManager` owns every ``RTCPeerConnection`` it accepts. It checks each offer before aiortc
sees it (size, type, exactly one audio track), answers it, and for the audio track runs a consumer task that
decodes, resamples to 16 kHz mono float32 and hands each chunk to ``on_audio``. What happens to that audio
(floor gate, ASR, recording) is the owner's business; the manager only drops audio when no sink is set.

Peer keys are chosen by the owner; the convention is one key per participant (their id), so that a phone
reconnecting with the same key replaces its previous connection instead of adding a second microphone.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass, field
from typing import Any

import av
import numpy as np
import numpy.typing as npt
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import SessionDescription

from .ice import filter_offer_sdp, rtc_configuration

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
MAX_SDP_BYTES = 64 * 1024

Pcm = npt.NDArray[np.float32]
AudioSink = Callable[[str, Pcm, float], None]
"""``on_audio(peer_key, pcm, pts_seconds)``: 16 kHz mono float32 in [-1, 1]; ``pts_seconds`` is the time of
the chunk's first sample on the sender's clock, 0 at the track's first sample (gaps from lost packets show as
jumps). Called on the event loop: it must be cheap (queue the work elsewhere)."""
ClosedCallback = Callable[[str], None]


class MediaErrorCode(enum.StrEnum):
    """Why an offer was refused; the value is what a client sees."""

    BAD_SDP = "bad_sdp"  # not a string, too long, not an offer, unparsable, or nothing to receive
    TOO_MANY_TRACKS = "too_many_tracks"  # more than one track in the offer
    UNSUPPORTED_MEDIA = (
        "unsupported_media"  # another kind of media or data channels (a manager takes one kind)
    )
    TOO_MANY_CONNECTIONS = "too_many_connections"  # max_connections reached
    CLOSED = "closed"  # the connection was closed or replaced while its offer was being answered


class MediaError(Exception):
    """A refused offer. ``code`` is stable and meant for the wire; ``message`` is for humans."""

    def __init__(self, code: MediaErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(slots=True)
class MediaStats:
    """Running totals, for benchmarks and tests (the resampling cost is measured, not assumed). A track's
    first frame also builds the resampler's filter graph (a few ms, once): it is counted apart."""

    frames: int = 0
    samples_out: int = 0
    resample_seconds: float = 0.0  # every frame but each track's first
    resample_max_seconds: float = 0.0
    setup_seconds: float = 0.0  # each track's first frame
    tracks: int = 0

    @property
    def resample_us_per_frame(self) -> float:
        steady = self.frames - self.tracks
        return 1e6 * self.resample_seconds / steady if steady > 0 else 0.0

    def add(self, seconds: float, first: bool) -> None:
        self.frames += 1
        if first:
            self.tracks += 1
            self.setup_seconds += seconds
        else:
            self.resample_seconds += seconds
            self.resample_max_seconds = max(self.resample_max_seconds, seconds)


@dataclass(eq=False)
class Peer:
    key: str
    pc: RTCPeerConnection
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    has_track: bool = False
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    closing: bool = False
    close_task: asyncio.Task[None] | None = None


class PeerManager:
    """Accepts audio offers and owns the resulting connections.

    ``on_audio`` and ``on_closed`` may be set after construction. ``on_closed(peer_key)`` reports
    connections that ended by themselves (ICE failed or consent lost, the remote closed DTLS, the track
    ended, or ICE never connected within ``connect_timeout``); it is not called for :meth:`close`,
    :meth:`close_all` or a replacement, which the owner asked for.

    Each manager takes one kind of media, ``KIND``: this one audio; ``media.camera.CameraPeers`` video (it
    overrides :meth:`_consume`).
    """

    KIND = "audio"

    def __init__(
        self,
        *,
        configuration: RTCConfiguration | Callable[[], RTCConfiguration] | None = None,
        allowed_addresses: Collection[str] | None = None,
        max_connections: int = 32,
        connect_timeout: float = 30.0,
        on_audio: AudioSink | None = None,
        on_closed: ClosedCallback | None = None,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        # No STUN unless configured: a fresh RTCConfiguration() would fall back to Google's server. A function
        # gives each connection its own (short-lived TURN credentials are made per connection).
        fixed = configuration if isinstance(configuration, RTCConfiguration) else rtc_configuration([])
        self._configuration = configuration if callable(configuration) else (lambda: fixed)
        self._allowed = None if allowed_addresses is None else tuple(allowed_addresses)
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.on_audio = on_audio
        self.on_closed = on_closed
        self.stats = MediaStats()
        self._peers: dict[str, Peer] = {}

    # ------------------------------------------------------------------ public

    def __len__(self) -> int:
        return len(self._peers)

    def __contains__(self, peer_key: object) -> bool:
        return peer_key in self._peers

    async def accept_offer(
        self, peer_key: str, sdp: object, type_: object, *, send: MediaStreamTrack | None = None
    ) -> str:
        """Answer a client's offer and return the answer SDP (ICE candidates included, no trickle).

        With ``send``, the answer also sends that track back on the offer's audio m-line (which must then be
        ``sendrecv``): the hall station hears the phone speakers over the connection it talks through.
        Raises :class:`MediaError` (nothing is left open then). An existing connection with the same key is
        closed first, so a reconnecting client never counts twice against ``max_connections``.
        """
        if not isinstance(peer_key, str) or not 0 < len(peer_key) <= 128:
            raise ValueError("peer_key must be a non-empty string of at most 128 characters")
        offer = _check_offer(sdp, type_, self.KIND)
        if send is not None and SessionDescription.parse(offer).media[0].direction != "sendrecv":
            raise MediaError(MediaErrorCode.BAD_SDP, "this connection also receives audio: offer sendrecv")
        # A loop, not an if: another offer for the same key may have arrived while the old one was closing.
        while (old := self._peers.get(peer_key)) is not None:
            await self._close_peer(old)
        if len(self._peers) >= self.max_connections:
            raise MediaError(
                MediaErrorCode.TOO_MANY_CONNECTIONS,
                f"{self.max_connections} {self.KIND} connections already open",
            )

        peer = Peer(peer_key, RTCPeerConnection(self._configuration()))
        # Registered before the first await, so concurrent offers see it (limit, replacement, close_all).
        self._peers[peer_key] = peer
        self._attach(peer)
        try:
            await peer.pc.setRemoteDescription(
                RTCSessionDescription(filter_offer_sdp(offer, self._allowed), "offer")
            )
            if send is not None:
                peer.pc.addTrack(send)  # rides on the offer's audio transceiver: one m-line, both ways
            await peer.pc.setLocalDescription(await peer.pc.createAnswer())
        except BaseException as exc:
            closed_meanwhile = peer.closing
            await self._close_peer(peer)  # also on cancellation: nothing may stay open
            if closed_meanwhile and isinstance(exc, Exception):
                raise MediaError(MediaErrorCode.CLOSED, "connection closed while answering") from exc
            if isinstance(exc, OSError) or not isinstance(exc, Exception):
                raise  # the server's problem (sockets) or cancellation, not the client's SDP
            raise MediaError(MediaErrorCode.BAD_SDP, f"offer rejected: {exc!r:.200}") from exc
        if peer.closing or self._peers.get(peer_key) is not peer:
            await self._close_peer(peer)
            raise MediaError(MediaErrorCode.CLOSED, "connection closed or replaced while answering")
        self._spawn(peer, self._watch_connect(peer))
        return peer.pc.localDescription.sdp

    async def close(self, peer_key: str) -> bool:
        """Close one connection (no ``on_closed``). Returns False if there was none."""
        peer = self._peers.get(peer_key)
        if peer is None:
            return False
        await self._close_peer(peer)
        return True

    async def close_all(self) -> None:
        """Close every connection (server shutdown); in-flight offers then fail with ``closed``."""
        await asyncio.gather(*(self._close_peer(p) for p in list(self._peers.values())))

    def selected_pair(self, peer_key: str) -> tuple[tuple[str, int], tuple[str, int]] | None:
        """(local, remote) address of the nominated ICE pair, or None before ICE completes. For checks and
        diagnostics: aiortc exposes no public accessor, so this reads aioice's connection."""
        peer = self._peers.get(peer_key)
        if peer is None:
            return None
        for transceiver in peer.pc.getTransceivers():
            connection = transceiver.receiver.transport.transport._connection
            for pair in connection._nominated.values():
                local = pair.local_candidate
                return (local.host, local.port), (pair.remote_addr[0], pair.remote_addr[1])
        return None

    # ------------------------------------------------------------------ internals

    def _attach(self, peer: Peer) -> None:
        pc = peer.pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            # The offer was checked for exactly one m-line of KIND; this guards against aiortc surprises.
            if track.kind != self.KIND or peer.has_track:
                log.warning("peer %s: ignoring unexpected %s track", peer.key, track.kind)
                return
            peer.has_track = True
            self._spawn(peer, self._consume(peer, track))

        @pc.on("connectionstatechange")
        def on_state() -> None:
            state = pc.connectionState
            if state == "connected":
                peer.connected.set()
            elif state in ("failed", "closed"):
                self._lost(peer, f"connection {state}")

    def _spawn(self, peer: Peer, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        peer.tasks.add(task)
        task.add_done_callback(peer.tasks.discard)

    def _lost(self, peer: Peer, reason: str) -> None:
        """The connection ended without the owner asking: clean up and tell them, once."""
        if peer.closing:
            return
        log.info("peer %s lost: %s", peer.key, reason)
        own = self._peers.get(peer.key) is peer
        self._begin_close(peer)
        if own and self.on_closed is not None:
            try:
                self.on_closed(peer.key)
            except Exception:
                log.exception("on_closed(%s) failed", peer.key)

    def _begin_close(self, peer: Peer) -> asyncio.Task[None]:
        """Unregister the peer now (synchronously, so nothing sees it half-closed) and close it in one task
        that every closer awaits: a close requested twice (track ended and ICE closed, or close_all racing
        a failure) happens once and is complete for both."""
        if peer.close_task is None:
            peer.closing = True
            if self._peers.get(peer.key) is peer:
                del self._peers[peer.key]
            peer.close_task = asyncio.create_task(self._shutdown(peer))
            # The loop keeps only weak references to tasks; this one must finish even if nobody awaits it.
            _DETACHED.add(peer.close_task)
            peer.close_task.add_done_callback(_DETACHED.discard)
        return peer.close_task

    async def _close_peer(self, peer: Peer) -> None:
        # Shielded: a cancelled caller (e.g. a cancelled accept_offer) must not abandon a half-closed peer.
        await asyncio.shield(self._begin_close(peer))

    @staticmethod
    async def _shutdown(peer: Peer) -> None:
        # Peer tasks never await their own close (they call _lost, which only schedules it), so waiting
        # for them here cannot deadlock.
        tasks = list(peer.tasks)
        for task in tasks:
            task.cancel()
        await peer.pc.close()
        for sender in peer.pc.getSenders():
            if sender.track is not None:
                sender.track.stop()  # what the server sent on it (the hall station's playback)
        for result in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(result, Exception):
                log.error("peer %s: task failed", peer.key, exc_info=result)

    async def _watch_connect(self, peer: Peer) -> None:
        try:
            await asyncio.wait_for(peer.connected.wait(), self.connect_timeout)
        except TimeoutError:
            self._lost(peer, f"ICE did not connect within {self.connect_timeout:g} s")

    async def _consume(self, peer: Peer, track: MediaStreamTrack) -> None:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        stats = self.stats
        first = True
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                self._lost(peer, "audio track ended")
                return
            # ~20 µs per 20 ms Opus frame (measured, see tests/media): cheap enough to stay inline.
            started = time.perf_counter()
            chunks = resampler.resample(frame)  # type: ignore[arg-type]
            stats.add(time.perf_counter() - started, first)
            first = False
            sink = self.on_audio
            for chunk in chunks:
                pcm: Pcm = chunk.to_ndarray()[0]
                stats.samples_out += pcm.shape[0]
                if sink is None:
                    continue
                pts = float(chunk.pts) / SAMPLE_RATE if chunk.pts is not None else 0.0
                try:
                    sink(peer.key, pcm, pts)
                except Exception:
                    # One bad chunk must not end the speaker's stream; the failure is logged, not hidden.
                    log.exception("on_audio(%s) failed", peer.key)


_DETACHED: set[asyncio.Task[None]] = set()


def _check_offer(sdp: object, type_: object, kind: str = "audio") -> str:
    """Refuse what aiortc should never see: anything but exactly one ``kind`` m-line. Returns the SDP text."""
    if type_ != "offer":
        raise MediaError(MediaErrorCode.BAD_SDP, f"expected type 'offer', got {type_!r:.40}")
    if not isinstance(sdp, str):
        raise MediaError(MediaErrorCode.BAD_SDP, "SDP must be a string")
    if len(sdp.encode("utf-8", "surrogatepass")) > MAX_SDP_BYTES:
        raise MediaError(MediaErrorCode.BAD_SDP, f"SDP longer than {MAX_SDP_BYTES} bytes")
    if not sdp.startswith("v=0"):
        raise MediaError(MediaErrorCode.BAD_SDP, "SDP must start with v=0")
    try:
        parsed = SessionDescription.parse(sdp)
    except Exception as exc:  # aiortc's parser raises assorted errors (AssertionError, ValueError, ...)
        raise MediaError(MediaErrorCode.BAD_SDP, f"unparsable SDP: {exc!r:.80}") from exc
    kinds = [m.kind for m in parsed.media]
    other = sorted({k for k in kinds if k != kind})
    if other:
        raise MediaError(MediaErrorCode.UNSUPPORTED_MEDIA, f"only {kind} is accepted, offer has {other}")
    if kinds.count(kind) > 1:
        raise MediaError(MediaErrorCode.TOO_MANY_TRACKS, f"{kinds.count(kind)} {kind} tracks; one is allowed")
    if not kinds:
        raise MediaError(MediaErrorCode.BAD_SDP, f"offer has no {kind} m-line")
    if parsed.media[0].direction not in ("sendrecv", "sendonly"):
        raise MediaError(MediaErrorCode.BAD_SDP, f"the offer sends no {kind}")
    if len(_track_ids(sdp)) > 1:
        # Plan-B style: several tracks multiplexed on one m-line by their msid.
        raise MediaError(
            MediaErrorCode.TOO_MANY_TRACKS, f"several {kind} tracks on one m-line; one is allowed"
        )
    return sdp


def _track_ids(sdp: str) -> set[str]:
    ids: set[str] = set()
    for line in sdp.splitlines():
        if line.startswith("a=msid:"):
            ids.add(" ".join(line[len("a=msid:") :].split()))
        elif line.startswith("a=ssrc:") and " msid:" in line:
            ids.add(" ".join(line.split(" msid:", 1)[1].split()))
    return ids
