"""公示 on the server: the public page of a resolution, objections over HTTP, the end of the period.

    GET  /p/<meeting>/<resolution>                 the public page (no login; phone-sized): the resolution,
                                                   the vote's result and rule, the countdown, objections
                                                   against the base, the outcome once decided. With a
                                                   personal link (``?t=``) it shows the objection form.
    POST /api/p/<meeting>/<resolution>/objections  JSON ``{"t": link, "reason": "…"}`` (a resident's
                                                   personal link) or ``{"t": recorder link, "person_id",
                                                   "reason"}`` (at the counter); an ack ``{ok, error}``.
    GET  /p/<meeting>/<resolution>/notice.pdf      the printable A4 notice (``hub.publicity_notice``).
    GET  /api/p/<meeting>/<resolution>/residents?t=<recorder link>&q=<name>   the counter's roster search.

A personal link is any of the resident's personal links of the meeting's community (of this meeting or
another one) that was valid when the minutes were published; it then stays valid for objections until
the publicity ends. The end itself is the meetings' clock: ``core.clock.next_deadline`` includes the
publicity deadline, so the registry's timer ticks then, and at start-up a deadline already past ticks at
once (a server that was down at the deadline decides on start).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from aiohttp import web

from meeting_server.core import publicity
from meeting_server.core.commands import ObjectToResolution
from meeting_server.core.errors import DomainError
from meeting_server.core.invitations import person_participant_id
from meeting_server.core.minutes_events import MinutesPublished
from meeting_server.core.minutes_values import MinutesRecord
from meeting_server.core.roles import Actor, Role
from meeting_server.core.state import MeetingState, Resolution
from meeting_server.core.vote_rules import result_text, rule_label

from . import keys, pages
from .http_edge import DOMAIN_STATUS, Refused, json_error
from .invites import check_current
from .publicity_notice import Notice, render_notice
from .runtime import MeetingRegistry
from .tokens import LinkClaims, TokenError, TokenSigner

ID = r"[A-Za-z0-9_-]{1,64}"
CST = dt.timezone(dt.timedelta(hours=8))

# What a refusal says to the resident, by code (the rules' messages are English, for the log).
MESSAGES = {
    "no_token": "请使用您的个人链接提出异议。",
    "bad_token": "链接无效，请使用社区发给您的个人链接。",
    "expired_token": "链接已过期，请向社区工作人员索取新的个人链接。",
    "link_revoked": "该链接已被收回，请向社区工作人员索取新的个人链接。",
    "wrong_meeting": "该链接不属于本社区的会议。",
    "not_personal": "请使用您的个人链接（不是会议的公共链接）提出异议。",
    "not_on_roster": "名册上没有此人，无法登记异议。",
    "not_in_scope": "您不在本决议的表决范围内（受影响居民），不能提出异议。",
    "duplicate": "已经提出过异议，每人每项决议只能提出一次。",
    "wrong_state": "公示期已结束或尚未开始，不能提出异议。",
    "invalid": "请填写异议理由（1–500 字）。",
    "forbidden": "此链接不能登记异议。",
    "not_found": "没有这项决议。",
    "limit": "异议人数已达上限。",
}


def _refuse(status: int, code: str) -> web.Response:
    return json_error(status, code, MESSAGES.get(code, "操作失败"))


def _stamp(t: float) -> str:
    return dt.datetime.fromtimestamp(t, CST).strftime("%Y年%m月%d日 %H:%M")


def _left(seconds: float) -> str:
    days, rest = divmod(int(max(0.0, seconds)), 86_400)
    return f"{days} 天 {rest // 3600} 小时 {rest % 3600 // 60} 分"


def summary(state: MeetingState, resolution: Resolution, now: float) -> dict[str, Any]:
    """What the public page and the notice show of a resolution's publicity."""
    minutes = state.minutes
    result = next((r for r in reversed(state.results) if r.motion_id == resolution.motion_id), None)
    rule = publicity.resolution_rule(state, resolution)
    if result is not None and result.rule is not None and result.sums is not None:
        vote = result_text(result.rule, result.sums, result.passed)
    elif result is not None:
        t = result.totals
        vote = f"赞成 {t.yes}，反对 {t.no}，弃权 {t.abstain}；结果：{'通过' if result.passed else '未通过'}"
    else:
        vote = ""
    until = minutes.publicity_until if minutes is not None else None
    outcome = minutes.decided.get(resolution.resolution_id) if minutes is not None else None
    objections = len(minutes.objections.get(resolution.resolution_id, ())) if minutes is not None else 0
    base = publicity.base(state, resolution)
    percent = state.settings.objection_percent
    return {
        "meeting_title": state.title,
        "resolution": resolution,
        "vote": vote,
        "rule": rule_label(rule) if rule is not None else "",
        "published": minutes is not None and minutes.published,
        "published_at": _stamp(minutes.published_at) if minutes and minutes.published_at else "",
        "until": _stamp(until) if until is not None else "",
        "until_ts": int(until) if until is not None else 0,
        "left": _left(until - now) if until is not None and outcome is None else "",
        "open": until is not None and outcome is None and now <= until,
        "objections": objections,
        "base": base,
        "percent": percent,
        # Strictly more than percent % of the base: the smallest count that re-deliberates.
        "needed": base * percent // 100 + 1,
        "outcome": publicity.OUTCOME_LABELS[publicity.Outcome(outcome)] if outcome else "",
        "outcome_code": outcome or "",
    }


