"""The aiohttp application factory: one per process, no module globals.

Shared objects live under typed ``web.AppKey``s; every resource is opened and closed by a
``cleanup_ctx`` in order (stop admitting → close the meetings' clocks → close the event log).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable

import socketio
from aiohttp import web

from meeting_server.ledger.keystore import ballot_key, ledger_signing_key
from meeting_server.ledger.sealing import BallotSealer
from meeting_server.ledger.service import Ledger
from meeting_server.settings import Settings
from meeting_server.store.eventlog import open_event_log
from meeting_server.store.private import private_dir
from meeting_server.web import setup as setup_staff_web

from . import http_api, minutes, pages, publicity, record_api
from .admission import Admission
from .audio import AudioHub
from .camera import HallCamera
from .fanout import FanoutManager, RedisFanoutManager, install_fast_poll
from .keys import ADMIN_TOKEN, AUDIO, CAMERA, HUB, LEDGER, LIVE_VIDEO, REGISTRY, SETTINGS, SIGNER
from .live_video import LiveVideo
from .packets import GuardedPacket
from .runtime import MeetingRegistry
from .secrets_store import admin_token, signing_key
from .sockets import Hub
from .tokens import TokenSigner

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.time,
    limit_clock: Callable[[], float] = time.monotonic,
) -> web.Application:
    """Build the whole server: HTTP routes, socket.io hub, event log, meeting registry, staff pages.

    ``clock`` is the meetings' wall clock (event times, speaking clocks); ``limit_clock`` the monotonic one
    the rate limits run on.
    """
    data_dir = private_dir(settings.data_dir)  # the log, the keys and the recordings: the server's alone
    app = web.Application(client_max_size=max(settings.server.max_message_bytes, 256 * 1024))
    app[SETTINGS] = settings
    signer = TokenSigner(signing_key(settings.server.secret_key, data_dir))
    app[SIGNER] = signer
    app[ADMIN_TOKEN] = admin_token(settings.server.admin_token, data_dir)
    event_log = open_event_log(settings)
    registry = MeetingRegistry(event_log, clock, BallotSealer(ballot_key(settings)))
    app[REGISTRY] = registry
    # Every close and every publication of minutes is anchored in the community's signed ledger.
    ledger = Ledger(event_log, ledger_signing_key(settings), clock)
    registry.add_listener(ledger.on_events)
    app[LEDGER] = ledger
    install_fast_poll()
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=RedisFanoutManager(settings.redis.url) if settings.redis.url else FanoutManager(),
        # Hard transport limit (the connection is dropped above it). Clients may escape every non-ASCII
        # character (6 bytes each), so it sits well above max_message_bytes, which the hub enforces politely.
        max_http_buffer_size=max(8 * settings.server.max_message_bytes, 1_000_000),
        # socket.io's defaults; a shorter interval makes every client's ping land in the same bursts.
        ping_interval=25,
        ping_timeout=20,
        logger=False,
        engineio_logger=False,
        serializer=GuardedPacket,  # depth-limited JSON; undecodable events are refused, not dropped
    )
    sio.attach(app)
    admission = Admission(settings.limits, limit_clock)
    admission.install(sio)
    app[HUB] = Hub(
        sio,
        registry,
        signer,
        admission,
        max_message_bytes=settings.server.max_message_bytes,
        replay_limit=settings.store.replay_limit,
        session_ttl_s=settings.server.link_ttl_hours * 3600.0,
        presence_grace_s=settings.meeting.presence_grace_s,
    )
    http_api.add_routes(app)
    record_api.add_routes(app)
    audio = AudioHub(settings, registry, app[HUB])
    app[AUDIO] = audio
    app.router.add_get("/m/{meeting_id}/live.mp3", audio.live_mp3)
    live_video = LiveVideo(settings, registry, signer, audio)
    live_video.add_routes(app)
    app[LIVE_VIDEO] = live_video
    camera = HallCamera(registry, app[HUB], audio, live_video)  # the hall camera into the livestream
    app[CAMERA] = camera
    pages.add_page_routes(app)
    minutes.setup(app, registry, settings.minutes)  # draft on close, the minutes page and downloads
    # 公示: /p/<meeting>/<resolution>, its A4 notice and the objections.
    publicity.setup(app, registry, signer, settings.server.public_url.rstrip("/"), settings.minutes.font)
    # Communities, staff and rosters: /staff, /api/street, /api/communities.
    communities = setup_staff_web(app, event_log, clock, limit_clock)

    async def topic_titles(community_id: str) -> dict[str, str]:
        return {tid: t.title for tid, t in (await communities.topics(community_id)).topics.items()}

    audio.topic_titles = topic_titles  # the agenda's topics' titles are caption hot words
    audio.place_names = communities.places  # so are the community's place names (its staff's 地名 page)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        await registry.load_all()
        if added := await ledger.backfill(registry.loaded()):
            log.info("anchored %d closes and publications the ledger lacked", added)
        app[HUB].presence.start()  # everyone online has the grace period to reconnect
        app[HUB].link_sockets.start(registry.clock)  # sockets of expired links are dropped at expiry
        if event_log.shared:  # other processes append too: follow them
            registry.start_watching(event_log.notifications())
        await audio.start()
        await live_video.start()
        camera.start()
        yield
        await camera.close()
        await live_video.close()
        # Stop taking audio and flush captions (they are still logged), then the clocks, then the log.
        await audio.close()
        await app[HUB].presence.close()
        await app[HUB].link_sockets.close()
        await registry.close()
        await event_log.close()

    app.cleanup_ctx.append(lifecycle)
    return app
