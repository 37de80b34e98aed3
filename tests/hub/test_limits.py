"""Rate limits and connection caps at the socket edge, over real socket.io clients: each refusal names its
reason, counts are released on disconnect, and a fake monotonic clock refills the buckets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio

from meeting_server.hub.admission import client_address
from meeting_server.hub.limits import Buckets, Counter, TokenBucket
from tests.support.hub import FakeClock, Peer, running_server

from .test_bad_input import refused


def xff(address: str) -> dict[str, str]:
    """Headers of a client behind the trusted loopback proxy (tests connect from 127.0.0.1)."""
    return {"X-Forwarded-For": address}


async def refused_with(url: str, token: str, address: str) -> dict[str, Any]:
    """Connect with a link from ``address`` and return the connect_error payload."""
    sio = socketio.AsyncClient(reconnection=False)
    got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    @sio.on("connect_error")
    async def _err(data: Any) -> None:
        if not got.done():
            got.set_result(data)

    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(url, auth={"token": token}, headers=xff(address), transports=["websocket"])
    data = await asyncio.wait_for(got, 5)
    await sio.disconnect()
    detail: dict[str, Any] = data["data"]
    return detail


# ---------------------------------------------------------------------- the pure parts
def test_token_bucket_burst_then_rate() -> None:
    bucket = TokenBucket.full(rate=2.0, burst=3, now=100.0)
    assert [bucket.take(100.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.retry_after() == pytest.approx(0.5)
    assert not bucket.take(100.4)
    assert bucket.take(100.5)
    assert bucket.take(110.0) and bucket.tokens == pytest.approx(2.0)  # refills to the burst, no further
    late = TokenBucket.full(1.0, 1, 10.0)
    assert late.take(10.0) and not late.take(9.0)  # a clock that went back refills nothing


def test_an_action_may_cost_many_tokens() -> None:
    clock = FakeClock()
    buckets = Buckets(rate=10.0, burst=100, clock=clock)  # e.g. bytes
    assert buckets.take("a", 60) == 0.0
    assert buckets.wait("a", 60) == pytest.approx(2.0)  # 40 left: 20 more at 10 per second
    assert (
        buckets.take("a", 60) == pytest.approx(2.0) and buckets.take("a", 40) == 0.0
    )  # a refusal takes none
    assert buckets.wait("b", 100) == 0.0 and buckets.wait("b", 101) > 0  # more than the burst: never
    assert buckets.take("b", 101) > 0


def test_buckets_forget_idle_keys_and_counter_caps() -> None:
    clock = FakeClock()
    buckets = Buckets(1.0, 2, clock, max_keys=3)
    for key in "abc":
        assert buckets.take(key) == 0.0
    clock.advance(5)  # all three have refilled: they are forgotten when a fourth key comes
    assert buckets.take("d") == 0.0 and len(buckets) == 1
    assert buckets.take("d") == 0.0 and buckets.take("d") == pytest.approx(1.0)
    # ``wait`` looks without taking (the sign-in throttle checks before it counts a failure).
    assert buckets.wait("d") == pytest.approx(1.0) and buckets.wait("never-seen") == 0.0
    clock.advance(1)
    assert buckets.wait("d") == 0.0 and buckets.wait("d") == 0.0 and buckets.take("d") == 0.0
    counter = Counter(2)
    assert counter.acquire("x") and counter.acquire("x") and not counter.acquire("x")
    assert counter.acquire("x", cap=3)
    counter.release("x")
    assert counter["x"] == 2


def test_client_address_believes_only_trusted_proxies() -> None:
    trusted = frozenset({"127.0.0.1", "10.0.0.2"})
    assert client_address("203.0.113.9", "1.2.3.4", trusted) == "203.0.113.9"  # not a proxy: header ignored
    assert client_address("127.0.0.1", None, trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", "198.51.100.7", trusted) == "198.51.100.7"
    # The client wrote the left part itself; the right-most untrusted hop is the one the proxy saw.
    assert client_address("127.0.0.1", "1.2.3.4, 198.51.100.7, 10.0.0.2", trusted) == "198.51.100.7"
    assert client_address("127.0.0.1", "garbage, 198.51.100.7", trusted) == "198.51.100.7"
    assert client_address("127.0.0.1", "198.51.100.7, garbage", trusted) == "127.0.0.1"
    assert client_address("::ffff:127.0.0.1", "2001:db8::1", trusted) == "2001:db8::1"


# ---------------------------------------------------------------------- per-message limits
async def test_commands_are_rate_limited_per_connection_and_refill(tmp_path: Path) -> None:
    clock = FakeClock()
    limits = {"commands_burst": 3, "commands_per_s": 1.0}
    async with running_server(tmp_path, limits=limits, limit_clock=clock) as server:
        links = (await server.create_meeting())["links"]
        mod, wang, li = (
            Peer(server.url, links[r]["token"]) for r in ("moderator", "participant", "participant")
        )
        try:
            for p in (mod, wang, li):
                await p.connect()
            assert (await mod.join("主持人"))["ok"]  # a join takes a token of the connection's bucket too
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            ack = await mod.cmd("StartAgendaItem", index=1)
            assert ack["ok"] is False and ack["error"]["code"] == "rate_limited", ack
            assert "this connection" in ack["error"]["message"]
            rt = server.registry.loaded()[0]
            assert rt.state is not None and rt.state.current_item == 0  # nothing was done
            # Another connection on its own bucket is not affected.
            assert (await wang.join("王阿姨"))["ok"]
            await wang.ok("RaiseHand")
            clock.advance(1.0)
            await mod.ok("StartAgendaItem", index=1)
            # rtc_offer counts as a command too.
            assert (await mod.sio.call("rtc_offer", {}, timeout=10))["error"]["code"] == "rate_limited"
        finally:
            for p in (mod, wang, li):
                await p.close()


async def test_hellos_and_joins_have_their_own_limits(tmp_path: Path) -> None:
    clock = FakeClock()
    limits = {"hellos_burst": 2, "link_joins_burst": 2, "link_joins_per_s": 0.5}
    async with running_server(tmp_path, limits=limits, limit_clock=clock) as server:
        links = (await server.create_meeting())["links"]
        obs = Peer(server.url, links["observer"]["token"])
        residents = [Peer(server.url, links["participant"]["token"]) for _ in range(3)]
        try:
            await obs.connect()  # hello 1
            assert (await obs.sio.call("sync", {"since": 0}, timeout=10))["ok"]  # hello 2
            ack = await obs.sio.call("hello", {"since": 0}, timeout=10)
            assert ack["error"]["code"] == "rate_limited", ack
            welcomes = len(obs.welcomes)
            await asyncio.sleep(0.2)
            assert len(obs.welcomes) == welcomes  # refused: no welcome was sent
            # Joins are counted per link: the shared participant link lets two in, then one every 2 s.
            for p in residents:
                await p.connect()
            acks = [await p.join(f"居民{i}") for i, p in enumerate(residents)]
            assert [a["ok"] for a in acks] == [True, True, False]
            assert acks[2]["error"]["code"] == "rate_limited" and "this link" in acks[2]["error"]["message"]
            clock.advance(2.0)
            assert (await residents[2].join("居民2"))["ok"]
        finally:
            for p in (obs, *residents):
                await p.close()


async def test_commands_are_rate_limited_per_link(tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_server(
        tmp_path, limits={"link_commands_burst": 4, "link_commands_per_s": 1.0}, limit_clock=clock
    ) as server:
        links = (await server.create_meeting())["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        a, b = (Peer(server.url, links["participant"]["token"]) for _ in range(2))
        try:
            for p in (mod, a, b):
                await p.connect()
            await mod.join("主持人")
            await mod.ok("OpenMeeting")  # another link: its own bucket
            await mod.ok("StartAgendaItem", index=0)
            await a.join("甲")  # joins have their own bucket
            await b.join("乙")
            sent = [(a, "RaiseHand"), (b, "RaiseHand"), (a, "LowerHand"), (b, "LowerHand"), (a, "RaiseHand")]
            results = [await p.cmd(type_) for p, type_ in sent]
            assert [r["ok"] for r in results] == [True, True, True, True, False], results
            assert results[4]["error"]["code"] == "rate_limited"
            assert "this link" in results[4]["error"]["message"]
            clock.advance(1.0)
            await a.ok("RaiseHand")
        finally:
            for p in (mod, a, b):
                await p.close()


# ---------------------------------------------------------------------- connection caps
async def test_connections_are_capped_per_link_and_released(tmp_path: Path) -> None:
    limits = {"connections_per_link": 2, "connections_per_observer_link": 3}
    async with running_server(tmp_path, limits=limits) as server:
        links = (await server.create_meeting())["links"]
        token = links["participant"]["token"]
        a, b = Peer(server.url, token), Peer(server.url, token)
        observers = [Peer(server.url, links["observer"]["token"]) for _ in range(3)]
        try:
            await a.connect()
            await b.connect()
            detail = await refused(server.url, {"token": token})
            assert detail["code"] == "too_many_connections", detail
            assert "link" in detail["message"]
            for o in observers:  # the observer link has its own, larger cap
                await o.connect()
            assert (await refused(server.url, {"token": links["observer"]["token"]}))["code"] == (
                "too_many_connections"
            )
            await a.close()
            await asyncio.sleep(0.2)
            c = Peer(server.url, token)
            await c.connect()  # a's place was released
            await c.close()
        finally:
            for p in (a, b, *observers):
                await p.close()


async def test_connections_are_capped_per_address(tmp_path: Path) -> None:
    async with running_server(tmp_path, limits={"connections_per_address": 2}) as server:
        links = (await server.create_meeting())["links"]
        token = links["observer"]["token"]
        peers = [Peer(server.url, token) for _ in range(3)]
        try:
            await peers[0].connect(headers=xff("203.0.113.5"))
            await peers[1].connect(headers=xff("203.0.113.5"))
            detail = await refused_with(server.url, token, "203.0.113.5")
            assert detail["code"] == "too_many_connections" and "address" in detail["message"], detail
            await peers[2].connect(headers=xff("203.0.113.6"))  # another address is not affected
        finally:
            for p in peers:
                await p.close()


async def test_header_of_an_untrusted_peer_is_ignored(tmp_path: Path) -> None:
    limits = {"connections_per_address": 1, "trusted_proxies": []}
    async with running_server(tmp_path, limits=limits) as server:
        token = (await server.create_meeting())["links"]["observer"]["token"]
        first = Peer(server.url, token)
        try:
            await first.connect(headers=xff("203.0.113.5"))
            # The header claims another address, but nobody trusted wrote it: it is 127.0.0.1 again.
            assert (await refused_with(server.url, token, "203.0.113.77"))["code"] == "too_many_connections"
        finally:
            await first.close()


# ---------------------------------------------------------------------- engine.io handshakes
async def handshake(session: aiohttp.ClientSession, url: str, address: str) -> tuple[int, Any]:
    """An engine.io handshake (long-polling) that never goes on to connect socket.io: (status, sid or the
    refusal's JSON body)."""
    async with session.get(
        url + "/socket.io/", params={"EIO": "4", "transport": "polling"}, headers=xff(address)
    ) as r:
        body = await r.text()
        if r.status == 401:
            return r.status, json.loads(body)
        assert r.status == 200 and body.startswith("0"), (r.status, body)
        return r.status, json.loads(body[1:])["sid"]


async def test_handshakes_without_a_token_are_capped_per_address(tmp_path: Path) -> None:
    async with (
        running_server(tmp_path, limits={"pending_per_address": 3}) as server,
        aiohttp.ClientSession() as session,
    ):
        token = (await server.create_meeting())["links"]["observer"]["token"]
        got = [await handshake(session, server.url, "198.51.100.1") for _ in range(4)]
        assert [status for status, _ in got] == [200, 200, 200, 401]
        assert got[3][1]["code"] == "too_many_connections", got[3]
        # Closing one of them (an engine.io close packet) frees its place.
        async with session.post(
            server.url + "/socket.io/",
            params={"EIO": "4", "transport": "polling", "sid": got[0][1]},
            data="1",
            headers=xff("198.51.100.1"),
        ) as r:
            assert r.status == 200
        await asyncio.sleep(0.2)
        assert (await handshake(session, server.url, "198.51.100.1"))[0] == 200
        # Another address is not affected, and a client with a token connects from there.
        peer = Peer(server.url, token)
        await peer.connect(headers=xff("198.51.100.2"))
        await peer.close()


async def test_handshakes_are_rate_limited_per_address(tmp_path: Path) -> None:
    clock = FakeClock()
    limits = {"connects_per_address_burst": 3, "connects_per_address_per_s": 1.0}
    async with (
        running_server(tmp_path, limits=limits, limit_clock=clock) as server,
        aiohttp.ClientSession() as session,
    ):
        await server.create_meeting()
        got = [await handshake(session, server.url, "198.51.100.4") for _ in range(4)]
        assert [status for status, _ in got] == [200, 200, 200, 401]
        assert got[3][1]["code"] == "rate_limited", got[3]
        assert (await handshake(session, server.url, "198.51.100.5"))[0] == 200
        clock.advance(1.0)
        assert (await handshake(session, server.url, "198.51.100.4"))[0] == 200
