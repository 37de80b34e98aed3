"""FloorGate as a table: floor state × audio source → turn id or nothing."""

from __future__ import annotations

import enum

import pytest

from meeting_server.media.gate import FREE, HALL_SOURCE, FloorGate, FloorState

ALICE_ONLINE = FloorState("alice", "online", "t1")
BOB_IN_ROOM = FloorState("bob", "room", "t2")

TABLE = [
    # state          source        routed to
    (FREE, "alice", None),
    (FREE, HALL_SOURCE, None),
    (ALICE_ONLINE, "alice", "t1"),
    (ALICE_ONLINE, "bob", None),  # another phone: not the holder's
    (ALICE_ONLINE, HALL_SOURCE, None),  # the hall mic picks up the room, not Alice
    (BOB_IN_ROOM, HALL_SOURCE, "t2"),
    (BOB_IN_ROOM, "bob", None),  # Bob's phone in his pocket while he speaks into the hall mic
    (BOB_IN_ROOM, "alice", None),
]


@pytest.mark.parametrize(("state", "source", "turn"), TABLE)
def test_route_table(state: FloorState, source: str, turn: str | None) -> None:
    gate = FloorGate()
    gate.set_state(state)
    assert gate.route(source) == turn


def test_grant_release_sequence() -> None:
    gate = FloorGate()
    gate.grant("alice", "online", "t1")
    assert gate.route("alice") == "t1" and gate.live_source == "alice"
    gate.grant("bob", "room", "t2")  # granting ends the previous turn
    assert gate.route("alice") is None and gate.route(HALL_SOURCE) == "t2"
    gate.release("t1")  # a late event about the old turn changes nothing
    assert gate.route(HALL_SOURCE) == "t2"
    gate.release("t2")
    assert gate.state == FREE and gate.route(HALL_SOURCE) is None and gate.live_source is None
    gate.grant("alice", "online", "t3")
    gate.release()
    assert gate.route("alice") is None


def test_peer_key_mapping_and_string_enum_channel() -> None:
    class Channel(enum.StrEnum):  # stands in for the core's Channel
        ONLINE = "online"

    gate = FloorGate(peer_key_of=lambda pid: f"peer-{pid}")
    gate.grant("alice", Channel.ONLINE, "t1")
    assert gate.route("peer-alice") == "t1" and gate.route("alice") is None
    assert gate.state.channel == "online"


@pytest.mark.parametrize(
    ("holder", "channel", "turn"),
    [("alice", None, "t1"), (None, "online", None), ("alice", "phone", "t1"), ("alice", "online", None)],
)
def test_inconsistent_state_is_rejected(holder: str | None, channel: str | None, turn: str | None) -> None:
    with pytest.raises(ValueError):
        FloorState(holder, channel, turn)
