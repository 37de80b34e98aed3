"""A community's 议题征集 over HTTP: residents list, search-while-typing, submit and support (附议);
screeners (its 社工, or a meeting's moderator) see the queue and screen. Identity: ``topics_identity``.

Residents: ``/api/topics/{community}…?t=LINK``. Screening: ``/api/communities/{community}/topics…`` for a
signed-in 社工 (cookie + CSRF header), ``/api/topics/{community}/screening…?t=MODERATOR_LINK`` for a
moderator. Every body is checked (unknown fields, types, sizes) before the rules see a command.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from meeting_server.community.topics_commands import (
    BODY_LEN,
    LEVEL_ORDER,
    MAX_PHOTOS,
    TITLE_LEN,
    AcceptTopic,
    EscalateTopic,
    MergeTopic,
    RejectTopic,
    RotateTopicsLink,
    SetTopicLevel,
    SubmitTopic,
    SupportTopic,
    TopicLevel,
)
from meeting_server.community.topics_state import CLOSED, TopicActor, TopicsState, TopicStatus
from meeting_server.core.errors import DomainError
from meeting_server.core.registry import Command
from meeting_server.hub.http_edge import Refused, refused
from meeting_server.hub.keys import base_url

from . import keys, topic_photos
from .auth import check_fields, read_json, text_field
from .topics_identity import Resident, moderator_screener, resident, staff_screener
from .topics_index import TopicIndex, screening_view, topic_heat, topic_view
from .topics_research_view import public_research

TOPIC_INDEX = web.AppKey("topic_index", TopicIndex)
COMMUNITY = r"{community_id:[a-z0-9]{1,32}}"
TOPIC = r"{topic_id:[a-z0-9]{1,32}}"
PHOTO = r"{photo_id:[0-9a-f]{32}}"
MAX_QUERY = TITLE_LEN + BODY_LEN + 8
IDENTITY_FIELDS = frozenset({"name", "building"})
LIST_LIMIT = 200  # topics per answer: the hottest open ones, then the newest closed (a phone's page)


async def _execute(request: web.Request, actor: TopicActor, command: Command) -> TopicsState:
    communities = request.app[keys.COMMUNITIES]
    try:
        await communities.execute_topics(actor.community_id, actor, command)
    except DomainError as e:
        raise refused(e) from None
    return await communities.topics(actor.community_id)


def _ordered(state: TopicsState, now: float) -> list[str]:
    """Open topics hottest first, then the closed ones, newest first."""
    topics = list(state.topics.values())
    hot = sorted(
        (t for t in topics if t.status not in CLOSED), key=lambda t: -float(topic_heat(t, now)["score"])
    )
    closed = [t for t in reversed(topics) if t.status in CLOSED]
    return [t.topic_id for t in hot + closed]


# ------------------------------------------------------------------ residents


def _viewer(who: Resident) -> str | None:
    return who.person.key if who.person is not None else None


async def _typed_viewer(request: web.Request, who: Resident) -> Resident:
    """With the topics link, a list may name its reader (``?name=&building=``) to mark their own."""
    if who.typed and request.query.get("name"):
        q = {"name": request.query.get("name", ""), "building": request.query.get("building", "")}
        return await resident(request, q)
    return who


async def list_topics(request: web.Request) -> web.Response:
    """GET /api/topics/{c}?t= — every topic (status, heat and its explanation, the reason)."""
    who = await _typed_viewer(request, await resident(request))
    communities = request.app[keys.COMMUNITIES]
    state = await communities.topics(who.community.community_id)
    now = communities.clock()
    viewer = _viewer(who)
    order = _ordered(state, now)
    research = await communities.research(who.community.community_id)
    topics = [
        {**topic_view(state, state.topics[i], now, viewer), "research": public_research(research, i)}
        for i in order[:LIST_LIMIT]
    ]
    me = {"typed": who.typed, "name": who.person.name if who.person and not who.typed else ""}
    answer = {"community": {"title": who.community.title}, "me": me, "topics": topics, "total": len(order)}
    return web.json_response({"ok": True, **answer}, headers={"Cache-Control": "no-store"})


async def similar(request: web.Request) -> web.Response:
    """GET /api/topics/{c}/similar?t=&q= — open topics like what the resident is typing."""
    who = await _typed_viewer(request, await resident(request))
    text = request.query.get("q", "")
    if len(text) > MAX_QUERY:
        raise Refused(400, "invalid", "输入太长")
    communities = request.app[keys.COMMUNITIES]
    state = await communities.topics(who.community.community_id)
    now = communities.clock()
    found = await request.app[TOPIC_INDEX].similar(state, text) if len(text.strip()) >= 2 else []
    viewer = _viewer(who)
    out = [{**topic_view(state, t, now, viewer), "score": round(s, 3)} for t, s in found or []]
    answer = {"ok": True, "similar": out, "indexing": found is None}  # None: the engine is starting
    return web.json_response(answer, headers={"Cache-Control": "no-store"})


async def submit(request: web.Request) -> web.Response:
    """POST /api/topics/{c}/topics?t= {title, body, photos?, name?, building?} — 201 with the topic."""
    body = await read_json(request)
    check_fields(body, frozenset({"title", "body", "photos"}) | IDENTITY_FIELDS)
    who = await resident(request, body)
    title = text_field(body, "title", "标题", required=True)
    text = text_field(body, "body", "描述")
    photos = body.get("photos", [])
    if (
        not isinstance(photos, list)
        or len(photos) > MAX_PHOTOS
        or not all(isinstance(p, str) for p in photos)
    ):
        raise Refused(400, "invalid", f"照片最多 {MAX_PHOTOS} 张")
    if len(title) > TITLE_LEN * 2 or len(text) > BODY_LEN * 2:
        raise Refused(400, "invalid", f"标题最多 {TITLE_LEN} 字，描述最多 {BODY_LEN} 字")
    communities = request.app[keys.COMMUNITIES]
    community_id = who.community.community_id
    await topic_photos.check(request, community_id, photos)
    state = await communities.topics(community_id)
    topic_id = secrets.token_hex(6)
    index = request.app[TOPIC_INDEX]
    triage = await index.triage(state, topic_id, title, text)
    try:
        state = await _execute(
            request, who.actor(), SubmitTopic(topic_id, title, text, triage, tuple(photos))
        )
    except Refused:
        index.forget(community_id, topic_id)
        raise
    view = topic_view(state, state.topics[topic_id], communities.clock(), _viewer(who))
    return web.json_response({"ok": True, "topic": view}, status=201)


async def support(request: web.Request) -> web.Response:
    """POST /api/topics/{c}/topics/{topic}/support?t= {name?, building?} — 附议."""
    body = await read_json(request)
    check_fields(body, IDENTITY_FIELDS)
    who = await resident(request, body)
    topic_id = request.match_info["topic_id"]
    state = await _execute(request, who.actor(), SupportTopic(topic_id))
    now = request.app[keys.COMMUNITIES].clock()
    return web.json_response(
        {"ok": True, "topic": topic_view(state, state.topics[topic_id], now, _viewer(who))}
    )


async def upload_photo(request: web.Request) -> web.Response:
    """POST /api/topics/{c}/photos?t= (the picture's bytes) — 201 {photo_id}, to name in a submission."""
    who = await resident(request)
    photo_id = await topic_photos.store(request, who.community.community_id)
    return web.json_response({"ok": True, "photo_id": photo_id}, status=201)


async def resident_photo(request: web.Request) -> web.StreamResponse:
    """GET /api/topics/{c}/photos/{photo}?t= — a topic's photo, for any resident link of the community."""
    who = await resident(request)
    return await topic_photos.serve(request, who.community.community_id, request.match_info["photo_id"])


# ------------------------------------------------------------------ screening

Screener = Callable[[web.Request], Awaitable[TopicActor]]


def _screen_command(action: str, topic_id: str, body: dict[str, Any]) -> Command:
    match action:
        case "accept":
            check_fields(body, frozenset({"note"}))
            return AcceptTopic(topic_id, text_field(body, "note", "说明"))
        case "merge":
            check_fields(body, frozenset({"into", "note"}))
            into = text_field(body, "into", "合并到的议题", required=True)
            return MergeTopic(topic_id, into, text_field(body, "note", "说明"))
        case "reject":
            check_fields(body, frozenset({"reason"}))
            return RejectTopic(topic_id, text_field(body, "reason", "未采纳的理由", required=True))
        case "level":
            check_fields(body, frozenset({"level"}))
            level = body.get("level")
            if level not in [lv.value for lv in LEVEL_ORDER]:
                raise Refused(400, "invalid", "级别应为小区、社区或街道")
            return SetTopicLevel(topic_id, TopicLevel(level))
        case "escalate":
            check_fields(body, frozenset({"reason"}))
            return EscalateTopic(topic_id, text_field(body, "reason", "上报说明"))
    raise Refused(404, "not_found", "没有这个操作")


def _queue(request: web.Request, state: TopicsState) -> dict[str, Any]:
    now = request.app[keys.COMMUNITIES].clock()
    pending = [t for t in state.topics.values() if t.status is TopicStatus.PENDING]  # oldest first
    order = _ordered(state, now)
    return {
        "ok": True,
        "queue": [screening_view(state, t, now) for t in pending[:LIST_LIMIT]],
        "pending": len(pending),
        "topics": [screening_view(state, state.topics[i], now) for i in order[:LIST_LIMIT]],
        "total": len(order),
    }


def _screening(screener: Screener) -> tuple[Any, Any, Any]:
    async def queue(request: web.Request) -> web.Response:
        actor = await screener(request)
        state = await request.app[keys.COMMUNITIES].topics(actor.community_id)
        return web.json_response(_queue(request, state), headers={"Cache-Control": "no-store"})

    async def screen(request: web.Request) -> web.Response:
        actor = await screener(request)
        body = await read_json(request)
        command = _screen_command(request.match_info["action"], request.match_info["topic_id"], body)
        return web.json_response(_queue(request, await _execute(request, actor, command)))

    async def photo(request: web.Request) -> web.StreamResponse:
        actor = await screener(request)
        return await topic_photos.serve(request, actor.community_id, request.match_info["photo_id"])

    return queue, screen, photo


async def topics_link(request: web.Request) -> web.Response:
    """POST /api/communities/{c}/topics-link — the community's 议题征集 link (for posters, group chats);
    ``…/topics-link/rotate``: the current one stops working everywhere first (a leaked link)."""
    actor = await staff_screener(request)
    if request.path.endswith("/rotate"):
        state = await _execute(request, actor, RotateTopicsLink())
    else:
        state = await request.app[keys.COMMUNITIES].topics(actor.community_id)
    settings = request.app[keys.SETTINGS]
    expires = request.app[keys.COMMUNITIES].clock() + settings.server.topics_link_days * 86_400
    token = request.app[keys.SIGNER].topics_link(actor.community_id, expires, state.link_generation)
    path = f"/c/{actor.community_id}/topics?t={token}"
    return web.json_response({"ok": True, "url": base_url(settings) + path, "path": path, "expires": expires})


def add_routes(app: web.Application) -> None:
    index = app[TOPIC_INDEX] = TopicIndex()

    async def stop_index(app: web.Application) -> None:
        index.close()

    app.on_shutdown.append(stop_index)
    base = f"/api/topics/{COMMUNITY}"
    app.router.add_get(base, list_topics)
    app.router.add_get(base + "/similar", similar)
    app.router.add_post(base + "/topics", submit)
    app.router.add_post(base + f"/topics/{TOPIC}/support", support)
    app.router.add_post(base + "/photos", upload_photo)
    app.router.add_get(base + f"/photos/{PHOTO}", resident_photo)
    actions = r"{action:(accept|merge|reject|level|escalate)}"
    for prefix, screener in (
        (f"/api/communities/{COMMUNITY}/topics", staff_screener),
        (base + "/screening", moderator_screener),
    ):
        queue, screen, photo = _screening(screener)
        app.router.add_get(prefix, queue)
        app.router.add_post(prefix + f"/{TOPIC}/{actions}", screen)
        app.router.add_get(prefix + f"/photos/{PHOTO}", photo)
    app.router.add_post(f"/api/communities/{COMMUNITY}/topics-link", topics_link)
    app.router.add_post(f"/api/communities/{COMMUNITY}/topics-link/rotate", topics_link)
