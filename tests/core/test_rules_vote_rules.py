"""Voting rules as practised (core.vote_rules): scope, quorum from the scope, thresholds, households, 民法典
art. 278, in-room ballots. Every expected value below is written by hand from the rule text in the module
docstring (and art. 278's wording), not computed by the code under test."""

from __future__ import annotations

import pytest

from meeting_server.core.commands import (
    CastVote,
    CloseVote,
    OpenVote,
    RecordShowOfHands,
)
from meeting_server.core.electorate import Elector
from meeting_server.core.errors import ErrorCode
from meeting_server.core.evolve import evolve
from meeting_server.core.motion_events import BallotCast, VoteClosed
from meeting_server.core.payload import to_payload
from meeting_server.core.redact import public_payload
from meeting_server.core.registry import Command, load_event
from meeting_server.core.roles import Actor
from meeting_server.core.values import Choice, Counts, Threshold
from meeting_server.core.view import public_view
from meeting_server.core.vote_rules import (
    Art278,
    Scope,
    VoteRule,
    VoteSums,
    art278_result,
    result_text,
    rule_label,
    scoped_quorum,
    threshold_passes,
)

from .sim import MOD, OBS, REC, TIMER
from .vote_sim import (
    ART_MAJOR,
    PA,
    PA2,
    PB,
    PD,
    PLAIN,
    PN,
    RULES,
    UNIT,
    A,
    B,
    C,
    D,
    E,
    meeting,
    person,
)

OK = None
# (case, actor, command) → the expected code per rule, by hand. ``a2 after a`` casts after a has voted.
# Under a per-person rule a listener-free roster meeting still refuses non-voting-rights people (n) and
# people outside the scope: not_in_scope; the recorder enters hall ballots only under per-person rules.
MATRIX: list[tuple[str, Actor, Command, dict[str, ErrorCode | None]]] = [
    (
        "a (unit 2) votes",
        PA,
        CastVote("m1", Choice.YES),
        {"plain": OK, "unit": OK, "delegates": ErrorCode.NOT_IN_SCOPE, "household": OK, "art278": OK},
    ),
    (
        "d (unit 1, delegate) votes",
        PD,
        CastVote("m1", Choice.YES),
        {
            "plain": OK,
            "unit": ErrorCode.NOT_IN_SCOPE,
            "delegates": OK,
            "household": ErrorCode.NOT_IN_SCOPE,
            "art278": ErrorCode.NOT_IN_SCOPE,
        },
    ),
    (
        "n (unit 2, no voting rights) votes",
        PN,
        CastVote("m1", Choice.NO),
        {
            "plain": OK,
            "unit": ErrorCode.NOT_IN_SCOPE,
            "delegates": ErrorCode.NOT_IN_SCOPE,
            "household": ErrorCode.NOT_IN_SCOPE,
            "art278": ErrorCode.NOT_IN_SCOPE,
        },
    ),
    (
        "recorder enters c's ballot (in the hall)",
        REC,
        CastVote("m1", Choice.YES, on_behalf_of="per-c"),
        {
            "plain": ErrorCode.FORBIDDEN,
            "unit": OK,
            "delegates": ErrorCode.NOT_IN_SCOPE,
            "household": OK,
            "art278": OK,
        },
    ),
    (
        "recorder enters b's ballot (online)",
        REC,
        CastVote("m1", Choice.YES, on_behalf_of="per-b"),
        {r: ErrorCode.FORBIDDEN for r in RULES},
    ),
    (
        "moderator enters c's ballot",
        MOD,
        CastVote("m1", Choice.YES, on_behalf_of="per-c"),
        {r: ErrorCode.FORBIDDEN for r in RULES},
    ),
    ("moderator votes", MOD, CastVote("m1", Choice.YES), {r: ErrorCode.FORBIDDEN for r in RULES}),
    ("observer votes", OBS, CastVote("m1", Choice.YES), {r: ErrorCode.FORBIDDEN for r in RULES}),
    ("timer votes", TIMER, CastVote("m1", Choice.YES), {r: ErrorCode.FORBIDDEN for r in RULES}),
    ("recorder votes for itself", REC, CastVote("m1", Choice.YES), {r: ErrorCode.FORBIDDEN for r in RULES}),
    (
        "a resident enters c's ballot",
        PA,
        CastVote("m1", Choice.YES, on_behalf_of="per-c"),
        {r: ErrorCode.FORBIDDEN for r in RULES},
    ),
    ("recorder closes", REC, CloseVote("m1"), {r: ErrorCode.FORBIDDEN for r in RULES}),
    (
        # c is in the hall: a plain vote waits for the show of hands; a per-person one has none to wait for.
        "moderator closes at once",
        MOD,
        CloseVote("m1"),
        {"plain": ErrorCode.HALL_COUNT_MISSING, **{r: OK for r in RULES if r != "plain"}},
    ),
    (
        "recorder counts hands",
        REC,
        RecordShowOfHands("m1", 1, 0, 0),
        {"plain": OK, **{r: ErrorCode.WRONG_STATE for r in RULES if r != "plain"}},
    ),
]


