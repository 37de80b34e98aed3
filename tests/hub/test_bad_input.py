"""Bad input at the hub: forged/expired/wrong-meeting tokens, malformed and oversized payloads, unknown
messages and wrong roles are refused with a named reason; the server stays up for everyone else."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio

from meeting_server.core.roles import Role
from meeting_server.hub.keys import ADMIN_TOKEN
from meeting_server.hub.tokens import TokenSigner
from tests.support.hub import DEMO_SPEC, Peer, running_server

SIGNER = TokenSigner(b"s" * 32)  # the key make_settings() configures


async def refused(url: str, auth: Any) -> dict[str, Any]:
    """Connect and return the connect_error payload the server sent."""
    sio = socketio.AsyncClient(reconnection=False)
    got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    @sio.on("connect_error")
    async def _err(data: Any) -> None:
        if not got.done():
            got.set_result(data)

    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=5)
    data = await asyncio.wait_for(got, 5)
    await sio.disconnect()
    assert isinstance(data, dict) and isinstance(data.get("data"), dict), data
    detail: dict[str, Any] = data["data"]
    return detail


async def test_tokens_refused_at_connect(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        a = await server.create_meeting()
        b = await server.create_meeting()
        token = a["links"]["participant"]["token"]
        kind, _, sig = token.split(".")
        forged_body = SIGNER.link(b["meeting_id"], Role.MODERATOR, time.time() + 60).split(".")[1]
        cases = [
            (None, "no_token"),
            ({"session": "x"}, "bad_token"),
            ({"token": "nonsense"}, "bad_token"),
            ({"token": 12345}, "bad_token"),
            (
                {"token": f"{kind}.{forged_body}.{sig}"},
                "forged_token",
            ),  # moderator claims, participant signature
            (
                {"token": TokenSigner(b"x" * 32).link(a["meeting_id"], Role.MODERATOR, time.time() + 60)},
                "forged_token",
            ),
            ({"token": SIGNER.link(a["meeting_id"], Role.PARTICIPANT, time.time() - 1)}, "expired_token"),
            ({"token": SIGNER.link("nosuchmeeting", Role.PARTICIPANT, time.time() + 60)}, "not_found"),
            (
                {
                    "token": token,
                    "session": SIGNER.session(b["meeting_id"], "par-1", Role.PARTICIPANT, time.time() + 60),
                },
                "wrong_meeting",
            ),
            (
                {
                    "token": a["links"]["moderator"]["token"],
                    "session": SIGNER.session(a["meeting_id"], "par-1", Role.PARTICIPANT, time.time() + 60),
                },
                "wrong_role",
            ),
        ]
        for auth, code in cases:
            err = await refused(server.url, auth)
            assert err.get("code") == code, (auth, err)
            assert err["message"]


async def test_malformed_payloads_and_roles(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        links = created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        wang = Peer(server.url, links["participant"]["token"])
        bystander = Peer(server.url, links["observer"]["token"])
        try:
            for p in (mod, wang, bystander):
                await p.connect()
            assert (await wang.cmd("RaiseHand"))["error"]["code"] == "not_present"  # not joined yet
            assert (await wang.join(""))["error"]["code"] == "invalid"
            assert (await wang.join("王" * 41))["error"]["code"] == "invalid"
            await mod.join("主持人")
            await wang.join("王阿姨")
            await mod.ok("OpenMeeting")

            async def call(event: str, data: Any) -> dict[str, Any]:
                ack: dict[str, Any] = await wang.sio.call(event, data, timeout=10)
                return ack

            bad: list[tuple[str, Any, str]] = [
                ("command", None, "invalid"),
                ("command", "RaiseHand", "invalid"),
                ("command", [1, 2], "invalid"),
                ("command", {"type": "NoSuchThing"}, "invalid"),
                ("command", {"type": "StartAgendaItem", "index": "0"}, "invalid"),
                ("command", {"type": "StartAgendaItem", "index": 0}, "forbidden"),
                ("command", {"type": "MoveMotion", "title": 5, "text": "x"}, "invalid"),
                ("command", {"type": "MoveMotion", "title": "x"}, "invalid"),
                ("command", {"type": "MoveMotion", "title": "x", "text": "y", "evil": 1}, "invalid"),
                ("command", {"type": "MoveMotion", "title": "x" * 81, "text": "y"}, "invalid"),
                ("command", {"type": "CastVote", "motion_id": "m1", "choice": "maybe"}, "invalid"),
                ("command", {"type": "Tick"}, "forbidden"),
                (
                    "command",
                    {
                        "type": "CommitCaption",
                        "turn_id": "t1",
                        "participant_id": "p",
                        "text": "x",
                        "start": 0,
                        "end": 1,
                    },
                    "forbidden",
                ),
                ("command", {"type": "CreateMeeting"}, "invalid"),
                ("command", {"type": "OpenMeeting"}, "forbidden"),
                ("command", {"type": "MoveMotion", "title": "大", "text": "字" * 20000}, "too_large"),
                ("hello", {"since": "yesterday"}, "invalid"),
                ("hello", {"since": -1}, "invalid"),
                ("join", {"name": "again"}, "duplicate"),
                ("no_such_event", {"x": 1}, "unknown_event"),
            ]
            for event, data, code in bad:
                ack = await call(event, data)
                assert ack["ok"] is False and ack["error"]["code"] == code, (event, data, ack)
                assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]

            # A message far beyond the transport limit: that connection is dropped, nobody else is.
            with pytest.raises(Exception):  # noqa: B017 - the client sees a timeout or a disconnect
                await wang.sio.call(
                    "command", {"type": "MoveMotion", "title": "x", "text": "y" * 2_000_000}, timeout=3
                )
            seq = await mod.ok("StartAgendaItem", index=0)
            await bystander.wait_seq(seq)
            assert bystander.view["current_item"] == 0
            health = await asyncio.wait_for(_get(server.url + "/healthz"), 5)
            assert health["ok"] is True
        finally:
            for p in (mod, wang, bystander):
                await p.close()


async def test_http_create_refusals(tmp_path: Path) -> None:
    import aiohttp

    async with running_server(tmp_path) as server, aiohttp.ClientSession() as s:
        r = await s.post(server.url + "/api/meetings", json={"title": "x"})
        assert r.status == 401
        auth = {"Authorization": "Bearer test-admin-token"}
        r = await s.post(server.url + "/api/meetings", data=b"{not json", headers=auth)
        assert r.status == 400 and (await r.json())["error"]["code"] == "invalid"
        r = await s.post(server.url + "/api/meetings", json={"title": "x", "level": "city"}, headers=auth)
        body = await r.json()
        assert r.status == 400 and body["error"]["code"] == "invalid" and "level" in body["error"]["message"]
        created = await server.create_meeting()
        link = created["links"]["observer"]
        r = await s.get(server.url + link["qr"])
        assert r.status == 200 and r.content_type == "image/png" and (await r.read())[:4] == b"\x89PNG"
        r = await s.get(server.url + link["qr"].replace("observer.png", "moderator.png"))
        assert r.status == 403


async def _get(url: str) -> dict[str, Any]:
    import aiohttp

    async with aiohttp.ClientSession() as s, s.get(url) as r:
        body: dict[str, Any] = await r.json()
        return body


async def test_a_type_in_join_or_a_meeting_spec_is_refused_not_run(tmp_path: Path) -> None:
    """``join {name, type}`` once ran ``type`` as the command (the payload was merged over JoinMeeting's
    type); a meeting spec with a ``type`` failed with a server error. Both are refused as invalid now."""
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        mod = Peer(server.url, created["links"]["recorder"]["token"])
        await mod.connect()
        try:
            # CheckInInRoom has a ``name`` too: merged, this payload parsed as a check-in, not a join.
            ack = await mod.sio.call("join", {"name": "张三", "type": "CheckInInRoom"}, timeout=10)
            assert ack["ok"] is False and ack["error"]["code"] == "invalid", ack
            rt = await server.registry.get(created["meeting_id"])
            assert rt is not None and rt.state is not None and not rt.state.participants
        finally:
            await mod.close()
        async with aiohttp.ClientSession() as s:
            r = await s.post(
                server.url + "/api/meetings",
                json={**DEMO_SPEC, "type": "OpenMeeting"},
                headers={"Authorization": "Bearer " + server.app[ADMIN_TOKEN]},
            )
            body = await r.json()
            assert r.status == 400 and body["error"]["code"] == "invalid", body
