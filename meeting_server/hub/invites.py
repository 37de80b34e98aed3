"""Links as the meeting's record makes them: how long they last, which generation they carry, each roster
person's personal link and short code, and the check that a link presented at the edge is still current.

* **Expiry** follows the meeting, not the moment it was created: a link (role or personal) lasts until the
  publicity period after the meeting ends — its scheduled day plus one, plus ``publicity_days`` — never
  less than ``server.link_ttl_hours`` after creation (a meeting entered after the fact) and never more than
  ``MAX_LINK_DAYS`` after it (a mistyped year).
* **Generations** come from the log (``core.invitations``): every process reads the same ones, so a revoked
  personal link or a rotated role link is refused (``link_revoked``) by all of them.
* **Short codes** (6 digits on the printed slip, typed by the recorder at the door) are keyed digests of
  the meeting, the person and their link's generation under the server key: they survive restarts, agree
  across processes, and a revoked slip's code changes with its link. Collisions within a meeting are
  resolved deterministically (by person id, the later one takes the next candidate).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from meeting_server.core.invitations import person_participant_id
from meeting_server.core.roles import Role
from meeting_server.core.state import MeetingState

from .links import join_url, make_links
from .tokens import LinkClaims, TokenError, TokenSigner

DAY_S = 86_400.0
MAX_LINK_DAYS = 400
CODE_DIGITS = 6
# A schedule written without an offset is read as China Standard Time, where the councils meet.
CHINA = timezone(timedelta(hours=8))


def scheduled_time(state: MeetingState) -> float | None:
    """The meeting's scheduled time as a timestamp, or None when the text is not an ISO date/time."""
    text = state.scheduled_at.strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=CHINA)
    return when.timestamp()


def link_expiry(state: MeetingState, min_ttl_hours: float) -> float:
    """When the meeting's links stop working (see the module docstring)."""
    created = state.created_at
    start = scheduled_time(state)
    end_of_publicity = (start if start is not None else created) + DAY_S * (1 + state.settings.publicity_days)
    return min(max(end_of_publicity, created + min_ttl_hours * 3600.0), created + MAX_LINK_DAYS * DAY_S)


def role_links(
    signer: TokenSigner, base_url: str, state: MeetingState, min_ttl_hours: float
) -> dict[str, dict[str, str]]:
    """Every role's current link (as ``links.make_links``), of the current generations."""
    expires = link_expiry(state, min_ttl_hours)
    return make_links(signer, base_url, state.meeting_id, expires, state.links.role)


def personal_token(signer: TokenSigner, state: MeetingState, person_id: str, min_ttl_hours: float) -> str:
    generation = state.links.person(person_id)
    return signer.personal_link(state.meeting_id, person_id, generation, link_expiry(state, min_ttl_hours))


def personal_url(base_url: str, state: MeetingState, token: str) -> str:
    """A personal link opens the resident's page (joined as that person, no name to type)."""
    return join_url(base_url, state.meeting_id, Role.PARTICIPANT, token)


def short_codes(signer: TokenSigner, state: MeetingState) -> dict[str, str]:
    """Every roster person's short code, unique within the meeting."""
    codes: dict[str, str] = {}
    taken: set[str] = set()
    for person_id in sorted(state.electors):
        attempt = 0
        while True:
            text = f"{state.meeting_id}\x00{person_id}\x00{state.links.person(person_id)}\x00{attempt}"
            digest = signer.keyed_digest("short-code", text)
            code = str(int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)
            if code not in taken:
                break
            attempt += 1
        taken.add(code)
        codes[person_id] = code
    return codes


def check_current(claims: LinkClaims, state: MeetingState) -> None:
    """Refuse a link whose generation the record has moved past (revoked or rotated), or a personal link
    naming somebody no longer on the meeting's roster (``not_on_roster``)."""
    if claims.person_id is not None:
        if claims.person_id not in state.electors and state.participant_of_person(claims.person_id) is None:
            raise TokenError("not_on_roster", "this personal link names nobody on the meeting's roster")
        current = state.links.person(claims.person_id)
    else:
        current = state.links.role(claims.role)
    if claims.generation != current:
        raise TokenError("link_revoked", "this link has been revoked; ask the community staff for a new one")


def participant_of(claims: LinkClaims) -> str | None:
    """The participant id a personal link always joins as."""
    return person_participant_id(claims.person_id) if claims.person_id is not None else None