@pytest.mark.parametrize("rule_name", list(RULES))
@pytest.mark.parametrize(("case", "actor", "command", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
def test_role_command_rule_matrix(
    rule_name: str, case: str, actor: Actor, command: Command, expected: dict[str, ErrorCode | None]
) -> None:
    sim = meeting()
    sim.do(MOD, OpenVote("m1", rule=RULES[rule_name]))
    want = expected[rule_name]
    if want is None:
        assert sim.do(actor, command), case
    else:
        assert sim.refuse(actor, command) is want, case


@pytest.mark.parametrize(
    ("rule_name", "second"), [("plain", OK), ("unit", OK), ("household", ErrorCode.HOUSEHOLD_VOTED)]
)
def test_one_vote_per_household(rule_name: str, second: ErrorCode | None) -> None:
    sim = meeting()
    sim.do(MOD, OpenVote("m1", rule=RULES[rule_name]))
    sim.do(PA, CastVote("m1", Choice.YES))
    if second is None:
        assert sim.do(PA2, CastVote("m1", Choice.NO))
    else:
        assert sim.refuse(PA2, CastVote("m1", Choice.NO)) is second


def test_art278_household_mode_is_implied() -> None:
    sim = meeting()
    sim.do(MOD, OpenVote("m1", rule=ART_MAJOR))
    sim.do(PA, CastVote("m1", Choice.YES))
    assert sim.refuse(PA2, CastVote("m1", Choice.YES)) is ErrorCode.HOUSEHOLD_VOTED


def test_an_area_rule_with_an_unknown_area_refuses_to_open_and_names_the_household() -> None:
    sim = meeting()
    rule = VoteRule(scope=Scope.BUILDING, building="5栋", art278=Art278.ORDINARY)
    assert sim.refuse(MOD, OpenVote("m1", rule=rule)) is ErrorCode.AREA_UNKNOWN
    with pytest.raises(Exception, match="5栋 1单元 101"):
        sim.do(MOD, OpenVote("m1", rule=rule))


def test_the_unit_vote_quorum_counts_the_units_roster_not_the_meeting() -> None:
    # Unit 2 has 4 voting persons (a, a2, b, c; n has no voting rights): quorum = floor(0.5 × 4) + 1 = 3.
    # The meeting's own quorum (expected 10 → 6) would refuse this vote.
    sim = meeting(online=(A, B, D, E), room=())
    assert sim.refuse(MOD, OpenVote("m1", rule=UNIT)) is ErrorCode.NO_QUORUM  # a, b present: 2 < 3
    assert sim.refuse(MOD, OpenVote("m1", rule=PLAIN)) is ErrorCode.NO_QUORUM  # 4 < 6
    sim = meeting(online=(A, B, D, E), room=(C,))
    sim.do(MOD, OpenVote("m1", rule=UNIT))
    poll = sim.state.vote
    assert poll is not None
    assert (poll.present, poll.quorum_min, poll.heads_in_scope, poll.quorum_basis) == (3, 3, 4, "scope")
    assert poll.eligible_online == {"per-a", "per-b"} and poll.eligible_room == {"per-c"}


def test_the_elevator_vote_closes_with_its_rule_and_sums() -> None:
    sim = meeting()
    sim.do(MOD, OpenVote("m1", rule=UNIT))
    sim.do(PA, CastVote("m1", Choice.YES))
    sim.do(PA2, CastVote("m1", Choice.YES))
    sim.do(PB, CastVote("m1", Choice.NO))
    events = sim.do(REC, CastVote("m1", Choice.YES, on_behalf_of="per-c"))
    assert isinstance(events[0], BallotCast) and events[0].entered_by == "rec"
    closed = sim.do(MOD, CloseVote("m1"))[0]
    assert isinstance(closed, VoteClosed)
    # 3 yes of 4 cast = exactly 3/4: carried (≥).
    assert closed.passed and closed.totals == Counts(3, 1, 0)
    assert closed.counts.online == Counts(2, 1, 0) and closed.counts.room == Counts(1, 0, 0)
    assert closed.sums == VoteSums("scope", 4, 4, 4, 3)
    text = public_view(sim.state, MOD, sim.now)["results"][0]["rule_text"]
    assert "3栋2单元住户" in text and "共 4 人" in text and "四分之三" in text and "结果：通过" in text


def _art278_meeting(yes: tuple[Elector, ...], no: tuple[Elector, ...]) -> VoteClosed:
    sim = meeting()
    sim.do(MOD, OpenVote("m1", rule=ART_MAJOR))
    for e in yes:
        actor = REC if e is C else person(e)
        sim.do(actor, CastVote("m1", Choice.YES, on_behalf_of="per-c" if e is C else None))
    for e in no:
        sim.do(person(e), CastVote("m1", Choice.NO))
    closed = sim.do(MOD, CloseVote("m1"))[0]
    assert isinstance(closed, VoteClosed)
    return closed


def test_art278_major_counted_by_households_and_area() -> None:
    # Unit 2 households with voting rights: 301 (90), 302 (80), 401 (100) → 3 households, 270 m².
    # a (301) and c (401) yes, b (302) no: all 3 take part (270 m²); yes 2/3 households < 3/4 → fails.
    closed = _art278_meeting((A, C), (B,))
    assert closed.sums == VoteSums("scope", 3, 3, 3, 2, 27000, 27000, 19000, True)
    assert not closed.passed
    # All three yes: carried.
    assert _art278_meeting((A, B, C), ()).passed


def test_art278_opening_needs_two_thirds_of_households_and_area_present() -> None:
    # Only 302 (80 m²) and 301 (90 m²) present: 2 of 3 households ≥ 2/3, but 170 of 270 m² < 2/3 → refused.
    sim = meeting(online=(A, B, D, E), room=())
    assert sim.refuse(MOD, OpenVote("m1", rule=ART_MAJOR)) is ErrorCode.NO_QUORUM


def test_a_malformed_fraction_is_refused() -> None:
    sim = meeting()
    for n, d in ((0, 3), (3, 3), (5, 4), (50, 101)):
        rule = VoteRule(threshold=Threshold.FRACTION, numerator=n, denominator=d)
        assert sim.refuse(MOD, OpenVote("m1", rule=rule)) is ErrorCode.INVALID


def test_an_old_client_threshold_still_works() -> None:
    sim = meeting()
    sim.do(MOD, OpenVote("m1", threshold=Threshold.TWO_THIRDS))
    assert sim.state.vote is not None and sim.state.vote.rule == VoteRule(threshold=Threshold.TWO_THIRDS)


def test_an_outsider_sees_why_in_the_view() -> None:
    sim = meeting()
    sim.do(MOD, OpenVote("m1", rule=UNIT))
    assert public_view(sim.state, PD, sim.now)["you"]["out_of_scope"] == "本次表决仅限3栋2单元住户参加"
    assert public_view(sim.state, PA, sim.now)["you"]["out_of_scope"] is None


@pytest.mark.parametrize("secret", [False, True])
def test_hall_ballots_in_running_counts_only_for_a_named_vote(secret: bool) -> None:
    sim = meeting(running_counts=True)
    sim.do(MOD, OpenVote("m1", secret=secret, rule=UNIT))
    sim.do(PA, CastVote("m1", Choice.YES))
    sim.do(REC, CastVote("m1", Choice.NO, on_behalf_of="per-c"))
    vote = public_view(sim.state, None, sim.now)["vote"]
    assert vote["ballots_cast"] == 2 and vote["room_eligible"] == 1
    if secret:
        assert vote["room"] is None and "online" not in vote and "voters" not in vote
        assert "per-c" not in str(vote) and "per-a" not in str(vote)
    else:
        assert vote["online"] == {"yes": 1, "no": 0, "abstain": 0}
        assert vote["room"] == {"yes": 0, "no": 1, "abstain": 0}


# (threshold, n/d, yes, no, abstain, present, carried): each boundary exactly at its fraction, by hand.
THRESHOLDS: list[tuple[Threshold, int, int, int, int, int, int, bool]] = [
    (Threshold.MAJORITY_CAST, 0, 0, 5, 5, 0, 10, False),  # a tie fails
    (Threshold.MAJORITY_CAST, 0, 0, 6, 5, 9, 20, True),
    (Threshold.MAJORITY_CAST, 0, 0, 0, 0, 3, 3, False),
    (Threshold.MAJORITY_PRESENT, 0, 0, 5, 0, 0, 10, False),  # exactly half of present
    (Threshold.MAJORITY_PRESENT, 0, 0, 6, 4, 0, 11, True),
    (Threshold.TWO_THIRDS, 0, 0, 2, 1, 0, 3, True),  # exactly 2/3
    (Threshold.TWO_THIRDS, 0, 0, 19, 10, 4, 29, False),  # 19/29 < 2/3
    (Threshold.TWO_THIRDS, 0, 0, 0, 0, 2, 2, False),
    (Threshold.THREE_QUARTERS, 0, 0, 3, 1, 0, 4, True),  # exactly 3/4
    (Threshold.THREE_QUARTERS, 0, 0, 74, 26, 0, 100, False),
    (Threshold.THREE_QUARTERS, 0, 0, 75, 25, 7, 107, True),
    (Threshold.FRACTION, 3, 5, 3, 2, 0, 5, True),  # exactly 3/5
    (Threshold.FRACTION, 3, 5, 5, 4, 0, 9, False),  # 5/9 < 3/5
    (Threshold.FRACTION, 1, 2, 4, 4, 0, 8, True),  # 1/2 means at least half: a tie passes
    (Threshold.FRACTION, 99, 100, 99, 1, 0, 100, True),
    (Threshold.FRACTION, 99, 100, 98, 1, 0, 99, False),  # 98/99 < 99/100
    (Threshold.FRACTION, 1, 3, 0, 0, 0, 0, False),
]


@pytest.mark.parametrize(("threshold", "n", "d", "yes", "no", "abstain", "present", "carried"), THRESHOLDS)
def test_threshold_boundaries(
    threshold: Threshold, n: int, d: int, yes: int, no: int, abstain: int, present: int, carried: bool
) -> None:
    rule = VoteRule(threshold=threshold, numerator=n, denominator=d)
    assert threshold_passes(rule, Counts(yes, no, abstain), present) is carried


# (art278, households in scope, voted, yes, area in scope, voted, yes) → (participation, carried), by hand.
ART278: list[tuple[Art278, int, int, int, int, int, int, bool, bool]] = [
    (Art278.MAJOR, 30, 20, 15, 3000, 2000, 1500, True, True),  # exactly 2/3 and exactly 3/4, both
    (Art278.MAJOR, 30, 19, 19, 3000, 2900, 2900, False, False),  # 19 of 30 households < 2/3
    (Art278.MAJOR, 30, 30, 30, 3000, 1999, 1999, False, False),  # area 1999 of 3000 < 2/3
    (Art278.MAJOR, 30, 20, 14, 3000, 2000, 1900, True, False),  # 14 of 20 households < 3/4
    (Art278.MAJOR, 30, 20, 16, 3000, 2000, 1499, True, False),  # area 1499 of 2000 < 3/4
    (Art278.ORDINARY, 30, 20, 11, 3000, 2000, 1001, True, True),  # both just over half
    (Art278.ORDINARY, 30, 20, 10, 3000, 2000, 1900, True, False),  # exactly half the households: not 过半
    (Art278.ORDINARY, 30, 20, 15, 3000, 2000, 1000, True, False),  # exactly half the area
]


@pytest.mark.parametrize(("art", "hh", "hv", "hy", "ar", "av", "ay", "part", "carried"), ART278)
def test_art278_boundaries(
    art: Art278, hh: int, hv: int, hy: int, ar: int, av: int, ay: int, part: bool, carried: bool
) -> None:
    rule = VoteRule(scope=Scope.RESIDENTS, art278=art)
    assert art278_result(rule, VoteSums("scope", hh, hv, hv, hy, ar, av, ay)) == (part, carried)


# (quorum_ratio, roster members in scope) → the fewest present, by hand: strictly more than ratio × base.
SCOPED_QUORUM = [
    (0.5, 4, 3),
    (0.5, 5, 3),
    (0.5, 1, 1),
    (0.6667, 30, 21),
    (2 / 3, 3, 3),
    (1.0, 4, 4),
    (0.25, 8, 3),
]


@pytest.mark.parametrize(("ratio", "base", "least"), SCOPED_QUORUM)
def test_scoped_quorum_boundaries(ratio: float, base: int, least: int) -> None:
    assert scoped_quorum(ratio, base) == least


def test_the_art278_texts() -> None:
    ordinary = VoteRule(scope=Scope.UNIT, building="3栋", unit="2单元", art278=Art278.ORDINARY)
    assert rule_label(ordinary) == (
        "表决范围：3栋2单元住户；通过标准：按《民法典》第278条双过半：双三分之二参与、参与表决面积与户数均过半同意"
    )
    sums = VoteSums("scope", 3, 3, 2, 2, 27000, 17000, 17000, False)
    text = result_text(ordinary, sums, False)
    assert "3栋2单元住户共 3 户，开始表决时到会 3 户；投票 2 户，赞成 2 户" in text
    assert "参与表决 170.00 m²" in text and "参与表决要求未达到" in text and text.endswith("结果：未通过")


def test_a_plain_rule_says_its_quorum_is_the_meetings() -> None:
    sim = meeting()
    sim.do(MOD, OpenVote("m1", rule=VoteRule(threshold=Threshold.THREE_QUARTERS)))
    sim.do(PA, CastVote("m1", Choice.YES))
    sim.do(REC, RecordShowOfHands("m1", 0, 0, 1))
    sim.do(MOD, CloseVote("m1"))
    text = public_view(sim.state, None, sim.now)["results"][0]["rule_text"]
    # 7 present (6 online, 1 in the hall); 1 yes of 1 cast ≥ 3/4.
    assert "表决范围：全体到会居民" in text and "开始表决时到会 7 人（法定人数按本次会议应到人数计）" in text
    assert text.endswith("结果：通过")


def test_a_legacy_plaintext_secret_hall_ballot_reaches_clients_without_voter_or_recorder() -> None:
    sim = meeting()
    sim.do(MOD, OpenVote("m1", secret=True, rule=UNIT))
    (ballot,) = sim.do(REC, CastVote("m1", Choice.NO, on_behalf_of="per-c"))
    assert isinstance(ballot, BallotCast) and ballot.entered_by == "rec"
    # Written in plaintext (as logs before sealing were): clients get the motion and the time only.
    sent = public_payload(sim.state, ballot.name, to_payload(ballot))
    assert sent == {"motion_id": "m1", "at": ballot.at}


def test_a_log_from_before_voting_rules_still_folds() -> None:
    sim = meeting()
    old = {  # a VoteOpened as written before rules existed: no rule, no hall list, no scope sums
        "motion_id": "m1",
        "secret": False,
        "threshold": "two_thirds",
        "present": 7,
        "quorum_min": 6,
        "eligible_online": ["per-a"],
        "room_present": 1,
        "by": "mod",
        "at": sim.now,
    }
    state = evolve(sim.state, load_event("VoteOpened", old))
    assert state.vote is not None and state.vote.rule == VoteRule(threshold=Threshold.TWO_THIRDS)
    assert not state.vote.rule.per_person and state.vote.quorum_basis == "meeting"
