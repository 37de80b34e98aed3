"""A secret vote publishes its choices only as totals: with one resident voting online and the rest in the
hall, a split by channel (or the hall's count, less from the totals) would be that resident's ballot. Per
channel only the number of ballots is kept, and the hall's count of a show-of-hands (paper ballot) secret
vote is shown to no one; a resident whose secrecy cannot hold (few online ballots) is told before casting.
A named (show-of-hands or per-person) vote keeps its split."""

from __future__ import annotations

import json

import pytest

from meeting_server.core.commands import (
    CastVote,
    CloseVote,
    MoveMotion,
    OpenVote,
    RecordShowOfHands,
    SecondMotion,
)
from meeting_server.core.motion_events import VoteClosed
from meeting_server.core.payload import to_payload
from meeting_server.core.registry import load_event
from meeting_server.core.values import BallotsByChannel, ByChannel, Choice, Counts
from meeting_server.core.view import public_view

from .sim import MOD, OBS, P1, REC, Sim, running
from .vote_sim import A2, PA, UNIT, A, B, C, D, E, meeting


def _closed(secret: bool) -> VoteClosed:
    # 王阿姨 (a) is the unit's only resident online; the other three of the unit are in the hall.
    sim = meeting(online=(A, D, E), room=(A2, B, C))
    sim.do(MOD, OpenVote("m1", secret=secret, rule=UNIT))
    sim.do(PA, CastVote("m1", Choice.YES))
    for pid, choice in (("per-a2", Choice.NO), ("per-b", Choice.NO), ("per-c", Choice.ABSTAIN)):
        sim.do(REC, CastVote("m1", choice, on_behalf_of=pid))
    (closed,) = [e for e in sim.do(MOD, CloseVote("m1")) if isinstance(e, VoteClosed)]
    result = public_view(sim.state, OBS, sim.now)["results"][0]
    assert result["ballots"] == {"online": 1, "room": 3}
    if secret:
        assert result["counts"] is None
    else:
        assert result["counts"] == to_payload(closed.counts)
    return closed


def test_a_secret_per_person_vote_keeps_no_choice_by_channel() -> None:
    closed = _closed(secret=True)
    assert closed.counts is None and closed.channel_choices() is None
    assert closed.ballots == BallotsByChannel(online=1, room=3)
    assert closed.totals == Counts(1, 2, 1)
    # The record itself: nothing in it names a channel's yes/no/abstain.
    payload = to_payload(closed)
    assert payload["counts"] is None and payload["ballots"] == {"online": 1, "room": 3}
    assert '"yes"' not in json.dumps({k: v for k, v in payload.items() if k not in ("totals", "sums")})
    assert load_event("VoteClosed", json.loads(json.dumps(payload))) == closed


def test_a_named_per_person_vote_keeps_its_split() -> None:
    closed = _closed(secret=False)
    assert closed.counts == ByChannel(online=Counts(1, 0, 0), room=Counts(0, 2, 1))
    assert closed.ballots == BallotsByChannel(online=1, room=3)


@pytest.mark.parametrize("secret", [True, False])
def test_an_old_log_loads_and_a_secret_split_is_no_longer_shown(secret: bool) -> None:
    """A log written before ``ballots`` kept the split for every vote: it still loads as written; the
    view and the minutes (``channel_choices``) no longer show it for a secret vote."""
    new = to_payload(_closed(secret=secret))
    old = {k: v for k, v in new.items() if k != "ballots"}
    old["counts"] = {"online": {"yes": 1, "no": 0, "abstain": 0}, "room": {"yes": 0, "no": 2, "abstain": 1}}
    event = load_event("VoteClosed", old)
    assert isinstance(event, VoteClosed) and event.ballots is None
    assert event.counts == ByChannel(Counts(1, 0, 0), Counts(0, 2, 1))  # not reinterpreted
    assert event.ballots_by_channel() == BallotsByChannel(1, 3)
    assert (event.channel_choices() is None) is secret


def _show_of_hands(online: int) -> Sim:
    """A secret vote of the whole meeting (the hall counted as one number), ``online`` residents online and
    two in the hall; the hall's count entered: one yes, one no."""
    sim = running(online=online, room=2)
    sim.do(MOD, MoveMotion("东门车位", "增设十个车位"))
    sim.do(P1, SecondMotion("m1"))
    sim.do(MOD, OpenVote("m1", secret=True))
    sim.do(REC, RecordShowOfHands("m1", yes=1, no=1, abstain=0))
    return sim


def test_a_secret_show_of_hands_vote_keeps_the_hall_count_out_of_every_view() -> None:
    """The hall part of a secret vote (paper ballots) is entered as one count; nobody is shown it — not
    while the vote is open, not by channel at the close — so it cannot be taken from the totals."""
    sim = _show_of_hands(online=1)
    vote = public_view(sim.state, OBS, sim.now)["vote"]
    assert vote["room"] is None and vote["room_entered"] is True
    assert public_view(sim.state, REC, sim.now)["vote"]["room"] is None  # nor to the recorder's page
    # One resident online: her view says her choice cannot stay secret (the page warns above the buttons);
    # the ballot is still hers to cast.
    assert vote["secrecy_at_risk"] is True and vote["eligible_online"] == 1
    sim.do(P1, CastVote("m1", Choice.YES))
    (closed,) = [e for e in sim.do(MOD, CloseVote("m1")) if isinstance(e, VoteClosed)]
    assert closed.counts is None and closed.channel_choices() is None
    assert closed.ballots == BallotsByChannel(online=1, room=2) and closed.totals == Counts(2, 1, 0)
    result = public_view(sim.state, OBS, sim.now)["results"][0]
    assert result["counts"] is None and result["ballots"] == {"online": 1, "room": 2}


def test_enough_online_voters_are_not_warned() -> None:
    sim = _show_of_hands(online=3)
    assert public_view(sim.state, OBS, sim.now)["vote"]["secrecy_at_risk"] is False
    sim.do(P1, CastVote("m1", Choice.NO))  # no acknowledgement needed


def test_a_named_show_of_hands_vote_shows_the_hall_count() -> None:
    sim = running(online=1, room=2)
    sim.do(MOD, MoveMotion("东门车位", "增设十个车位"))
    sim.do(P1, SecondMotion("m1"))
    sim.do(MOD, OpenVote("m1"))
    sim.do(REC, RecordShowOfHands("m1", yes=1, no=1, abstain=0))
    vote = public_view(sim.state, OBS, sim.now)["vote"]
    assert vote["room"] == {"yes": 1, "no": 1, "abstain": 0} and vote["secrecy_at_risk"] is False
