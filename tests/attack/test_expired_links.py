"""Attacks holding a socket open past its link's expiry: a link (and the session it gave) that expires
while its socket stays connected keeps no rights. Every message after expiry is refused
``expired_token`` (a vote cast a second after expiry does not count), and the socket is dropped, told
``link_expired``, within the sweep's second, so an observer stops watching too. The meeting's clock is the
server's injected one (the links' expiry follows it)."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

from tests.attack.meeting import open_meeting
from tests.support.hub import Peer


def expiry_of(token: str) -> float:
    """The ``exp`` a link token carries (its middle part is base64url JSON)."""
    body = token.split(".")[1]
    return float(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["exp"])


def told(peer: Peer, event: str) -> list[dict[str, Any]]:
    """Messages of ``event`` the peer's socket receives from now on."""
    got: list[dict[str, Any]] = []
    peer.sio.on(event, got.append)
    return got


async def test_a_socket_loses_its_rights_when_its_link_expires(tmp_path: Path) -> None:
    async with open_meeting(tmp_path) as (server, created, (mod, _rec, wang, li, zhao)):
        links = created["links"]
        obs = Peer(server.url, links["observer"]["token"])
        try:
            await obs.connect()
            await wang.ok("MoveMotion", title="东门停车", text="东门增设十个临时停车位。")
            await li.ok("SecondMotion", motion_id="m1")
            await mod.ok("OpenVote", motion_id="m1")
            await zhao.ok("CastVote", motion_id="m1", choice="no")  # before expiry: counts
            expires = expiry_of(links["participant"]["token"])
            assert expiry_of(links["observer"]["token"]) == expires
            dropped = {name: told(p, "link_expired") for name, p in (("wang", wang), ("obs", obs))}
            server.clock.now = expires + 1  # a second past the links' expiry; the sockets stay open
            ack = await wang.cmd("CastVote", motion_id="m1", choice="yes")
            assert not ack["ok"] and ack["error"]["code"] == "expired_token", ack
            rt = await server.registry.get(created["meeting_id"])
            assert rt is not None and rt.state is not None and rt.state.vote is not None
            assert set(rt.state.vote.ballots) == {zhao.participant_id}  # 王阿姨's late ballot is not in
            # Every socket of the expired links is dropped (an observer too, who sends nothing), told why.
            await obs.wait_for(lambda: not any(p.sio.connected for p in (wang, li, mod, obs)), 5)
            for name in ("wang", "obs"):
                assert dropped[name] and dropped[name][0]["code"] == "expired_token", name
        finally:
            await obs.close()


async def test_a_session_gives_no_more_time_than_its_link(tmp_path: Path) -> None:
    """A session handed out just before the link expires ends with the link: reconnecting with it after
    expiry is refused, and a socket connected with it is dropped at the link's expiry."""
    async with open_meeting(tmp_path) as (server, created, (_mod, _rec, wang, _li, _zhao)):
        token = created["links"]["participant"]["token"]
        expires = expiry_of(token)
        server.clock.now = expires - 5
        await wang.sio.call("hello", {}, timeout=10)  # a fresh welcome, with a fresh session
        await wang.wait_for(lambda: expiry_of(wang.welcomes[-1]["you"]["session"]) > expires - 3600, 5)
        session = wang.welcomes[-1]["you"]["session"]
        assert expiry_of(session) <= expires  # it does not outlive the link
        again = Peer(server.url, token)
        try:
            await again.connect(session=session)
            server.clock.now = expires + 1
            assert (await again.cmd("RaiseHand"))["error"]["code"] == "expired_token"
            await again.wait_for(lambda: not again.sio.connected, 5)
        finally:
            await again.close()


async def test_an_idle_socket_is_dropped_at_expiry(tmp_path: Path) -> None:
    """Nobody sends anything: the sweep alone drops the sockets (the live captions stop reaching them)."""
    async with open_meeting(tmp_path) as (server, created, peers):
        obs = Peer(server.url, created["links"]["observer"]["token"])
        try:
            await obs.connect()
            await asyncio.sleep(1.5)
            assert obs.sio.connected and all(p.sio.connected for p in peers)  # not before expiry
            server.clock.now = expiry_of(created["links"]["observer"]["token"]) + 1
            await obs.wait_for(lambda: not obs.sio.connected and not any(p.sio.connected for p in peers), 5)
        finally:
            await obs.close()