class PublicityService:
    def __init__(self, registry: MeetingRegistry, signer: TokenSigner, base_url: str, font: str) -> None:
        self.registry = registry
        self.signer = signer
        self.base_url = base_url
        self.font = font

    async def _resolution(self, request: web.Request) -> tuple[MeetingState, Resolution]:
        rt = await self.registry.get(request.match_info["meeting_id"])
        if rt is None or rt.state is None:
            raise Refused(404, "not_found", "没有这项决议。")
        if self.registry.shared:
            await self.registry.catch_up(rt)
        state = rt.state
        assert state is not None
        minutes = state.minutes
        rid = request.match_info["resolution_id"]
        resolution = next((r for r in state.resolutions if r.resolution_id == rid), None)
        if resolution is None or minutes is None or not minutes.published:
            raise Refused(404, "not_found", "没有这项决议，或纪要尚未发布。")
        return state, resolution

    async def _claims(self, state: MeetingState, minutes: MinutesRecord, token: Any) -> LinkClaims:
        """The link's claims: a link of this meeting, or a personal link of another meeting of its
        community, valid when the minutes were published and not revoked since."""
        if not isinstance(token, str) or not token:
            raise TokenError("no_token", "a link is required")
        assert minutes.published_at is not None
        claims = self.signer.open_link(token, min(self.registry.clock(), minutes.published_at))
        if claims.meeting_id == state.meeting_id:
            check_current(claims, state)
            return claims
        if claims.person_id is None or state.community_id is None:
            raise TokenError("wrong_meeting", "the link belongs to another meeting")
        other = await self.registry.get(claims.meeting_id)
        if other is None or other.state is None or other.state.community_id != state.community_id:
            raise TokenError("wrong_meeting", "the link belongs to another community's meeting")
        check_current(claims, other.state)
        return claims

    async def page(self, request: web.Request) -> web.Response:
        """GET /p/{meeting_id}/{resolution_id}[?t=personal link]"""
        try:
            state, resolution = await self._resolution(request)
        except Refused as e:
            return pages.error_page(request, e.status, e.message)
        context = summary(state, resolution, self.registry.clock())
        token = request.query.get("t", "")
        who = ""
        if token and state.minutes is not None:
            try:
                claims = await self._claims(state, state.minutes, token)
                elector = state.electors.get(claims.person_id or "")
                who = elector.name if elector is not None else ""
            except TokenError:
                who = ""
        return pages.render(
            request,
            "publicity.html",
            page="publicity",
            title="决议公示",
            meeting_id=state.meeting_id,
            token=token if who else "",
            who=who,
            **context,
        )

    async def object(self, request: web.Request) -> web.Response:
        """POST /api/p/{meeting_id}/{resolution_id}/objections"""
        try:
            state, resolution = await self._resolution(request)
        except Refused as e:
            return e.response()
        try:
            body = await request.json()
        except ValueError:
            return _refuse(400, "invalid")
        if not isinstance(body, dict):
            return _refuse(400, "invalid")
        reason = body.get("reason")
        if not isinstance(reason, str):
            return _refuse(400, "invalid")
        assert state.minutes is not None
        try:
            claims = await self._claims(state, state.minutes, body.get("t"))
        except TokenError as e:
            return _refuse(403, e.code)
        if claims.person_id is not None:
            actor = Actor(person_participant_id(claims.person_id), Role.PARTICIPANT, claims.person_id)
            objector = None
        elif claims.role is Role.RECORDER and claims.meeting_id == state.meeting_id:
            person_id = body.get("person_id")
            if not isinstance(person_id, str) or not person_id:
                return _refuse(400, "not_on_roster")
            actor, objector = Actor("recorder", Role.RECORDER), person_id
        else:
            return _refuse(403, "not_personal")
        cmd = ObjectToResolution(resolution.resolution_id, objector=objector, reason=reason)
        rt = await self.registry.get(state.meeting_id)
        assert rt is not None
        try:
            await self.registry.execute(rt, actor, cmd)
        except DomainError as e:
            return _refuse(DOMAIN_STATUS.get(e.code, 400), str(e.code))
        assert rt.state is not None
        after = summary(rt.state, resolution, self.registry.clock())
        return web.json_response({"ok": True, "objections": after["objections"], "base": after["base"]})

    async def notice(self, request: web.Request) -> web.Response:
        """GET /p/{meeting_id}/{resolution_id}/notice.pdf — the A4 notice for the 公告栏 (public)."""
        try:
            state, resolution = await self._resolution(request)
        except Refused as e:
            return e.response()
        records = await self.registry.read_log(state.meeting_id)
        head = next(r.hash for r in records if r.type == MinutesPublished.name)
        s = summary(state, resolution, self.registry.clock())
        # The configured public URL, else the address the notice was asked on (the one the 社工 uses).
        base = self.base_url or f"{request.scheme}://{request.host}"
        url = f"{base}/p/{state.meeting_id}/{resolution.resolution_id}"
        # The community ledger as it is now (text and QR code), as on the minutes PDF.
        stamp = await request.app[keys.LEDGER].stamp_for(state.community_id)
        notice = Notice(
            state.title,
            resolution.title,
            resolution.text,
            s["vote"],
            s["published_at"],
            s["until"],
            s["base"],
            s["percent"],
            url,
            head,
            s["outcome"],
            stamp,
        )
        body = await asyncio.to_thread(render_notice, notice, self.font)
        name = f"notice-{state.meeting_id}-{resolution.resolution_id}.pdf"
        headers = {"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"}
        return web.Response(body=body, content_type="application/pdf", headers=headers)

    async def residents(self, request: web.Request) -> web.Response:
        """GET /api/p/{meeting_id}/{resolution_id}/residents?t=recorder link&q=name — the counter's search."""
        try:
            state, resolution = await self._resolution(request)
        except Refused as e:
            return e.response()
        assert state.minutes is not None
        try:
            claims = await self._claims(state, state.minutes, request.query.get("t"))
        except TokenError as e:
            return _refuse(403, e.code)
        if claims.role is not Role.RECORDER or claims.person_id is not None:
            return _refuse(403, "forbidden")
        q = request.query.get("q", "").strip()[:40]
        objected = {o.objector for o in state.minutes.objections.get(resolution.resolution_id, ())}
        found = [
            {
                "person_id": e.person_id,
                "name": e.name,
                "home": f"{e.building}{e.unit}{e.room}",
                "objected": publicity.PERSON_KEY + e.person_id in objected,
            }
            for e in publicity.affected(state, resolution)
            if q in e.name or q in f"{e.building}{e.unit}{e.room}"
        ]
        return web.json_response({"ok": True, "residents": found[:50]})


PUBLICITY = web.AppKey("publicity", PublicityService)


def setup(
    app: web.Application, registry: MeetingRegistry, signer: TokenSigner, base_url: str, font: str
) -> PublicityService:
    """The public pages, notices and objection endpoints of 公示 (the period's end is the registry's
    clock)."""
    service = PublicityService(registry, signer, base_url, font)
    app[PUBLICITY] = service
    app.router.add_get(f"/p/{{meeting_id:{ID}}}/{{resolution_id:{ID}}}", service.page)
    app.router.add_get(f"/p/{{meeting_id:{ID}}}/{{resolution_id:{ID}}}/notice.pdf", service.notice)
    base = f"/api/p/{{meeting_id:{ID}}}/{{resolution_id:{ID}}}"
    app.router.add_post(base + "/objections", service.object)
    app.router.add_get(base + "/residents", service.residents)
    return service
