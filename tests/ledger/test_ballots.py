"""The sealing of a secret ballot: it opens with its key only, the tag is stable per voter and motion,
the sealed text has one length whatever the choice, and nothing in it changes without detection."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from meeting_server.core.motion_events import BallotCast, SecretBallotCast, ShowOfHandsRecorded
from meeting_server.core.payload import to_payload
from meeting_server.core.registry import load_event
from meeting_server.core.values import Choice
from meeting_server.ledger.ballots import (
    SealError,
    open_count,
    open_sealed,
    seal,
    seal_count,
    voter_tag,
)

KEY = bytes(range(32))
OTHER = bytes(range(1, 33))


def _nonce(n: int) -> bytes:
    return n.to_bytes(12, "big")


def test_a_sealed_ballot_opens_to_the_same_ballot_and_round_trips_through_the_log() -> None:
    ballot = BallotCast("m1", "par-0a1b2c3d4e", Choice.ABSTAIN, 1234.5)
    sealed = seal(KEY, "mtg", ballot, _nonce(1))
    stored = load_event(sealed.name, to_payload(sealed))
    assert isinstance(stored, SecretBallotCast)
    assert open_sealed(KEY, "mtg", stored) == ballot
    assert "par-0a1b2c3d4e" not in str(to_payload(sealed)) and "abstain" not in str(to_payload(sealed))


def test_only_its_key_and_its_meeting_open_it() -> None:
    sealed = seal(KEY, "mtg", BallotCast("m1", "p1", Choice.YES, 1.0), _nonce(1))
    with pytest.raises(SealError):
        open_sealed(OTHER, "mtg", sealed)
    with pytest.raises(SealError):
        open_sealed(KEY, "another-meeting", sealed)
    for field in ("motion_id", "voter"):
        with pytest.raises(SealError):
            open_sealed(KEY, "mtg", dataclasses.replace(sealed, **{field: "x" + getattr(sealed, field)[1:]}))
    flipped = sealed.sealed[:-3] + ("A" if sealed.sealed[-3] != "A" else "B") + sealed.sealed[-2:]
    with pytest.raises(SealError):
        open_sealed(KEY, "mtg", dataclasses.replace(sealed, sealed=flipped))


def test_the_voter_tag_is_stable_per_motion_and_says_nothing_without_the_key() -> None:
    assert voter_tag(KEY, "mtg", "m1", "p1") == voter_tag(KEY, "mtg", "m1", "p1")
    tags = {voter_tag(KEY, "mtg", m, p) for m in ("m1", "m2") for p in ("p1", "p2")}
    assert len(tags) == 4  # another motion, another person: another tag
    assert voter_tag(OTHER, "mtg", "m1", "p1") != voter_tag(KEY, "mtg", "m1", "p1")
    assert voter_tag(KEY, "mtg", "m1", "p1") != voter_tag(KEY, "mtgm", "1", "p1")  # fields cannot slide


def test_every_choice_seals_to_the_same_length_and_a_new_nonce_each_time() -> None:
    sealed = [
        seal(KEY, "mtg", BallotCast("m1", pid, choice, 1.0), _nonce(n))
        for n, (pid, choice) in enumerate(itertools.product(("p1", "par-0123456789"), Choice), start=1)
    ]
    assert len({len(s.sealed) for s in sealed}) == 1
    again = seal(KEY, "mtg", BallotCast("m1", "p1", Choice.YES, 1.0), _nonce(99))
    assert again.sealed != sealed[0].sealed and again.voter == sealed[0].voter
    with pytest.raises(ValueError):
        seal(KEY, "mtg", BallotCast("m1", "p1", Choice.YES, 1.0), b"short")


def test_an_in_room_ballot_keeps_who_entered_it_inside_the_seal() -> None:
    entered = BallotCast("m1", "per-r17", Choice.NO, 9.0, entered_by="rec-记录员0001")
    plain = BallotCast("m1", "per-r18", Choice.YES, 9.0)
    sealed, other = seal(KEY, "mtg", entered, _nonce(2)), seal(KEY, "mtg", plain, _nonce(3))
    assert open_sealed(KEY, "mtg", sealed) == entered
    assert "rec-" not in str(to_payload(sealed)) and "per-r17" not in str(to_payload(sealed))
    # Entered by the recorder or not, the sealed text has one length: it does not tell a hall ballot apart.
    assert len(sealed.sealed) == len(other.sealed)


def test_a_secret_votes_hall_count_seals_to_its_ballots_alone() -> None:
    """The hall's count of a secret vote (its paper ballots): the log keeps how many, never the choices;
    it opens with the key and the meeting alone, every split of the same number seals to the same length,
    and a changed number no longer opens."""
    counts = [
        ShowOfHandsRecorded("m1", y, n, 5 - y - n, "rec-1", 9.0) for y in range(6) for n in range(6 - y)
    ]
    sealed = [seal_count(KEY, "mtg", c, bytes([i]) * 12) for i, c in enumerate(counts)]
    assert {s.ballots for s in sealed} == {5} and len({len(s.sealed) for s in sealed}) == 1
    for c, s in zip(counts, sealed, strict=True):
        assert set(to_payload(s)) == {"motion_id", "ballots", "sealed", "by", "at"}
        assert load_event("SealedHallCount", to_payload(s)) == s
        assert open_count(KEY, "mtg", s) == c
    with pytest.raises(SealError):
        open_count(bytes(32), "mtg", sealed[0])
    with pytest.raises(SealError):
        open_count(KEY, "other", sealed[0])
    with pytest.raises(SealError):
        open_count(KEY, "mtg", dataclasses.replace(sealed[0], ballots=4))
