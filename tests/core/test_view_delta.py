"""View deltas (meeting_server/core/delta.py): ``apply(a, diff(a, b)) == b`` for views of random meetings
and for random JSON, and a hand raised in a meeting of 300 costs a few hundred bytes, not the whole view."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from meeting_server.core.commands import (
    AddToQueue,
    AmendMotion,
    CastVote,
    CheckInInRoom,
    CheckOutInRoom,
    CloseRound,
    CloseVote,
    ExtendClock,
    GrantFloor,
    JoinMeeting,
    LeaveMeeting,
    LowerHand,
    MarkKeyPoint,
    MoveInQueue,
    MoveMotion,
    OpenRound,
    OpenVote,
    PauseClock,
    RaiseHand,
    RecordShowOfHands,
    RemoveFromQueue,
    ResumeClock,
    RevokeFloor,
    SecondMotion,
    StartAgendaItem,
    StartClock,
    WithdrawMotion,
    YieldFloor,
)
from meeting_server.core.delta import apply, diff
from meeting_server.core.errors import DomainError
from meeting_server.core.registry import Command
from meeting_server.core.roles import Actor, Role
from meeting_server.core.values import Choice
from meeting_server.core.view import public_view

from .sim import MOD, REC, TIMER, Sim, resident, running


def same(a: Any, b: Any) -> bool:
    """Equal as JSON, types included (``True`` is not ``1``)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) and type(a) is type(b)


def check(a: Any, b: Any) -> dict[str, Any] | None:
    """diff/apply round-trip, also through JSON (as the patch travels), without touching ``a``."""
    before = copy.deepcopy(a)
    patch = diff(a, b)
    assert same(apply(a, patch), b)
    wired = json.loads(json.dumps(patch))
    assert same(apply(json.loads(json.dumps(a)), wired), b)
    assert same(a, before), "apply changed its input"
    if same(a, b):
        assert patch is None
    return patch


# ---------------------------------------------------------------------------------------------- meetings
def random_command(sim: Sim, rng: random.Random, joined: list[str]) -> tuple[Actor, Command]:
    st = sim.state
    people = [p for p in st.participants if p.startswith(("p", "room-"))] or ["p1"]
    pid = rng.choice(people)
    motions = list(st.motions) or ["m-1"]
    mid = st.vote.motion_id if st.vote is not None and rng.random() < 0.7 else rng.choice(motions)
    me = resident(rng.choice(joined))
    choices: list[Callable[[], tuple[Actor, Command]]] = [
        lambda: (me, RaiseHand()),
        lambda: (me, RaiseHand()),
        lambda: (me, LowerHand()),
        lambda: (MOD, AddToQueue(pid)),
        lambda: (MOD, RemoveFromQueue(pid)),
        lambda: (MOD, MoveInQueue(rng.choice(st.queue) if st.queue else pid, rng.randint(1, 6))),
        lambda: (MOD, GrantFloor()),
        lambda: (MOD, RevokeFloor()),
        lambda: (resident(st.floor.participant_id) if st.floor else me, YieldFloor()),
        lambda: (MOD, OpenRound()),
        lambda: (MOD, CloseRound()),
        lambda: (TIMER, StartClock()),
        lambda: (TIMER, PauseClock()),
        lambda: (TIMER, ResumeClock()),
        lambda: (TIMER, ExtendClock(rng.randint(1, 60))),
        lambda: (me, MoveMotion(title=f"动议{rng.randint(1, 99)}", text="内容")),
        lambda: (me, SecondMotion(mid)),
        lambda: (me, AmendMotion(mid, text="修改后的内容")),
        lambda: (me, WithdrawMotion(mid)),
        lambda: (MOD, OpenVote(mid, secret=rng.random() < 0.3)),
        lambda: (me, CastVote(mid, rng.choice(list(Choice)))),
        lambda: (REC, RecordShowOfHands(mid, rng.randint(0, 2), rng.randint(0, 1), 0)),
        lambda: (MOD, CloseVote(mid)),
        lambda: (REC, MarkKeyPoint(text=f"要点{rng.randint(1, 999)}")),
        lambda: (REC, CheckInInRoom(name="现场居民", building=f"{rng.randint(1, 9)}号楼")),
        lambda: (REC, CheckOutInRoom(pid)),
        lambda: (MOD, StartAgendaItem(rng.randint(0, 1))),
        lambda: (me, LeaveMeeting()),
    ]
    if st.vote is not None and rng.random() < 0.4:  # votes get cast, and closed, often enough to matter
        return (me, CastVote(mid, rng.choice(list(Choice)))) if rng.random() < 0.8 else (MOD, CloseVote(mid))
    seconded = [m.motion_id for m in st.motions.values() if m.seconder is not None]
    if st.vote is None and seconded and rng.random() < 0.2:
        return MOD, OpenVote(rng.choice(seconded), secret=rng.random() < 0.3)
    if rng.random() < 0.05:
        new = f"p{len(joined) + 1}"
        joined.append(new)
        return resident(new), JoinMeeting(name=f"居民{new}")
    return rng.choice(choices)()


@pytest.mark.parametrize("seed", range(12))
def test_views_of_a_random_meeting_round_trip(seed: int) -> None:
    rng = random.Random(seed)
    sim = running(online=6, room=2)
    joined = [f"p{i}" for i in range(1, 7)]
    prev = public_view(sim.state, None, sim.now)
    accepted = 0
    for _ in range(400):
        if rng.random() < 0.2:
            sim.advance(rng.choice([0.001, 0.5, 7, 40, 200]))
            if rng.random() < 0.5:
                sim.tick()
        actor, cmd = random_command(sim, rng, joined)
        try:
            sim.do(actor, cmd)
        except DomainError:
            continue
        accepted += 1
        new = public_view(sim.state, None, sim.now)
        check(prev, new)
        prev = new
    assert accepted > 100  # the walk got somewhere (votes, floors, motions), not only refusals


