"""The meeting's roster snapshot, kept equal to its community's roster until the meeting closes.

The server (system actor) runs ``SetElectorate`` when staff create a community meeting, when they open
its invitations, and after every change to the community's roster, for each of the community's meetings
not yet closed. Nothing is written when the snapshot already matches. A person who has joined stays in
the snapshot even if removed from the roster since (their participation and any vote are on record).
The roster lives in the community's stream of the same event log as the meeting, so on Redis every
process reads the same one.
"""

from __future__ import annotations

import logging

from aiohttp import web

from meeting_server.community.state import RosterState
from meeting_server.core.electorate import Elector, SetElectorate, electors_by_id
from meeting_server.core.errors import DomainError
from meeting_server.core.roles import Actor
from meeting_server.core.values import MeetingStatus
from meeting_server.hub.runtime import MeetingRuntime

from . import keys

log = logging.getLogger(__name__)


def electors_from(roster: RosterState) -> tuple[Elector, ...]:
    """Every roster person as a meeting's elector (voting or not: the motion's rule decides)."""
    return tuple(
        Elector(
            person_id=pid,
            name=p.name,
            building=p.building,
            unit=p.unit,
            room=p.room,
            area_m2=roster.household_area(p.household),
            groups=p.groups,
            voting=p.voting,
            birth_year=p.birth_year,
        )
        for pid, p in roster.persons.items()
    )


async def sync_electorate(app: web.Application, rt: MeetingRuntime) -> None:
    """Copy the community's roster into the meeting, if it is a community meeting not yet closed."""
    state = rt.state
    if state is None or state.community_id is None or state.status is MeetingStatus.CLOSED:
        return
    roster = await app[keys.COMMUNITIES].roster(state.community_id)
    electors = list(electors_from(roster))
    listed = {e.person_id for e in electors}
    for p in state.participants.values():  # joined people stay on the meeting's roster
        if p.person_id is not None and p.person_id not in listed and p.person_id in state.electors:
            electors.append(state.electors[p.person_id])
    if electors_by_id(tuple(electors)) == state.electors:
        return
    await app[keys.REGISTRY].execute(rt, Actor.system(), SetElectorate(state.community_id, tuple(electors)))


async def sync_community(app: web.Application, community_id: str) -> None:
    """After a roster change: every open meeting of the community (a refusal is logged, not raised)."""
    registry = app[keys.REGISTRY]
    for meeting_id in await app[keys.EVENT_LOG].meeting_ids():
        rt = await registry.get(meeting_id)
        if rt is None or rt.state is None or rt.state.community_id != community_id:
            continue
        try:
            await sync_electorate(app, rt)
        except DomainError as e:
            log.warning("roster of %s not copied into %s: %s", community_id, meeting_id, e)
