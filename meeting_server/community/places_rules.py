"""A community's place names (地名: streets, estates, landmarks), kept by its 社工 in the community's stream.

They are caption hot words for the community's meetings (``hub.hotwords``), beside the server's
``[meeting] places``. One command replaces the whole list (the staff page edits it as a list); the rules
clean each name (NFKC, as names are kept), and refuse a list that is too long, a name too short or too long,
with characters a place name does not have, a repeated name, or an unchanged list — each with its reason.
"""

from __future__ import annotations

import dataclasses
import re

from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.guards import fail
from meeting_server.core.registry import Command, Event

from .commands import SetPlaces
from .events import AnyPlacesEvent, PlacesSet
from .guards import check_permission, clean_line
from .roles import StaffActor

MAX_PLACES = 40  # the hot words hold 60 in all (asr.hotwords); the meeting's own names come first
MIN_LEN, MAX_LEN = 2, 16  # what asr.hotwords keeps
# Han characters, Latin letters and digits, and the joiners place names use: 幸福路·东段, A-3区, 万达(东门).
_CHARS = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9·\-()]+$")


@dataclasses.dataclass(frozen=True, slots=True)
class PlacesState:
    places: tuple[str, ...] = ()


def clean_places(names: tuple[str, ...]) -> tuple[str, ...]:
    """The names as kept; DomainError (``invalid``) naming the first problem."""
    if len(names) > MAX_PLACES:
        fail(ErrorCode.INVALID, f"地名最多 {MAX_PLACES} 个（现有 {len(names)} 个）")
    out: list[str] = []
    for i, raw in enumerate(names):
        what = f"第 {i + 1} 个地名"
        if not isinstance(raw, str):
            fail(ErrorCode.INVALID, f"{what}应为文字")
        name = clean_line(raw, what, MAX_LEN).replace(" ", "")
        if len(name) < MIN_LEN:
            fail(ErrorCode.INVALID, f"{what}“{name}”太短（至少 {MIN_LEN} 个字）")
        if not _CHARS.match(name) or name.isdigit():
            fail(ErrorCode.INVALID, f"{what}“{name}”只能由汉字、字母、数字和 · - ( ) 组成，且不能只有数字")
        if name in out:
            fail(ErrorCode.DUPLICATE, f"地名“{name}”重复")
        out.append(name)
    return tuple(out)


def decide_places(
    state: PlacesState, community_id: str, actor: StaffActor, cmd: Command, now: float
) -> list[Event]:
    """The events ``cmd`` from ``actor`` causes on ``community_id``'s place names; DomainError if refused."""
    check_permission(actor, cmd)
    if not actor.serves(community_id):
        fail(ErrorCode.FORBIDDEN, "您只能维护本社区的地名")
    if not isinstance(cmd, SetPlaces):
        raise DomainError(ErrorCode.INVALID, f"{type(cmd).__name__} is not a places command")
    places = clean_places(cmd.places)
    if places == state.places:
        fail(ErrorCode.DUPLICATE, "地名没有变化")
    return [PlacesSet(places, now)]


def evolve_places(state: PlacesState, ev: AnyPlacesEvent) -> PlacesState:
    return PlacesState(ev.places)
