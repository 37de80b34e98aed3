"""Personal links over real sockets: joined as the roster person with nothing typed, one participant per
person whatever the device, a second device takes over, revocation and rotation drop and refuse."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from meeting_server.hub.keys import HUB
from tests.staff.helpers import clients, staff_server
from tests.support.hub import Peer

from .helpers import community_meeting, open_meeting, refused, token_of


def _told(peer: Peer, event: str) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []

    async def keep(msg: dict[str, Any]) -> None:
        got.append(msg)

    peer.sio.on(event, keep)
    return got


def _named(view: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [p for p in view["participants"] if p["name"] == name]


async def test_a_personal_link_joins_as_the_roster_person_without_typing(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await community_meeting(staff)
        await open_meeting(server.url, c)
        wang = c.people["王阿姨"]
        peer = Peer(server.url, token_of(wang["url"]))
        try:
            await peer.connect()
            you = peer.welcomes[-1]["you"]
            assert you["participant_id"] == "per-" + wang["person_id"] and you["personal"] is True
            assert [p["participant_id"] for p in _named(peer.view, "王阿姨")] == [you["participant_id"]]
            # Nothing to type, and nothing typed is taken: a join is refused.
            ack = await peer.join("主持人")
            assert ack["error"]["code"] == "duplicate"
            assert await peer.ok("RaiseHand") > 0
        finally:
            await peer.close()
        rt = await server.registry.get(c.meeting_id)
        assert rt is not None and rt.state is not None
        assert rt.state.participants[you["participant_id"]].person_id == wang["person_id"]


async def test_a_second_device_takes_over_and_the_first_is_told(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await community_meeting(staff)
        await open_meeting(server.url, c)
        token, pid = token_of(c.people["王阿姨"]["url"]), c.people["王阿姨"]["person_id"]
        first, second = Peer(server.url, token), Peer(server.url, token)
        told = _told(first, "taken_over")
        try:
            await first.connect()
            await second.connect()
            await first.wait_for(lambda: told and not first.sio.connected)
            assert told[0]["code"] == "taken_over" and told[0]["message"] == "您已在另一台设备上进入会议"
            assert second.sio.connected
            assert first.participant_id == second.participant_id
            # Dropped by the server (its disconnect listeners ran: the audio hub closes that socket's peer).
            held = [c for c in server.app[HUB].clients.values() if c.person_id == pid]
            assert len(held) == 1
            await second.ok("RaiseHand")
            # One person, one participant: the second device (a new browser) is no second identity.
            assert len(_named(second.view, "王阿姨")) == 1
        finally:
            await first.close()
            await second.close()


async def test_revoking_a_person_drops_their_socket_and_refuses_the_old_link(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await community_meeting(staff)
        wang = c.people["王阿姨"]
        old, old_code = token_of(wang["url"]), wang["code"]
        peer = Peer(server.url, old)
        told = _told(peer, "link_revoked")
        try:
            await peer.connect()
            answer = await staff.ok("POST", c.base + f"/invitations/{wang['person_id']}/revoke", {})
            await peer.wait_for(lambda: told and not peer.sio.connected)
            assert told[0]["code"] == "link_revoked"
        finally:
            await peer.close()
        assert await refused(server.url, old) == "link_revoked"
        # Also over HTTP: the page (and the QR code) of the old link.
        status, body = await staff.call("GET", f"/api/meetings/{c.meeting_id}/qr/participant.png?t={old}")
        assert (status, body["error"]["code"]) == (403, "link_revoked")
        # The new link works, as the same participant; the new code is not the old one.
        new = {p["name"]: p for p in answer["people"]}["王阿姨"]
        assert new["url"] != wang["url"] and new["code"] != old_code and new["revoked"] == 1
        again = Peer(server.url, token_of(new["url"]))
        try:
            await again.connect()
            assert again.participant_id == "per-" + wang["person_id"]
        finally:
            await again.close()
        # The others' links were not touched.
        other = Peer(server.url, token_of(c.people["张三"]["url"]))
        try:
            await other.connect()
        finally:
            await other.close()


async def test_rotating_the_moderator_link_drops_and_refuses_only_it(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await community_meeting(staff)
        old_mod, recorder = c.links["moderator"]["token"], c.links["recorder"]["token"]
        mod, rec = Peer(server.url, old_mod), Peer(server.url, recorder)
        told = _told(mod, "link_revoked")
        try:
            await mod.connect()
            await mod.join("主持人甲")
            await rec.connect()
            answer = await staff.ok("POST", c.base + "/links/moderator/rotate", {})
            await mod.wait_for(lambda: told and not mod.sio.connected)
            await asyncio.sleep(0.1)
            assert rec.sio.connected  # another role's link is not touched
        finally:
            await mod.close()
            await rec.close()
        assert await refused(server.url, old_mod) == "link_revoked"
        # Not even with the session the old link had: the link itself is refused.
        assert mod.session is not None
        assert await refused(server.url, old_mod, mod.session) == "link_revoked"
        new_mod = answer["role_links"]["moderator"]["token"]
        assert new_mod != old_mod and answer["role_links"]["recorder"]["token"] == recorder
        fresh = Peer(server.url, new_mod)
        try:
            await fresh.connect(session=mod.session)  # the new link with the old session: the same person
            assert fresh.participant_id == mod.participant_id
        finally:
            await fresh.close()


async def test_a_personal_participants_session_does_not_open_the_shared_link(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await community_meeting(staff)
        peer = Peer(server.url, token_of(c.people["王阿姨"]["url"]))
        try:
            await peer.connect()
        finally:
            await peer.close()
        assert peer.session is not None
        shared = c.links["participant"]["token"]
        assert await refused(server.url, shared, peer.session) == "wrong_role"


async def test_a_link_from_another_meeting_or_forged_is_refused(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 1) as (staff,):
        c = await community_meeting(staff)
        token = token_of(c.people["王阿姨"]["url"])
        kind, body, mac = token.split(".")
        assert await refused(server.url, f"{kind}.{body}.{mac[:-2]}AA") == "forged_token"
        other = await staff.ok("POST", f"/api/communities/{c.community_id}/meetings", _spec("另一场"))
        status, answer = await staff.call(
            "GET", f"/api/meetings/{other['meeting_id']}/qr/participant.png?t={token}"
        )
        assert (status, answer["error"]["code"]) == (403, "wrong_meeting")


def _spec(title: str, when: str = "2026-12-20T19:00+08:00") -> dict[str, Any]:
    from tests.support.hub import DEMO_SPEC

    return {**DEMO_SPEC, "title": title, "scheduled_at": when}
