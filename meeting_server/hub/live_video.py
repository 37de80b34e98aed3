"""The livestream over HTTP: ``GET /m/<id>/live/index.m3u8?t=<token>`` and the files it points to.

LL-HLS: the media playlist lists 0.5 s parts; ``stream.m3u8?_HLS_msn=M&_HLS_part=P`` (and
``subs.m3u8?_HLS_msn=M``) is held until that part (segment) exists, at most three target durations (then
503 ``timeout``); a part named by the preload hint is held until it is made. Plain-HLS players poll the
same playlist.

Any role link of the meeting may watch. The master playlist points into ``live/s/<token>/``: the variant
playlist, its segments and the subtitles are relative to that signed folder, so players carry the token
without the server rewriting playlists, and every file checks it. One :class:`HlsEncoder` per meeting,
started by the first viewer, stopped when the meeting closes or after ``live.idle_minutes`` unwatched.
Captions reach the subtitles track from the event log (``CaptionCommitted``, from any process), timed when
this process learns of them, so a cue always lands in a segment not yet published. A correction
(``CaptionCorrected``) rewrites the cue's text, so every subtitle segment fetched from then on (the window a
player joining later loads) shows it; when the cue's segment has already been published (players that have
it never fetch it again) a 「更正」 cue with the corrected text is also added at the live edge. With
``[live] rtmp_url`` an encoder (and its RTMP push) runs from the meeting's opening to its close, watched
or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Mapping, Sequence

from aiohttp import web

from meeting_server.core.captions import CaptionCorrected
from meeting_server.core.events import CaptionCommitted, MeetingClosed, MeetingOpened
from meeting_server.core.registry import Event
from meeting_server.core.roles import Role
from meeting_server.core.state import MeetingState
from meeting_server.media.hls import SEGMENT_S, HlsEncoder
from meeting_server.media.hls_parts import TooFar, number
from meeting_server.media.hls_playlists import Cue, master_playlist, subtitle_segment
from meeting_server.media.still_card import CardInfo
from meeting_server.settings import Settings
from meeting_server.store.records import EventRecord

from .audio import AudioHub
from .http_edge import Refused, open_link
from .runtime import MeetingRegistry, MeetingRuntime
from .tokens import TokenSigner

log = logging.getLogger(__name__)

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
ROLE_NAMES = {
    Role.PARTICIPANT: "居民",
    Role.GUEST: "列席",
    Role.MODERATOR: "主持人",
    Role.RECORDER: "记录员",
    Role.TIMER: "计时员",
}
MAX_CUES = 500  # the captions kept per meeting for the subtitles track (players only need the window)
VTT_KEPT = 1024  # subtitle segments kept written (then forgotten all at once)


@dataclasses.dataclass(frozen=True)
class LiveFile:
    """One answer of the signed folder: the same bytes for every player."""

    body: bytes
    content_type: str
    cache: str  # Cache-Control
    charset: str | None = None  # of a text file

    @property
    def content_type_header(self) -> str:
        return f"{self.content_type}; charset={self.charset}" if self.charset else self.content_type


def cue_speaker(state: MeetingState, participant_id: str) -> str:
    """Who a caption cue names: 「王阿姨（居民）」; a 旁听 listener's typed name says 「（旁听）」."""
    p = state.participants.get(participant_id)
    if p is None:
        return participant_id
    return f"{p.name}（{'旁听' if p.listener else ROLE_NAMES.get(p.role, '')}）"


def card_info(rt: MeetingRuntime) -> CardInfo:
    state = rt.state
    if state is None:
        return CardInfo("")
    speaker = state.floor.participant_id if state.floor is not None else ""
    p = state.participants.get(speaker)
    result = ""
    if state.results:
        last = state.results[-1]
        motion = state.motions.get(last.motion_id)
        title = motion.title if motion is not None else ""
        t = last.totals
        outcome = "通过" if last.passed else "未通过"
        result = f"表决结果：{title} {outcome}（赞成 {t.yes}，反对 {t.no}，弃权 {t.abstain}）"
    return CardInfo(state.title, p.name if p is not None else speaker, result)


