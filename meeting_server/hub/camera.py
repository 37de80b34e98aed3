"""The hall camera into the livestream: ``camera_offer {sdp, type, device?, page?, resume?}`` /
``camera_close {device?}`` over socket.io.

Only the recorder's link sends it (the hall audio station, ``/m/<id>/station``, and the recorder page are
opened with it). One camera per meeting, owned by one device (``device``: an id the page draws once; the
socket id when absent). A deliberate start (``resume`` false) from another device takes the camera over:
the old connection is closed and the old device's socket gets ``camera {state: "replaced", message}``, so
its page turns its camera off and says why. An automatic reconnect (``resume`` true) never takes the camera
from another device that still holds it: refused ``camera_taken``. ``camera_close`` closes only the
sender's own camera. Its own receive-only RTCPeerConnection (``media.camera.CameraPeers``), beside the
station's audio one, so the audio path is untouched. While it sends, its latest picture (``[live]
camera_fps`` a second, 640×360, with the speaker and the clock drawn at the bottom) is the HLS picture; when
it stops, goes quiet or its socket goes away the still card is back. The stream is never restarted: the
meeting's one encoder only changes its picture. In scale-out (``[redis] url``) the pictures reach the encoders
of the meeting on every other process too, and the one-camera rule holds across processes (``camera_relay``).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from typing import Any

import av

from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.events import MeetingClosed
from meeting_server.core.registry import Event
from meeting_server.core.roles import Role
from meeting_server.core.values import MeetingStatus
from meeting_server.media.camera import CameraPeers
from meeting_server.media.ice import rtc_configuration
from meeting_server.media.peers import MediaError
from meeting_server.store.records import EventRecord

from .audio import SERVER_TURN_USER, AudioHub
from .camera_relay import CameraRelay
from .clients import Client
from .live_video import LiveVideo, card_info
from .runtime import MeetingRegistry, MeetingRuntime
from .sockets import Hub
from .wire import WireError, as_object, ok

log = logging.getLogger(__name__)

DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
PAGE_NAMES = {"station": "会场音频页面", "recorder": "记录员页面"}


@dataclasses.dataclass(frozen=True)
class Owner:
    sid: str  # the socket that opened the camera
    device: str  # the page's device id (the socket id when it sent none)
    page: str  # "station" / "recorder" / "" (how the notice to a replaced device names the new one)


class HallCamera:
    """The meetings' hall cameras (peer key: the meeting id)."""

    def __init__(self, registry: MeetingRegistry, hub: Hub, audio: AudioHub, live: LiveVideo) -> None:
        self.registry = registry
        self.hub = hub
        self.live = live
        web_rtc = audio.settings.webrtc
        self.peers = CameraPeers(
            configuration=lambda: rtc_configuration(audio.ice_servers(SERVER_TURN_USER)),
            allowed_addresses=audio.allowed_addresses,
            max_connections=web_rtc.max_connections,
            connect_timeout=web_rtc.connect_timeout_s,
            on_frame=self._on_frame,
            on_closed=self._on_lost,
            fps=live.settings.live.camera_fps,
        )
        self._runtimes: dict[str, MeetingRuntime] = {}
        self._owners: dict[str, Owner] = {}  # meeting id → who sends its camera (to this process)
        redis_url = audio.settings.redis.url
        self.relay = (
            CameraRelay(redis_url, self._on_remote, self._taken_elsewhere, self._wants_remote)
            if redis_url
            else None
        )
        hub.sio.on("camera_offer", self.on_camera_offer)
        hub.sio.on("camera_close", self.on_camera_close)
        hub.disconnect_listeners.append(self._on_disconnect)
        registry.add_listener(self._on_events, foreign=True)

    def live_now(self, meeting_id: str) -> bool:
        return meeting_id in self.peers

    def sender(self, meeting_id: str) -> str | None:
        """The device whose camera feeds the meeting's stream (None: the still card)."""
        owner = self._owners.get(meeting_id)
        return owner.device if owner is not None else None

    def start(self) -> None:
        if self.relay is not None:
            self.relay.start()

    async def close(self) -> None:
        await self.peers.close_all()
        if self.relay is not None:
            await self.relay.close()

    # ------------------------------------------------------------------ signalling
    async def on_camera_offer(self, sid: str, data: Any = None) -> dict[str, Any]:
        """``camera_offer {sdp, type}`` → ack with the answer, or a refusal with its reason."""
        return await self.hub.guarded(lambda c, d: self._offer(sid, c, d), sid, data)

    async def on_camera_close(self, sid: str, data: Any = None) -> dict[str, Any]:
        return await self.hub.guarded(lambda c, d: self._close(sid, c, d), sid, data)

    async def _offer(self, sid: str, client: Client, data: Any) -> dict[str, Any]:
        body = as_object(data, "camera_offer", {"sdp", "type", "device", "page", "resume"})
        self._check_role(client)
        me = Owner(sid, _device(body.get("device"), sid), _page(body.get("page")))
        resume = body.get("resume", False)
        if not isinstance(resume, bool):
            raise WireError("invalid", "camera_offer.resume must be true or false")
        if not self.live.settings.live.enabled:
            raise DomainError(ErrorCode.WRONG_STATE, "本服务器未开启视频直播，摄像头无处可送")
        rt = await self.registry.get(client.meeting_id)
        if rt is None or rt.state is None:
            raise WireError("not_found", "no such meeting")
        if rt.state.status is MeetingStatus.CLOSED:
            raise DomainError(ErrorCode.WRONG_STATE, "会议已结束，直播已停止")
        key = client.meeting_id
        held = self._owners.get(key)
        holder = held.device if held is not None else None
        if resume and holder is None and self.relay is not None:
            holder = await self.relay.owner(key)  # sent through another process
        if resume and holder is not None and holder != me.device:
            raise WireError("camera_taken", "另一台设备已开启会场摄像头，本机摄像头不再自动重连")
        try:
            answer = await self.peers.accept_offer(key, body.get("sdp"), body.get("type"))
        except MediaError as e:
            raise WireError(e.code.value, e.message) from None
        if sid not in self.hub.clients:
            await self.peers.close(key)
            self._stopped(key)
            raise WireError("closed", "the socket went away while the offer was being answered")
        old = self._owners.get(key)
        self._runtimes[key] = rt
        self._owners[key] = me
        if self.relay is not None:
            await self.relay.claim(key, me.device, me.page)
        if old is not None and old.device != me.device and old.sid in self.hub.clients:
            where = PAGE_NAMES.get(me.page, "另一台设备")
            message = f"{where}已开启会场摄像头，直播改用那里的画面；本机摄像头已关闭"
            await self.hub.sio.emit("camera", {"state": "replaced", "message": message}, to=old.sid)
        return ok(answer={"sdp": answer, "type": "answer"})

    async def _close(self, sid: str, client: Client, data: Any) -> dict[str, Any]:
        body = as_object(data, "camera_close", {"device"})
        self._check_role(client)
        key, device = client.meeting_id, _device(body.get("device"), sid)
        held = self._owners.get(key)
        if held is not None and held.sid != sid and held.device != device:
            return ok(closed=False)  # another device's camera: not the sender's to close
        closed = await self.peers.close(key)
        self._stopped(key)
        return ok(closed=closed)

    @staticmethod
    def _check_role(client: Client) -> None:
        if client.role is not Role.RECORDER:
            raise DomainError(
                ErrorCode.FORBIDDEN, "只有记录员的链接（会场音频或记录员页面）可以开启会场摄像头"
            )

    # ------------------------------------------------------------------ pictures
    def _on_frame(self, key: str, frame: av.VideoFrame | None) -> None:
        owner = self._owners.get(key)
        if self.relay is not None and owner is not None and frame is not None:
            self.relay.frame(key, frame, owner.device)  # the other processes' encoders
        enc = self.live.encoders.get(key)
        rt = self._runtimes.get(key)
        if enc is None or rt is None:
            return  # no one watches (yet): the encoder starts with the first viewer and gets the next picture
        enc.camera_frame(frame, card_info(rt).speaker)

    def _wants_remote(self, key: str) -> bool:
        return key in self.live.encoders and key not in self._owners

    def _on_remote(self, key: str, frame: av.VideoFrame | None) -> None:
        """A picture of the meeting's camera sent to another process (None: it ended there)."""
        enc = self.live.encoders.get(key)
        if enc is None or key in self._owners:
            return  # no viewer here, or this process's own camera is the picture
        enc.camera_frame(frame, enc.card_info().speaker if frame is not None else "")

    async def _taken_elsewhere(self, key: str, device: str, page: str) -> None:
        """A camera of the meeting was started through another process: this one's, if any, closes."""
        held = self._owners.get(key)
        if held is None:
            return
        await self.peers.close(key)
        self._stopped(key, tell_others=False)  # the new camera's key and pictures are not this one's to end
        if held.device != device and held.sid in self.hub.clients:
            where = PAGE_NAMES.get(page, "另一台设备")
            message = f"{where}已开启会场摄像头，直播改用那里的画面；本机摄像头已关闭"
            await self.hub.sio.emit("camera", {"state": "replaced", "message": message}, to=held.sid)

    def _stopped(self, key: str, *, tell_others: bool = True) -> None:
        owner = self._owners.pop(key, None)
        self._runtimes.pop(key, None)
        if self.relay is not None and owner is not None and tell_others:
            self.relay.stopped(key, owner.device)
        enc = self.live.encoders.get(key)
        if enc is not None:
            enc.camera_frame(None)  # the still card again

    def _on_lost(self, key: str) -> None:
        log.info("hall camera of %s went away", key)
        self._stopped(key)

    async def _on_disconnect(self, sid: str) -> None:
        for key in [k for k, owner in self._owners.items() if owner.sid == sid]:
            await self.peers.close(key)
            self._stopped(key)

    async def _on_events(
        self, rt: MeetingRuntime, records: Sequence[EventRecord], events: Sequence[Event]
    ) -> None:
        if any(isinstance(ev, MeetingClosed) for ev in events) and rt.meeting_id in self.peers:
            await self.peers.close(rt.meeting_id)
            self._stopped(rt.meeting_id)


def _device(value: object, sid: str) -> str:
    if value is None:
        return sid
    if not isinstance(value, str) or not DEVICE_ID.fullmatch(value):
        raise WireError("invalid", "camera device must be 8–64 letters, digits, '-' or '_'")
    return value


def _page(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or value not in PAGE_NAMES:
        raise WireError("invalid", "camera page must be one of: " + ", ".join(PAGE_NAMES))
    return value
