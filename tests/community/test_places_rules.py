"""A community's place names (地名): only its own 社工 keep them; each name is cleaned and checked, the
list bounded, and every refusal names its reason; the event survives the log's round trip."""

from __future__ import annotations

import pytest

from meeting_server.community.commands import SetPlaces
from meeting_server.community.events import PlacesSet
from meeting_server.community.places_rules import MAX_PLACES, PlacesState, decide_places, evolve_places
from meeting_server.community.roles import StaffActor
from meeting_server.core.errors import DomainError, ErrorCode

from .fixtures import ADMIN, NOW, STAFF_A, STAFF_B, SYSTEM, replayed


def places_do(state: PlacesState, actor: StaffActor, names: tuple[str, ...]) -> PlacesState:
    for ev in replayed(decide_places(state, "comma", actor, SetPlaces(names), NOW)):
        assert isinstance(ev, PlacesSet)
        state = evolve_places(state, ev)
    return state


def refused(
    names: tuple[str, ...], actor: StaffActor = STAFF_A, state: PlacesState | None = None
) -> DomainError:
    with pytest.raises(DomainError) as e:
        decide_places(state or PlacesState(), "comma", actor, SetPlaces(names), NOW)
    return e.value


def test_only_the_communitys_own_staff() -> None:
    assert refused(("幸福路",), STAFF_B).code is ErrorCode.FORBIDDEN  # another community's 社工
    assert refused(("幸福路",), ADMIN).code is ErrorCode.FORBIDDEN  # the street admin does not keep them
    assert refused(("幸福路",), SYSTEM).code is ErrorCode.FORBIDDEN
    assert places_do(PlacesState(), STAFF_A, ("幸福路",)).places == ("幸福路",)


def test_names_are_cleaned_and_kept_in_order() -> None:
    state = places_do(
        PlacesState(), STAFF_A, (" 阳光新城 ", "幸福路·东段", "万达（东门）", "Ａ区3号", "东门 菜场")
    )
    # NFKC (full-width brackets and letters to half-width), spaces inside and around removed.
    assert state.places == ("阳光新城", "幸福路·东段", "万达(东门)", "A区3号", "东门菜场")
    assert places_do(state, STAFF_A, ()).places == ()  # the list may be emptied


@pytest.mark.parametrize(
    ("names", "code", "words"),
    [
        (("东",), ErrorCode.INVALID, "太短"),
        (("幸福路幸福路幸福路幸福路幸福路幸福路",), ErrorCode.INVALID, "太长"),
        (("<b>东门</b>",), ErrorCode.INVALID, "只能由汉字"),
        (("东门;",), ErrorCode.INVALID, "只能由汉字"),
        (("1234",), ErrorCode.INVALID, "不能只有数字"),
        (("东门\u200b菜场",), ErrorCode.INVALID, "不可见字符"),
        (("  ",), ErrorCode.INVALID, "不能为空"),
        (("东门", "西门", "东门"), ErrorCode.DUPLICATE, "“东门”重复"),
        (tuple(f"地名{i}号" for i in range(MAX_PLACES + 1)), ErrorCode.INVALID, f"最多 {MAX_PLACES} 个"),
    ],
)
def test_refusals_name_the_reason(names: tuple[str, ...], code: ErrorCode, words: str) -> None:
    e = refused(names)
    assert e.code is code and words in e.message, e.message


def test_an_unchanged_list_is_refused_and_the_limit_itself_is_allowed() -> None:
    full = tuple(f"地名{i}号" for i in range(MAX_PLACES))
    state = places_do(PlacesState(), STAFF_A, full)
    assert len(state.places) == MAX_PLACES
    assert refused(full, state=state).code is ErrorCode.DUPLICATE
    assert "没有变化" in refused(full, state=state).message
