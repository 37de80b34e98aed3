"""Signed join links and sessions."""

from __future__ import annotations

import pytest

from meeting_server.core.roles import Role
from meeting_server.hub.tokens import LINKS_KEPT, TokenError, TokenSigner

NOW = 1_800_000_000.0


def test_link_round_trip_and_refusals() -> None:
    signer = TokenSigner(b"k" * 32)
    tok = signer.link("m1", Role.TIMER, NOW + 10)
    claims = signer.open_link(tok, NOW, "m1")
    assert (claims.meeting_id, claims.role) == ("m1", Role.TIMER)
    for bad, code in [
        (tok[:-2] + ("A" if tok[-2] != "A" else "B") + tok[-1], "forged_token"),
        (TokenSigner(b"o" * 32).link("m1", Role.TIMER, NOW + 10), "forged_token"),
        ("s." + tok.split(".", 1)[1], "bad_token"),
        ("j.onlyonedot", "bad_token"),
        ("j.!!.??", "forged_token"),
        (None, "bad_token"),
    ]:
        with pytest.raises(TokenError) as e:
            signer.open_link(bad, NOW)
        assert e.value.code == code
    with pytest.raises(TokenError) as e:
        signer.open_link(tok, NOW + 11)
    assert e.value.code == "expired_token"
    with pytest.raises(TokenError) as e:
        signer.open_link(tok, NOW, "m2")
    assert e.value.code == "wrong_meeting"


def test_a_remembered_signature_still_checks_kind_and_expiry() -> None:
    """Verified tokens are remembered (a livestream player presents one a few times a second); what a
    token is for and until when are still checked every time, and the memory is bounded."""
    signer = TokenSigner(b"k" * 32)
    tok = signer.link("m1", Role.OBSERVER, NOW + 10)
    assert signer.open_link(tok, NOW, "m1").role == Role.OBSERVER
    with pytest.raises(TokenError) as e:
        signer.open_session(tok, NOW, "m1")  # a join link is not a session, remembered or not
    assert e.value.code == "bad_token"
    with pytest.raises(TokenError) as e:
        signer.open_link(tok, NOW + 11, "m1")
    assert e.value.code == "expired_token"
    for i in range(LINKS_KEPT + 1):
        signer.open_link(signer.link(f"m{i}", Role.OBSERVER, NOW + 10), NOW)
    assert len(signer._links) <= LINKS_KEPT


def test_session_is_bound_to_meeting() -> None:
    signer = TokenSigner(b"k" * 32)
    s = signer.session("m1", "par-1", Role.PARTICIPANT, NOW + 5)
    assert signer.open_session(s, NOW, "m1").participant_id == "par-1"
    with pytest.raises(TokenError):
        signer.open_session(s, NOW, "m2")
    with pytest.raises(TokenError):
        signer.open_link(s, NOW)  # a session is not a join link


@pytest.mark.parametrize("role", [Role.SYSTEM, Role.GUEST])
def test_no_link_carries_the_servers_or_a_guests_role(role: Role) -> None:
    # Signed with the right key, yet refused: the server acts as itself, and 列席 guests have no device.
    signer = TokenSigner(b"k" * 32)
    for token, opener in (
        (signer.link("m1", role, NOW + 10), signer.open_link),
        (signer.session("m1", "x-1", role, NOW + 10), signer.open_session),
    ):
        with pytest.raises(TokenError) as e:
            opener(token, NOW, "m1")
        assert e.value.code == "bad_token"


def test_personal_link_round_trip_and_refusals() -> None:
    signer = TokenSigner(b"k" * 32)
    tok = signer.personal_link("m1", "r1", 2, NOW + 10)
    claims = signer.open_link(tok, NOW, "m1")
    assert (claims.role, claims.person_id, claims.generation, claims.personal) == (
        Role.PARTICIPANT,
        "r1",
        2,
        True,
    )
    # The kind is signed: the same body under another kind is refused.
    kind, body, mac = tok.split(".")
    assert kind == "p"
    for bad, code in [
        (f"j.{body}.{mac}", "forged_token"),
        (f"s.{body}.{mac}", "bad_token"),
        (TokenSigner(b"o" * 32).personal_link("m1", "r1", 2, NOW + 10), "forged_token"),
    ]:
        with pytest.raises(TokenError) as e:
            signer.open_link(bad, NOW)
        assert e.value.code == code
    with pytest.raises(TokenError) as e:
        signer.open_link(tok, NOW, "m2")
    assert e.value.code == "wrong_meeting"
    with pytest.raises(TokenError) as e:
        signer.open_link(tok, NOW + 11)
    assert e.value.code == "expired_token"


def test_role_links_carry_their_generation() -> None:
    signer = TokenSigner(b"k" * 32)
    first = signer.link("m1", Role.MODERATOR, NOW + 10)
    rotated = signer.link("m1", Role.MODERATOR, NOW + 10, generation=3)
    assert signer.open_link(first, NOW).generation == 0  # as every link signed before generations existed
    assert signer.open_link(rotated, NOW).generation == 3 and rotated != first
    assert signer.open_link(rotated, NOW).person_id is None


def test_topics_link_names_one_community_and_opens_nothing_else() -> None:
    signer = TokenSigner(b"k" * 32)
    tok = signer.topics_link("comma", NOW + 10)
    assert signer.token_kind(tok) == "t" and signer.token_kind("nodots") is None
    assert signer.open_topics_link(tok, NOW, "comma").community_id == "comma"
    for token, when, community, code in [
        (tok, NOW, "commb", "wrong_community"),
        (tok, NOW + 11, "comma", "expired_token"),
        (signer.link("m1", Role.MODERATOR, NOW + 10), NOW, "comma", "bad_token"),
        (TokenSigner(b"o" * 32).topics_link("comma", NOW + 10), NOW, "comma", "forged_token"),
    ]:
        with pytest.raises(TokenError) as e:
            signer.open_topics_link(token, when, community)
        assert e.value.code == code
    with pytest.raises(TokenError) as e:
        signer.open_link(tok, NOW)  # a topics link opens no meeting
    assert e.value.code == "bad_token"


def test_execution_link_round_trip_and_refusals() -> None:
    signer = TokenSigner(b"k" * 32)
    token = signer.execution_link("c1", "r1", "m1", 2, NOW + 10)
    claims = signer.open_execution_link(token, NOW, "c1", "r1")
    assert (claims.community_id, claims.record_id, claims.member_id, claims.generation) == (
        "c1",
        "r1",
        "m1",
        2,
    )
    for bad, args, code in [
        (token, (NOW, "c1", "r2"), "wrong_record"),
        (token, (NOW, "c2", "r1"), "wrong_record"),
        (token, (NOW + 11, "c1", "r1"), "expired_token"),
        (
            TokenSigner(b"o" * 32).execution_link("c1", "r1", "m1", 0, NOW + 10),
            (NOW, "c1", "r1"),
            "forged_token",
        ),
        (signer.topics_link("c1", NOW + 10), (NOW, "c1", "r1"), "bad_token"),  # another kind
    ]:
        with pytest.raises(TokenError) as info:
            signer.open_execution_link(bad, *args)
        assert info.value.code == code
    assert signer.token_kind(token) == "x"
