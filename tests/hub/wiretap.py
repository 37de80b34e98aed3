"""The attacker of the secret-ballot tests: a client that keeps every message it is sent, and tries to
recover each secret choice (or voter) from what it got by re-hashing records with every guess."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

from meeting_server.core.delta import apply as apply_delta
from meeting_server.core.motion_events import SECRET_BALLOT_ACTOR, SECRET_BALLOT_ROLE
from meeting_server.core.roles import Role
from meeting_server.store.records import GENESIS_HASH, canonical, record_hash
from tests.support.hub import Peer

CHOICES = ("yes", "no", "abstain")
ROLES = (*(r.value for r in Role), SECRET_BALLOT_ROLE)
BALLOT_TYPES = ("BallotCast", "SecretBallotCast")


class Wiretap(Peer):
    """A Peer that also keeps every raw ``events`` and ``welcome`` message, exactly as received."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url, token)
        self.raw: list[tuple[str, dict[str, Any]]] = []

    async def _on_events(self, msg: dict[str, Any]) -> None:
        self.raw.append(("events", json.loads(json.dumps(msg))))
        await super()._on_events(msg)

    async def _on_welcome(self, msg: dict[str, Any]) -> None:
        self.raw.append(("welcome", json.loads(json.dumps(msg))))
        await super()._on_welcome(msg)

    def records(self) -> list[dict[str, Any]]:
        """Every record copy received (replayed in a welcome or broadcast live), duplicates kept."""
        out: list[dict[str, Any]] = []
        for _, msg in self.raw:
            out.extend(msg.get("events", []))
        return out

    def served_hashes(self) -> set[str]:
        """Every hash the client was given: of records, and the welcome's head hash."""
        hashes = {r["hash"] for r in self.records() if r.get("hash")}
        hashes |= {m["head_hash"] for kind, m in self.raw if kind == "welcome" and m.get("head_hash")}
        return hashes


def rehash(
    meeting_id: str, rec: dict[str, Any], prev: str, *, actor: str, role: str, type_: str, payload: Any
) -> str:
    return record_hash(meeting_id, rec["seq"], rec["ts"], actor, role, type_, canonical(payload), prev)


def checkable(meeting_id: str, rec: dict[str, Any], prev: str) -> bool:
    """Whether a served record re-hashes to its served hash (for some role: the wire omits it)."""
    return any(
        rehash(
            meeting_id, rec, prev, actor=rec["actor"], role=role, type_=rec["type"], payload=rec["payload"]
        )
        == rec["hash"]
        for role in ROLES
    )


def guesses(rec: dict[str, Any], voters: Iterable[str]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(actor, role, type, payload) of every plausible plaintext a ballot record might have been hashed
    from: each voter as actor and in the payload, each choice, the served payload with a choice added."""
    served = rec["payload"]
    base = {"motion_id": served.get("motion_id"), "at": served.get("at")}
    for pid, choice in itertools.product(voters, CHOICES):
        payloads = [
            {**base, "participant_id": pid, "choice": choice},
            {**served, "choice": choice},
            {**served, "participant_id": pid, "choice": choice},
            {**base, "choice": choice},
        ]
        yield from itertools.product((pid, rec["actor"], SECRET_BALLOT_ACTOR), ROLES, BALLOT_TYPES, payloads)


def attack(meeting_id: str, tap: Wiretap, voters: list[str], secret_motion: str) -> dict[str, int]:
    """Try to recover secret choices from everything ``tap`` received; returns what it found (all zero is
    the expected outcome) and asserts the facts that do not need guessing."""
    found = {"hash_matches": 0, "voter_mentions": 0, "choice_fields": 0}
    copies = tap.records()
    by_seq: dict[int, dict[str, Any]] = {}
    for rec in copies:
        by_seq.setdefault(rec["seq"], rec)
    served = tap.served_hashes()
    ballots = [
        r for r in copies if r["type"] in BALLOT_TYPES and r["payload"].get("motion_id") == secret_motion
    ]
    assert ballots, "the observer saw no secret ballot at all"
    for rec in ballots:
        text = json.dumps(rec, ensure_ascii=False)
        found["voter_mentions"] += sum(pid in text for pid in voters)
        found["voter_mentions"] += rec["actor"] in voters
        found["choice_fields"] += "choice" in rec["payload"]
        prev_rec = by_seq.get(rec["seq"] - 1)
        prevs = {prev_rec["hash"]} if prev_rec is not None and prev_rec.get("hash") else set()
        if rec["seq"] == 1:
            prevs = {GENESIS_HASH}
        following = by_seq.get(rec["seq"] + 1)
        for actor, role, type_, payload in guesses(rec, voters):
            for prev in prevs or {GENESIS_HASH}:
                guess = rehash(meeting_id, rec, prev, actor=actor, role=role, type_=type_, payload=payload)
                found["hash_matches"] += guess in served
                # The next record chains over this one: a guessed hash as its prev must not fit either.
                if following is not None and following.get("hash"):
                    nxt = rehash(
                        meeting_id,
                        following,
                        guess,
                        actor=following["actor"],
                        role=_role_of(meeting_id, following, by_seq),
                        type_=following["type"],
                        payload=following["payload"],
                    )
                    found["hash_matches"] += nxt == following["hash"]
    # Nothing about a secret vote in any view names a voter or a choice while it is open.
    view: dict[str, Any] = {}
    for _kind, msg in tap.raw:
        # A welcome carries the whole view; events carry it whole or as a delta on the one before.
        if "view" in msg:
            view = msg["view"]
        elif "delta" in msg:
            view = apply_delta(view, msg["delta"])
        vote = view.get("vote")
        if vote is not None and vote.get("motion_id") == secret_motion:
            text = json.dumps(vote)
            found["voter_mentions"] += sum(pid in text for pid in voters)
            found["choice_fields"] += "voters" in vote or "online" in vote
    return found


def _role_of(meeting_id: str, rec: dict[str, Any], by_seq: dict[int, dict[str, Any]]) -> str:
    """The role a served record was hashed with (found by trying them all against its own hash)."""
    prev = by_seq.get(rec["seq"] - 1)
    prev_hash = prev["hash"] if prev is not None and prev.get("hash") else GENESIS_HASH
    for role in ROLES:
        got = rehash(
            meeting_id,
            rec,
            prev_hash,
            actor=rec["actor"],
            role=role,
            type_=rec["type"],
            payload=rec["payload"],
        )
        if got == rec["hash"]:
            return role
    return Role.PARTICIPANT.value
