"""Who is asking, on a community's 议题征集 pages: resolved once per request, from a link or a session.

* **Residents** come with ``?t=``: their personal link to one of this community's meetings (``p``; they
  act as that roster person, ``p:<person id>``), or the community's topics link (``t``; they type their
  name and building, read by the roster's own field checks, and act as ``n:<building>/<name>``: a typed
  name is self-declared and never becomes a roster person; the rules count it once with that person's own
  support, ``topics_state.counted_already``).
* **Screeners**: a signed-in 社工 of the community (or the street admin), by the session cookie on
  ``/api/communities/…`` (CSRF-guarded), or the moderator's link (``j``, role moderator) of one of the
  community's meetings, on ``/api/topics/…``.

Every failure is a ``Refused`` with a Chinese message: no link, a forged or expired one, a link of
another community, a revoked personal link, a person no longer on the roster, the wrong role.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meeting_server.community.roles import StaffRole
from meeting_server.community.state import Community
from meeting_server.community.topics_commands import TopicAuthor
from meeting_server.community.topics_state import TopicActor, TopicRole
from meeting_server.community.values import read_fields
from meeting_server.core.errors import DomainError
from meeting_server.core.roles import Role
from meeting_server.hub.http_edge import Refused, refused
from meeting_server.hub.invites import check_current
from meeting_server.hub.tokens import LinkClaims, TokenError

from . import keys
from .roster_api import community_scope

_TOKEN_MESSAGES = {
    "expired_token": "链接已过期，请向社区工作人员索取新链接",
    "link_revoked": "链接已作废，请向社区工作人员索取新链接",
    "not_on_roster": "名册中已没有您，请联系社区工作人员",
    "wrong_community": "这是其他社区的链接",
}


def _token_refused(e: TokenError) -> Refused:
    return Refused(403, e.code, _TOKEN_MESSAGES.get(e.code, "链接无效，请检查链接是否完整"))


async def _community(request: web.Request) -> Community:
    community_id = request.match_info["community_id"]
    street = await request.app[keys.COMMUNITIES].street()
    community = street.communities.get(community_id)
    if community is None:
        raise Refused(404, "not_found", "没有这个社区")
    return community


def _token(request: web.Request) -> str:
    token = request.query.get("t")
    if not token:
        raise Refused(403, "no_token", "请使用社区发给您的链接打开本页")
    return token


async def _meeting_link(request: web.Request, token: str, community_id: str) -> LinkClaims:
    """A meeting link's claims, if the meeting is this community's and the link still current."""
    registry = request.app[keys.REGISTRY]
    try:
        claims = request.app[keys.SIGNER].open_link(token, registry.clock())
    except TokenError as e:
        raise _token_refused(e) from None
    rt = await registry.get(claims.meeting_id)
    if rt is None or rt.state is None:
        raise Refused(404, "not_found", "链接所属的会议不存在")
    if registry.shared:
        await registry.catch_up(rt)
    assert rt.state is not None
    if rt.state.community_id != community_id:
        raise Refused(403, "wrong_community", _TOKEN_MESSAGES["wrong_community"])
    try:
        check_current(claims, rt.state)
    except TokenError as e:
        raise _token_refused(e) from None
    return claims


class Resident:
    """A resident's link, opened: the community and, once known, the person acting."""

    def __init__(self, community: Community, person: TopicAuthor | None, typed: bool) -> None:
        self.community = community
        self.person = person
        self.typed = typed  # the community's topics link: the person comes with each write

    def actor(self) -> TopicActor:
        return TopicActor(TopicRole.RESIDENT, self.community.community_id, person=self.person)


async def resident(request: web.Request, body: dict[str, Any] | None = None) -> Resident:
    """The resident behind ``?t=``; with the topics link, ``body``'s name and building name them."""
    community = await _community(request)
    token = _token(request)
    signer = request.app[keys.SIGNER]
    communities = request.app[keys.COMMUNITIES]
    now = communities.clock()
    kind = signer.token_kind(token)
    if kind == "t":
        try:
            link = signer.open_topics_link(token, now, community.community_id)
        except TokenError as e:
            raise _token_refused(e) from None
        if link.generation != (await communities.topics(community.community_id)).link_generation:
            raise Refused(403, "link_revoked", _TOKEN_MESSAGES["link_revoked"])
        if body is None:
            return Resident(community, None, typed=True)
        return Resident(community, _typed_person(request, body), typed=True)
    if kind == "p":
        claims = await _meeting_link(request, token, community.community_id)
        assert claims.person_id is not None
        roster = await communities.roster(community.community_id)
        p = roster.persons.get(claims.person_id)
        if p is None:
            raise Refused(403, "not_on_roster", _TOKEN_MESSAGES["not_on_roster"])
        return Resident(community, TopicAuthor(f"p:{claims.person_id}", p.name, p.building), typed=False)
    raise Refused(403, "bad_token", "请使用本人的会议链接或社区的议题征集链接")


async def community_reader(request: web.Request) -> Community:
    """The community in the path, if ``?t=`` is its topics link or any link (personal, shared, officer)
    of one of its meetings: for pages that show what every participant may see (a topic's timeline)."""
    community = await _community(request)
    token = _token(request)
    if request.app[keys.SIGNER].token_kind(token) == "t":
        await resident(request)  # the topics link: expiry and generation
    else:
        await _meeting_link(request, token, community.community_id)
    return community


def _typed_person(request: web.Request, body: dict[str, Any]) -> TopicAuthor:
    communities = request.app[keys.COMMUNITIES]
    raw = {"name": body.get("name"), "building": body.get("building")}
    if not all(isinstance(v, str) for v in raw.values()):
        raise Refused(400, "invalid", "请填写您的姓名和楼栋")
    try:
        fields = read_fields(raw, ("name", "building"), communities.clock())
    except DomainError as e:
        raise refused(e) from None
    name, building = fields["name"], fields["building"]
    return TopicAuthor(f"n:{building}/{name}", name, building)


async def staff_screener(request: web.Request) -> TopicActor:
    """A signed-in account serving the community in the path (401/403/404 otherwise)."""
    actor, community = await community_scope(request)
    assert actor.role in (StaffRole.STAFF, StaffRole.STREET_ADMIN)
    return TopicActor(TopicRole.STAFF, community.community_id, screener=actor.account_id)


async def moderator_screener(request: web.Request) -> TopicActor:
    """The moderator's link (``?t=``) of one of this community's meetings."""
    community = await _community(request)
    claims = await _meeting_link(request, _token(request), community.community_id)
    if claims.role is not Role.MODERATOR or claims.personal:
        raise Refused(403, "forbidden", "只有本社区社工或会议主持人可以筛选议题")
    return TopicActor(TopicRole.MODERATOR, community.community_id, screener=f"m:{claims.meeting_id}")