def test_the_whole_view_changes_nothing_when_the_state_did_not() -> None:
    sim = running()
    assert diff(public_view(sim.state, None, sim.now), public_view(sim.state, None, sim.now)) is None


def test_a_hand_in_a_meeting_of_300_costs_a_few_hundred_bytes() -> None:
    sim = running(online=300, room=0)
    for i in range(1, 151, 1):
        sim.do(resident(f"p{i}"), RaiseHand())
    before = public_view(sim.state, None, sim.now)
    assert len(json.dumps(before)) > 40_000  # the whole view, as every events message carried it
    sizes = []
    for who, cmd in (("p1", LowerHand()), ("p75", LowerHand()), ("p200", RaiseHand()), ("p2", LowerHand())):
        sim.do(resident(who), cmd)
        after = public_view(sim.state, None, sim.now)
        patch = check(before, after)
        sizes.append(len(json.dumps(patch, ensure_ascii=False)))
        before = after
    # The first hand down renumbers 149 places in the queue, which the patch does not carry.
    assert max(sizes) < 400, sizes


def test_a_moved_entry_is_sent_whole_the_others_not_at_all() -> None:
    sim = running(online=20, room=0)
    for i in range(1, 21):
        sim.do(resident(f"p{i}"), RaiseHand())
    before = public_view(sim.state, None, sim.now)
    sim.do(MOD, MoveInQueue("p20", 1))
    after = public_view(sim.state, None, sim.now)
    patch = check(before, after)
    assert patch is not None
    queue = patch["fields"]["queue"]
    assert queue["by"] == "participant_id" and queue["ordinal"] == "position"
    assert queue["removed"] == ["p20"]
    assert [i for i, _ in queue["inserted"]] == [0]
    assert "changed" not in queue


def test_an_observer_view_is_not_patched_with_you() -> None:
    """Deltas are of the public view; ``you`` is per client and never in a broadcast."""
    sim = running()
    a = public_view(sim.state, None, sim.now)
    sim.do(resident("p1"), RaiseHand())
    patch = diff(a, public_view(sim.state, None, sim.now))
    assert patch is not None and "you" not in patch["fields"]
    assert "you" in public_view(sim.state, Actor("p1", Role.PARTICIPANT), sim.now)


# ---------------------------------------------------------------------------------------------- any JSON
def scalar(rng: random.Random) -> Any:
    return rng.choice([None, True, False, 0, 1, 2, 1.0, 2.5, -3, "", "a", "b", "议题", "1"])


def value(rng: random.Random, depth: int = 0) -> Any:
    r = rng.random()
    if depth > 3 or r < 0.4:
        return scalar(rng)
    if r < 0.65:
        return {rng.choice("abcdef"): value(rng, depth + 1) for _ in range(rng.randint(0, 5))}
    if r < 0.8:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    key = rng.choice(["participant_id", "motion_id", "index"])
    ids = rng.sample(range(12), rng.randint(0, 8))
    entries = [{key: f"k{i}" if key != "index" else i, "x": scalar(rng)} for i in ids]
    if rng.random() < 0.5:
        for pos, e in enumerate(entries):
            e["position"] = pos + 1
    return entries


def mutate(rng: random.Random, v: Any, depth: int = 0) -> Any:
    if rng.random() < 0.15 or depth > 4:
        return value(rng, depth)
    if isinstance(v, dict):
        out = dict(v)
        for k in list(out):
            r = rng.random()
            if r < 0.15:
                del out[k]
            elif r < 0.5:
                out[k] = mutate(rng, out[k], depth + 1)
        if rng.random() < 0.3:
            out[rng.choice("abcdefg")] = value(rng, depth + 1)
        return out
    if isinstance(v, list):
        out_list = [mutate(rng, e, depth + 1) if rng.random() < 0.3 else e for e in v]
        rng.shuffle(out_list) if rng.random() < 0.3 else None
        if out_list and rng.random() < 0.3:
            out_list.pop(rng.randrange(len(out_list)))
        if out_list and all(isinstance(e, dict) and "position" in e for e in out_list):
            out_list = [{**e, "position": i + 1} for i, e in enumerate(out_list)]
        return out_list
    return scalar(rng) if rng.random() < 0.5 else v


@pytest.mark.parametrize("seed", range(40))
def test_random_json_round_trips(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        a = value(rng)
        b = mutate(rng, a)
        check(a, b)
        check(b, a)


def test_types_count_true_is_not_1() -> None:
    for a, b in ((True, 1), (1, 1.0), (0, False), ([1], [True]), ({"x": 1}, {"x": 1.0})):
        patch = check(a, b)
        assert patch is not None


@pytest.mark.parametrize(
    ("base", "patch"),
    [
        ({"a": 1}, {"removed": ["b"]}),
        ({"a": 1}, {"fields": {"b": {"fields": {"c": {"value": 1}}}}}),
        ([{"participant_id": "x"}], {"by": "participant_id", "changed": [["y", {"value": 1}]]}),
        ([{"participant_id": "x"}], {"by": "participant_id", "inserted": [[5, {"participant_id": "z"}]]}),
        ([1, 2], {"by": "participant_id"}),
        ("text", {"fields": {"a": {"value": 1}}}),
        ({"a": 1}, {"nonsense": 1}),
        ({"a": 1}, ["value", 1]),
    ],
)
def test_a_patch_that_does_not_fit_is_refused(base: Any, patch: Any) -> None:
    with pytest.raises(ValueError):
        apply(base, patch)
