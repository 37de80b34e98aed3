"""A community's own record as its residents and staff may check it:
``GET /api/communities/<id>/log.jsonl?t=<link>`` — the stream ``community:<id>`` (roster, topics,
research, execution records), in the form of the meeting log (``hub.record_api``): one served line per
record, exactly as hashed. Records with personal data (``ledger.verify.COMMITTED_TYPES``) are written as v2
and served as their payload's digest, so no name, building, room, phone tail or birth year is served and
every line verifies. A record of such a type written before v2 (its hash covers the names) cannot be
served without them: the log ends before the first one, and ``X-Gongzhi-Withheld-From`` /
``X-Gongzhi-Withheld-Reason: legacy-private-payload`` say so.

Who may read it: ``?t=`` the community's topics link or a personal link to one of its meetings (as the
topics pages check them), or without ``t`` a signed-in 社工 of the community (or the street admin).
``gongzhi verify --log FILE`` and ``web_client/static/verify_log.js`` check it.
"""

from __future__ import annotations

from aiohttp import web

from meeting_server.communities import community_stream
from meeting_server.hub.record_api import DEFAULT_LIMIT, MAX_LIMIT, int_query, serve_log

from . import keys
from .roster_api import community_scope
from .topics_identity import resident


async def community_log(request: web.Request) -> web.Response:
    """GET /api/communities/{community_id}/log.jsonl[?t=LINK][&after=SEQ&limit=N]"""
    if "t" in request.query:
        community_id = (await resident(request)).community.community_id
    else:
        community_id = (await community_scope(request))[1].community_id
    after = int_query(request, "after", 0, 0, 2**53)
    limit = int_query(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    communities = request.app[keys.COMMUNITIES]
    records = await request.app[keys.EVENT_LOG].read(community_stream(community_id), after, limit + 1)
    head_seq = max(await communities.head_seq(community_id), records[-1].seq if records else 0)
    return serve_log(records, head_seq, head_seq + 1, "", limit)


def add_routes(app: web.Application) -> None:
    app.router.add_get(r"/api/communities/{community_id}/log.jsonl", community_log)
