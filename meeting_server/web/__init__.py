"""The staff's HTTP edge: the street directory, communities' rosters and their admin pages.

Split from ``meeting_server.hub`` along the HTTP seam: nothing here speaks socket.io. ``setup`` wires it
into the one app factory (``hub.app.create_app``).
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from meeting_server.communities import Communities
from meeting_server.stats import StatsService
from meeting_server.store.blobs import Blobs
from meeting_server.store.eventlog import EventLog
from meeting_server.store.writer import Clock

from . import (
    agenda_topics,
    community_log,
    community_meetings,
    door,
    execution_api,
    execution_pages,
    invitations,
    keys,
    places_api,
    roster_api,
    staff_pages,
    stats_pages,
    street_api,
    topics_api,
    topics_pages,
    topics_research_api,
    topics_timeline,
)
from .auth import csrf_guard
from .carryover import carry_redeliberated
from .passwords import Passwords, SignInThrottle
from .upload_quota import upload_quota


def setup(app: web.Application, event_log: EventLog, clock: Clock, limit_clock: Clock) -> Communities:
    """Routes, pages and the directory of communities, on the app's event log and clocks (the wall clock
    for events, sessions and the uploads' daily budget, the monotonic one for the sign-in throttle and the
    upload rates)."""
    communities = Communities(event_log, clock)
    app[keys.COMMUNITIES] = communities
    carry_redeliberated(app[keys.REGISTRY], communities)  # 重新协商 → the community's next agenda
    app[keys.EVENT_LOG] = event_log
    settings = app[keys.SETTINGS]
    blobs = app[keys.BLOBS] = Blobs(settings.data_dir, settings.redis.url)  # uploads; shared in scale-out
    # KPIs refolded when streams grow, read at most every ``store.stats_refresh_s``.
    app[keys.STATS] = StatsService(event_log, settings.store.stats_refresh_s)
    passwords = app[keys.PASSWORDS] = Passwords()
    app[keys.THROTTLE] = SignInThrottle(limit_clock)
    # In Redis in scale-out (shared by every process), else in this process.
    quota = app[keys.UPLOAD_QUOTA] = upload_quota(settings.uploads, settings.redis.url, limit_clock, clock)
    app.middlewares.append(csrf_guard)
    street_api.add_routes(app)
    roster_api.add_routes(app)
    places_api.add_routes(app)
    community_meetings.add_routes(app)
    invitations.add_routes(app)
    door.add_routes(app)
    staff_pages.add_routes(app)
    topics_api.add_routes(app)
    community_log.add_routes(app)
    topics_research_api.add_routes(app)
    agenda_topics.add_routes(app)
    topics_pages.add_routes(app)
    execution_api.add_routes(app)
    execution_pages.add_routes(app)
    topics_timeline.add_routes(app)  # after /c/<c>/topics/screen: a topic id could spell "screen"
    stats_pages.add_routes(app)

    warming: list[asyncio.Task[None]] = []

    async def warm_stats(app: web.Application) -> None:
        # The whole log folded once in the background, so the first dashboard is served from the cache.
        warming.append(asyncio.create_task(app[keys.STATS].warm()))

    async def stop_warming(app: web.Application) -> None:
        # Before the log closes (on_shutdown runs before every cleanup).
        for task in warming:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup.append(warm_stats)
    app.on_shutdown.append(stop_warming)

    async def close_edge(app: web.Application) -> None:
        passwords.close()
        await blobs.close()
        await quota.close()

    app.on_cleanup.append(close_edge)
    return communities
