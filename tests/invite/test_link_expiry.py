"""Links last until the meeting's publicity period ends (its scheduled day + 1 + publicity_days), on the
fake clock; a generation the record has moved past is refused (hub.invites)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest

from meeting_server.core.invitations import LinkGenerations
from meeting_server.core.roles import Role
from meeting_server.core.state import MeetingState
from meeting_server.core.values import MeetingSettings
from meeting_server.hub.invites import DAY_S, MAX_LINK_DAYS, check_current, link_expiry
from meeting_server.hub.tokens import LinkClaims, TokenError
from tests.staff.helpers import clients, staff_server
from tests.support.hub import DEMO_SPEC, FakeClock, Peer

from .helpers import community_meeting, refused, token_of

CREATED = datetime.fromisoformat("2026-11-01T10:00+08:00").timestamp()


def _state(scheduled_at: str, publicity_days: int = 7) -> MeetingState:
    return MeetingState(
        meeting_id="m1",
        title="t",
        level="shequ",  # type: ignore[arg-type]
        place="p",
        scheduled_at=scheduled_at,
        agenda=(),
        settings=dataclasses.replace(MeetingSettings(), publicity_days=publicity_days),
        created_at=CREATED,
    )


@pytest.mark.parametrize(
    ("scheduled_at", "days_after_creation"),
    [
        ("2026-12-01T19:00+08:00", 30 + 9 / 24 + 1 + 7),  # a month ahead: until its publicity ends
        ("2026-12-01T19:00", 30 + 9 / 24 + 1 + 7),  # no offset: China time
        ("下周三晚上", 1 + 7),  # not a date: from creation
        ("2026-10-01T19:00+08:00", 7),  # entered after the fact: never under link_ttl_hours (168 h)
        ("2031-01-01T19:00+08:00", MAX_LINK_DAYS),  # a mistyped year: capped
    ],
)
def test_links_last_until_the_publicity_period_ends(scheduled_at: str, days_after_creation: float) -> None:
    assert link_expiry(_state(scheduled_at), 168) == pytest.approx(CREATED + days_after_creation * DAY_S)


def test_publicity_days_count() -> None:
    assert link_expiry(_state("2026-12-01T19:00+08:00", 14), 168) - link_expiry(
        _state("2026-12-01T19:00+08:00", 7), 168
    ) == pytest.approx(7 * DAY_S)


def test_a_generation_the_record_moved_past_is_refused() -> None:
    state = dataclasses.replace(_state("x"), links=LinkGenerations(roles={"moderator": 1}))
    check_current(LinkClaims("m1", Role.MODERATOR, 0, generation=1), state)
    check_current(LinkClaims("m1", Role.RECORDER, 0, generation=0), state)
    with pytest.raises(TokenError) as e:
        check_current(LinkClaims("m1", Role.MODERATOR, 0, generation=0), state)
    assert e.value.code == "link_revoked"
    with pytest.raises(TokenError) as e:  # a personal link naming nobody on the roster
        check_current(LinkClaims("m1", Role.PARTICIPANT, 0, person_id="r404"), state)
    assert e.value.code == "not_on_roster"


async def test_a_qr_posted_weeks_ahead_still_opens_at_meeting_time(tmp_path: Path) -> None:
    clock = FakeClock()
    clock.now = CREATED
    spec = {**DEMO_SPEC, "scheduled_at": "2026-12-01T19:00+08:00"}
    async with staff_server(tmp_path, clock=clock) as server, clients(server.url, 1) as (staff,):
        c = await community_meeting(staff, spec)
        personal, moderator = token_of(c.people["王阿姨"]["url"]), c.links["moderator"]["token"]
        clock.now = datetime.fromisoformat("2026-12-01T19:05+08:00").timestamp()  # 30 days later
        for token in (personal, moderator):
            peer = Peer(server.url, token)
            try:
                await peer.connect()
            finally:
                await peer.close()
        clock.now = datetime.fromisoformat("2026-12-09T19:01+08:00").timestamp()  # publicity over
        assert await refused(server.url, personal) == "expired_token"
        assert await refused(server.url, moderator) == "expired_token"
