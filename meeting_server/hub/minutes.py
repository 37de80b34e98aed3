"""Minutes on the server: the draft made when a meeting closes, the minutes page and the downloads.

Draft on close: on ``MeetingClosed`` (in the process that decided it) the service waits ``[minutes]
draft_grace_s`` for the audio path to flush the last captions, builds the draft from the log in a worker
thread (never on the event loop) and executes ``DraftMinutes`` as the system. A caption that still comes in
later re-schedules the draft, which replaces the earlier one while the recorder has not edited it (the rules
refuse otherwise). A meeting found closed without a draft at start-up (the server stopped in between) is
drafted then.

Pages and files, for any valid link of the meeting (``?t=TOKEN``):
    GET /m/<id>/minutes      the minutes page (the recorder edits and publishes there; residents object
                             during the publicity period)
    GET /api/meetings/<id>/minutes.{md,html,docx,pdf,json}    the minutes; .srt/.vtt: the transcript
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from meeting_server.core.captions import CaptionCorrected
from meeting_server.core.commands import DraftMinutes
from meeting_server.core.errors import DomainError
from meeting_server.core.events import CaptionCommitted, MeetingClosed
from meeting_server.core.minutes_values import MinutesSection
from meeting_server.core.registry import Event
from meeting_server.core.roles import Actor
from meeting_server.core.values import MeetingStatus
from meeting_server.settings import MinutesSettings
from meeting_server.store.records import EventRecord
from summarizer.build import TurnSummarizer, build_minutes
from summarizer.document import load_document
from summarizer.draft import sections
from summarizer.export import CONTENT_TYPES, FORMATS, export
from summarizer.render_html import fragment

from . import keys, pages
from .export_cache import ExportCache
from .http_edge import Refused, open_meeting_link
from .runtime import MeetingRegistry, MeetingRuntime

log = logging.getLogger(__name__)


class MinutesService:
    """Drafts the minutes of every meeting of this process that closes."""

    def __init__(self, settings: MinutesSettings, registry: MeetingRegistry) -> None:
        self.settings = settings
        self.registry = registry
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._summarizer: TurnSummarizer | None = None
        self.drafts = 0
        self.exports = ExportCache()
        registry.add_listener(self._on_events)

    # ------------------------------------------------------------------ drafting
    async def _on_events(
        self, rt: MeetingRuntime, records: Sequence[EventRecord], events: Sequence[Event]
    ) -> None:
        for ev in events:
            # A late or corrected caption redrafts minutes the recorder has not edited yet.
            recaptioned = isinstance(ev, CaptionCommitted | CaptionCorrected)
            if isinstance(ev, MeetingClosed) or (recaptioned and self._redraftable(rt)):
                self.schedule(rt, self.settings.draft_grace_s)
                return

    @staticmethod
    def _redraftable(rt: MeetingRuntime) -> bool:
        state = rt.state
        if state is None or state.status is not MeetingStatus.CLOSED:
            return False
        return state.minutes is None or (not state.minutes.published and state.minutes.edits == 0)

    def schedule(self, rt: MeetingRuntime, delay: float) -> None:
        """(Re)start the countdown to drafting ``rt``'s minutes: later captions push it back."""
        previous = self._pending.get(rt.meeting_id)
        if previous is not None and not previous.done():
            previous.cancel()
        task = asyncio.get_running_loop().create_task(self._draft_after(rt, delay))
        self._pending[rt.meeting_id] = task
        task.add_done_callback(lambda t: self._forget(rt.meeting_id, t))

    def _forget(self, meeting_id: str, task: asyncio.Task[None]) -> None:
        if self._pending.get(meeting_id) is task:
            del self._pending[meeting_id]

    async def _draft_after(self, rt: MeetingRuntime, delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            await self.draft(rt)
        except DomainError as e:
            log.info("minutes of %s not drafted: %s", rt.meeting_id, e)
        except Exception:
            log.exception("drafting the minutes of %s failed", rt.meeting_id)

    async def draft(self, rt: MeetingRuntime) -> bool:
        """Draft the minutes from the log now; False if there is nothing new to draft."""
        if not self._redraftable(rt):
            return False
        records = await self.registry.read_log(rt.meeting_id)
        minutes = rt.state.minutes if rt.state is not None else None
        if minutes is not None and minutes.basis_seq >= records[-1].seq - 1:
            return False  # the draft already covers the log (its own event is the only one after)
        t0 = time.perf_counter()
        secs = await asyncio.to_thread(self._sections, records)
        cmd = DraftMinutes(secs, basis_seq=records[-1].seq, basis_hash=records[-1].hash)
        await self.registry.execute(rt, Actor.system(), cmd)
        self.drafts += 1
        log.info("minutes of %s drafted in %.2f s", rt.meeting_id, time.perf_counter() - t0)
        return True

    def _sections(self, records: Sequence[EventRecord]) -> tuple[MinutesSection, ...]:
        if self._summarizer is None and self.settings.backend == "abstractive":
            from summarizer.abstractive import Abstractive

            self._summarizer = Abstractive(
                self.settings.model_dir, max_new_tokens=self.settings.max_new_tokens
            )
        return sections(build_minutes(records, self._summarizer))

    async def on_startup(self, app: web.Application) -> None:
        """Draft the meetings that closed without minutes while this server was not running."""
        for rt in self.registry.loaded():
            if rt.state is not None and rt.state.status is MeetingStatus.CLOSED and rt.state.minutes is None:
                self.schedule(rt, 0.0)

    async def on_shutdown(self, app: web.Application) -> None:
        tasks = list(self._pending.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ------------------------------------------------------------------ HTTP
    async def _records(self, request: web.Request) -> tuple[list[EventRecord], str]:
        claims, rt = await open_meeting_link(request, request.app[keys.SIGNER], self.registry)
        return await self.registry.read_log(rt.meeting_id), claims.role.value

    async def download(self, request: web.Request) -> web.StreamResponse:
        """GET /api/meetings/{id}/minutes.{fmt}?t=TOKEN"""
        _, rt = await open_meeting_link(request, request.app[keys.SIGNER], self.registry)
        records = await self.registry.read_log(rt.meeting_id)
        fmt = request.match_info["fmt"]
        head = records[-1]
        # The PDF prints the community ledger's key and head as they are now (text and QR code).
        stamp = None
        if fmt == "pdf":
            community = rt.state.community_id if rt.state is not None else None
            stamp = await request.app[keys.LEDGER].stamp_for(community)
        version = head.hash if stamp is None else f"{head.hash}/{stamp.seq}/{stamp.head}"
        body, content_type = await self.exports.get(
            (head.meeting_id, fmt, head.seq, version),
            lambda: asyncio.to_thread(export, records, fmt, font=self.settings.font, stamp=stamp),
        )
        headers = {"Cache-Control": "no-store"}
        if fmt in ("docx", "pdf", "md", "srt", "vtt"):
            name = f"minutes-{records[0].meeting_id}.{fmt}"
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return web.Response(body=body, headers={"Content-Type": content_type, **headers})

    async def page(self, request: web.Request) -> web.Response:
        """GET /m/{id}/minutes?t=TOKEN — the minutes, editable with the recorder's link."""
        try:
            records, role = await self._records(request)
        except Refused as e:
            return pages.error_page(request, e.status, "链接无效或会议不存在，请使用会议链接打开纪要。")
        doc = await asyncio.to_thread(load_document, records)
        static = request.app[pages.STATIC]
        context: dict[str, Any] = {
            "asset": static.url,
            "vendor_ok": pages.VENDOR_SOCKETIO in static.assets,
            "page": "minutes",
            "title": "会议纪要",
            "meeting_id": records[0].meeting_id,
            "meeting_title": doc.title,
            "role": role,
            "token": request.query["t"],
            "minutes": fragment(doc),
            "status": doc.status,
            "formats": [f for f in FORMATS if f != "json"],
        }
        html = request.app[pages.TEMPLATES].get_template("minutes.html").render(**context)
        return web.Response(
            text=html, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"}
        )


MINUTES = web.AppKey("minutes", MinutesService)


def setup(app: web.Application, registry: MeetingRegistry, settings: MinutesSettings) -> MinutesService:
    """Wire the minutes into the app: the drafting listener, start-up/shutdown hooks and the routes."""
    service = MinutesService(settings, registry)
    app[MINUTES] = service
    app.on_startup.append(service.on_startup)
    app.on_shutdown.append(service.on_shutdown)
    formats = "|".join(FORMATS)
    app.router.add_get(r"/api/meetings/{meeting_id}/minutes.{fmt:(" + formats + r")}", service.download)
    app.router.add_get(r"/m/{meeting_id:[A-Za-z0-9_-]{1,64}}/minutes", service.page)
    assert set(FORMATS) <= set(CONTENT_TYPES)
    return service