class LiveVideo:
    """The meetings' HLS encoders and their captions; handlers for the live routes."""

    def __init__(
        self, settings: Settings, registry: MeetingRegistry, signer: TokenSigner, audio: AudioHub
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.signer = signer
        self.audio = audio
        self.encoders: dict[str, HlsEncoder] = {}
        self.cues: dict[str, list[Cue]] = {}
        self._speakers: dict[tuple[str, str], str] = {}  # (meeting, caption id) → 「张三（居民）」 of its cue
        self._cue_versions: dict[str, int] = {}  # meeting → bumped whenever its cues change
        # (meeting, segment) → ((the cues' version, the encoder's first PTS), its WebVTT)
        self._vtt_cache: dict[tuple[str, int], tuple[tuple[int, int], bytes]] = {}
        self._sweeper: asyncio.Task[None] | None = None
        registry.add_listener(self._on_events, foreign=True)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/m/{meeting_id}/live/index.m3u8", self.index)
        app.router.add_get(r"/m/{meeting_id}/live/s/{token}/{name:[a-z0-9]+\.(m3u8|ts|vtt)}", self.file)

    async def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for meeting_id in list(self.encoders):
            await self._stop(meeting_id)

    # ------------------------------------------------------------------ encoders
    def encoder(self, rt: MeetingRuntime) -> HlsEncoder:
        enc = self.encoders.get(rt.meeting_id)
        if enc is None:
            directory = self.settings.data_dir / "live" / rt.meeting_id
            live = self.settings.live
            enc = HlsEncoder(
                rt.meeting_id,
                directory,
                lambda: card_info(rt),
                rtmp_url=live.rtmp_url,
                fps=live.camera_fps,
            )
            self.encoders[rt.meeting_id] = enc
            self.audio.meeting_audio(rt).hls = enc
        enc.touch()
        return enc

    async def _stop(self, meeting_id: str) -> None:
        enc = self.encoders.pop(meeting_id, None)
        if enc is None:
            return
        audio = self.audio.meetings.get(meeting_id)
        if audio is not None and audio.hls is enc:
            audio.hls = None
        await enc.close()

    async def _sweep(self) -> None:
        idle_s = self.settings.live.idle_minutes * 60
        while True:
            await asyncio.sleep(min(30.0, idle_s / 4))
            now = time.monotonic()
            for meeting_id, enc in list(self.encoders.items()):
                if now - enc.last_used > idle_s and not enc.rtmp_url:  # a push runs while the meeting does
                    log.info("livestream of %s unwatched: stopped", meeting_id)
                    await self._stop(meeting_id)

    async def _on_events(
        self, rt: MeetingRuntime, records: Sequence[EventRecord], events: Sequence[Event]
    ) -> None:
        enc = self.encoders.get(rt.meeting_id)
        if enc is not None and events:
            # The card follows the floor (and results) at its next frame, not at the next poll.
            enc.refresh_card()
        for ev in events:
            if isinstance(ev, CaptionCommitted):
                enc = self.encoders.get(rt.meeting_id)
                if enc is None or rt.state is None:
                    continue
                who = cue_speaker(rt.state, ev.participant_id)
                cues = self.cues.setdefault(rt.meeting_id, [])
                cues.append(Cue(time.time() - enc.started_at, f"{who}：{ev.text}", ev.caption_id or ""))
                if ev.caption_id:
                    self._speakers[rt.meeting_id, ev.caption_id] = who
                for old in cues[:-MAX_CUES]:
                    self._speakers.pop((rt.meeting_id, old.caption_id), None)
                del cues[:-MAX_CUES]
                self._cues_changed(rt.meeting_id)
            elif isinstance(ev, CaptionCorrected):
                self._correct(rt.meeting_id, ev)
            elif isinstance(ev, MeetingOpened) and self.settings.live.rtmp_url and self.settings.live.enabled:
                self.encoder(rt)
            elif isinstance(ev, MeetingClosed):
                await self._stop(rt.meeting_id)
                self.cues.pop(rt.meeting_id, None)
                self._cues_changed(rt.meeting_id)
                for key in [k for k in self._speakers if k[0] == rt.meeting_id]:
                    del self._speakers[key]

    def _correct(self, meeting_id: str, ev: CaptionCorrected) -> None:
        enc, cues = self.encoders.get(meeting_id), self.cues.get(meeting_id, [])
        who = self._speakers.get((meeting_id, ev.caption_id))
        if enc is None or who is None:
            return  # not a caption of this stream
        now = time.time() - enc.started_at
        live_edge = now // SEGMENT_S * SEGMENT_S  # the segment being encoded: not published yet
        published = False
        for i, cue in enumerate(cues):
            if cue.caption_id == ev.caption_id:
                cues[i] = dataclasses.replace(cue, text=f"{who}：{ev.text}")
                published = cue.at < live_edge
        if published:
            cues.append(Cue(now, f"更正 {who}：{ev.text}"))
            del cues[:-MAX_CUES]
        self._cues_changed(meeting_id)

    def _cues_changed(self, meeting_id: str) -> None:
        self._cue_versions[meeting_id] = self._cue_versions.get(meeting_id, 0) + 1

    # ------------------------------------------------------------------ HTTP
    async def _open(self, meeting_id: str, token: str | None) -> MeetingRuntime:
        if not self.settings.live.enabled:
            raise Refused(404, "disabled", "本服务器未开启视频直播")
        _, rt = await open_link(meeting_id, token, self.signer, self.registry)
        assert rt.state is not None
        if rt.state.closed_at is not None:
            raise Refused(404, "ended", "会议已结束，直播已停止")
        return rt

    async def index(self, request: web.Request) -> web.Response:
        """The master playlist; starts the meeting's encoder and waits (a little) for its first segment."""
        rt = await self._open(request.match_info["meeting_id"], request.query.get("t"))
        enc = self.encoder(rt)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(enc.ready.wait(), SEGMENT_S * 2 + 2)
        body = master_playlist("s/" + request.query["t"])
        return web.Response(
            text=body, content_type=PLAYLIST_TYPE, headers={"Cache-Control": "no-cache, private"}
        )

    async def file(self, request: web.Request) -> web.Response:
        m = request.match_info
        f = await self.reply(m["meeting_id"], m["token"], m["name"], request.query)
        return web.Response(
            body=f.body, content_type=f.content_type, charset=f.charset, headers={"Cache-Control": f.cache}
        )

    async def reply(self, meeting_id: str, token: str, name: str, query: Mapping[str, str]) -> LiveFile:
        """A file of the signed folder ``live/s/<token>/``: the variant or subtitles playlist (blocking on
        ``_HLS_msn``/``_HLS_part`` in ``query``), a segment, a part or a WebVTT segment. Raises ``Refused``.
        Both the aiohttp route and the fast path (``live_fast``) answer with it."""
        rt = await self._open(meeting_id, token)
        enc = self.encoders.get(rt.meeting_id) or self.encoder(rt)
        enc.touch()
        window = enc.window
        if name in ("stream.m3u8", "subs.m3u8"):
            await self._block(query, enc)
            text = window.playlist_bytes if name == "stream.m3u8" else window.subtitles_bytes
            if not text:
                raise Refused(404, "starting", "直播正在启动，请稍候")
            # A live playlist changes every segment: players must revalidate each poll.
            return LiveFile(text, PLAYLIST_TYPE, "no-cache, private", "utf-8")
        stem, _, ext = name.partition(".")
        if ext == "vtt" and stem.startswith("sub") and (sub := number(stem[3:])) is not None:
            if window.first_pts is None:
                raise Refused(404, "starting", "直播正在启动，请稍候")
            body = self._vtt(rt.meeting_id, sub, window.first_pts)
            return LiveFile(body, "text/vtt", "no-cache, private", "utf-8")
        data: bytes | None = None
        if ext == "ts" and (part := window.part(stem)) is not None:
            data = await window.part_bytes(*part)
        elif ext == "ts" and stem.startswith("seg") and (seg := number(stem[3:])) is not None:
            data = window.segment_bytes(seg)
        else:
            raise Refused(404, "not_found", "没有这个直播文件")
        if data is None:
            raise Refused(404, "gone", "该直播片段已过期或尚未生成")
        # A segment or part never changes once made.
        return LiveFile(data, "video/mp2t", "private, max-age=60")

    def _vtt(self, meeting_id: str, index: int, first_pts: int) -> bytes:
        """A subtitle segment, written once per version of the meeting's cues and per encoder's first PTS
        (every player fetches it)."""
        version = self._cue_versions.get(meeting_id, 0), first_pts
        cached = self._vtt_cache.get((meeting_id, index))
        if cached is not None and cached[0] == version:
            return cached[1]
        body = subtitle_segment(index, self.cues.get(meeting_id, []), first_pts).encode()
        if len(self._vtt_cache) >= VTT_KEPT:
            self._vtt_cache.clear()
        self._vtt_cache[meeting_id, index] = version, body
        return body

    async def _block(self, query: Mapping[str, str], enc: HlsEncoder) -> None:
        """Blocking playlist reload: hold the request until ``_HLS_msn`` (and ``_HLS_part``) is listed."""
        msn, part = query.get("_HLS_msn"), query.get("_HLS_part")
        if msn is None:
            if part is not None:
                raise Refused(400, "bad_request", "_HLS_part 须与 _HLS_msn 一起使用")
            return
        n, k = number(msn), None if part is None else number(part)
        if n is None or (part is not None and k is None):
            raise Refused(400, "bad_request", "_HLS_msn / _HLS_part 须为非负整数")
        try:
            ok = await enc.window.reload(n, k)
        except TooFar:
            raise Refused(400, "too_far", "请求的片段超出直播进度") from None
        if not ok:
            raise Refused(503, "timeout", "直播片段生成超时，请稍后重试")
