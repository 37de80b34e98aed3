"""The recorder's door list: the meeting's roster people, for checking them in at the door by search
(name, household, phone tail) or by the short code printed on their slip.

Opened with the recorder's link (``?t=``), like the recorder's page; nobody else's link reads it. Phone
tails come from the community's roster as it is now (the meeting's snapshot keeps no phone numbers);
the check-in itself is the recorder's ``CheckInInRoom {person_id}`` over the socket.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meeting_server.community.values import household_label
from meeting_server.core.roles import Role
from meeting_server.hub.http_edge import Refused, open_meeting_link
from meeting_server.hub.invites import short_codes

from . import keys


async def door_list(request: web.Request) -> web.Response:
    """GET /api/meetings/{meeting_id}/door?t=RECORDER_TOKEN — {people: [{person_id, name, household,
    phone_tail, code, participant_id, present, channel}]}."""
    claims, rt = await open_meeting_link(request, request.app[keys.SIGNER], request.app[keys.REGISTRY])
    if claims.role is not Role.RECORDER or claims.personal:
        raise Refused(403, "forbidden", "only the recorder's link opens the door list")
    state = rt.state
    assert state is not None
    phones: dict[str, str] = {}
    if state.community_id is not None:
        roster = await request.app[keys.COMMUNITIES].roster(state.community_id)
        phones = {pid: p.phone_tail for pid, p in roster.persons.items()}
    codes = short_codes(request.app[keys.SIGNER], state)
    people: list[dict[str, Any]] = []
    for pid, e in state.electors.items():
        p = state.participant_of_person(pid)
        people.append(
            {
                "person_id": pid,
                "name": e.name,
                "household": household_label(e.household),
                "phone_tail": phones.get(pid, ""),
                "code": codes[pid],
                "voting": e.voting,
                "participant_id": p.participant_id if p else None,
                "present": bool(p and p.present),
                "channel": p.channel.value if p else None,
            }
        )
    return web.json_response({"ok": True, "people": people}, headers={"Cache-Control": "no-store"})


def add_routes(app: web.Application) -> None:
    app.router.add_get(r"/api/meetings/{meeting_id:[A-Za-z0-9_-]{1,64}}/door", door_list)
