"""Audio end to end on loopback: real aiortc peers signalled over the real hub, the real Whisper model,
captions bound to the floor, floor expiry cutting the microphone, the hall microphone, the recording."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import av
import pytest
from aiortc import RTCSessionDescription

from asr.metrics import cer
from meeting_server.hub.keys import AUDIO
from meeting_server.media.ice import configure_host_addresses
from tests.media.helpers import WavTrack, client_offer, read_wav, wait_until
from tests.support.hub import DEMO_SPEC, Peer, running_server

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"
REFERENCE = dict(
    line.split("\t") for line in (SPEECH / "manifest.tsv").read_text("utf-8").splitlines() if line
)

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _restore_ice() -> Any:
    yield
    configure_host_addresses(None)


async def speak(
    peer: Peer, clip: str, *, source: str | None = None, tail_s: float = 1.0
) -> tuple[Any, WavTrack]:
    """Connect a real aiortc client to the server over the hub's rtc_offer and play ``clip`` in real time."""
    samples, rate = read_wav(SPEECH / clip)
    track = WavTrack(samples, rate, tail_s=tail_s)
    pc, sdp = await client_offer(track)
    body: dict[str, Any] = {"sdp": sdp, "type": "offer"}
    if source:
        body["source"] = source
    ack = await peer.sio.call("rtc_offer", body, timeout=30)
    assert ack["ok"], ack
    await pc.setRemoteDescription(RTCSessionDescription(ack["answer"]["sdp"], "answer"))
    return pc, track


def finals(peer: Peer, participant_id: str | None = None) -> list[dict[str, Any]]:
    return [
        e["payload"]
        for e in peer.events
        if e["type"] == "CaptionCommitted"
        and (participant_id is None or e["payload"]["participant_id"] == participant_id)
    ]


async def test_floor_holder_is_captioned_others_are_not_and_expiry_cuts(tmp_path: Path) -> None:
    spec = {**DEMO_SPEC, "settings": {**DEMO_SPEC["settings"], "speaking_limit_s": 60}}
    async with running_server(tmp_path, captions=True) as server:
        created = await server.create_meeting(spec)
        mid, links = created["meeting_id"], created["links"]
        mod, wang, li, obs = (
            Peer(server.url, links[r]["token"])
            for r in ("moderator", "participant", "participant", "observer")
        )
        mics: list[dict[str, Any]] = []
        wang.sio.on("mic", lambda m: mics.append(m))
        pcs = []
        try:
            for p in (mod, wang, li, obs):
                await p.connect()
            await mod.join("主持人")
            await wang.join("王阿姨")
            await li.join("李师傅")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            await wang.ok("RaiseHand")
            await mod.ok("GrantFloor")
            await mod.ok("StartClock")
            await wang.wait_for(lambda: any(m["open"] for m in mics))
            turn_id = next(m for m in mics if m["open"])["turn_id"]

            # Wang holds the floor and speaks; Li, without it, may not even connect a microphone.
            pc_wang, track_wang = await speak(wang, "c01.wav")
            pcs.append(pc_wang)
            pc_li, li_sdp = await client_offer(WavTrack(*read_wav(SPEECH / "c03.wav")))
            pcs.append(pc_li)
            ack = await li.sio.call("rtc_offer", {"sdp": li_sdp, "type": "offer"}, timeout=30)
            assert ack["error"]["code"] == "not_your_turn", ack
            await obs.wait_for(lambda: len(finals(obs)) >= 1 and track_wang.readyState == "ended", timeout=90)
            await asyncio.sleep(1.5)  # the last final after the trailing silence
            wang_text = "".join(f["text"] for f in finals(obs, wang.participant_id))
            assert cer([(REFERENCE["c01.wav"], wang_text)]) < 0.35, wang_text
            assert all(f["turn_id"] == turn_id for f in finals(obs))
            assert not finals(obs, li.participant_id)
            partials = [t for t in obs.transients if t["kind"] == "caption_partial"]
            assert partials and all(t["participant_id"] == wang.participant_id for t in partials)

            # The clock runs out while Wang keeps talking: the server stops taking audio, closes the mic.
            pc_wang2, _ = await speak(wang, "c02.wav", tail_s=0.5)
            pcs.append(pc_wang2)
            server.clock.advance(61)
            await server.tick(mid)
            await wang.wait_for(lambda: any(not m["open"] for m in mics))
            closed = next(m for m in mics if not m["open"])
            assert closed == {"open": False, "turn_id": turn_id, "reason": "expired"}
            await asyncio.sleep(7)  # c02 (3.5 s) would have been captioned by now
            expired_seq = next(e["seq"] for e in obs.events if e["type"] == "FloorExpired")
            late = [e for e in obs.events if e["type"] == "CaptionCommitted" and e["seq"] > expired_seq]
            assert cer([(REFERENCE["c02.wav"], "".join(e["payload"]["text"] for e in late))]) > 0.8, late

            # The recording holds the turn, ended at expiry, and opens.
            rec_dir = tmp_path / "recordings" / mid
            turns = [json.loads(line) for line in (rec_dir / "turns.jsonl").read_text().splitlines()]
            assert [t["turn_id"] for t in turns if t.get("end_s") is not None] == [turn_id]
        finally:
            for pc in pcs:
                await pc.close()
            for p in (mod, wang, li, obs):
                await p.close()
    with av.open(str(next((tmp_path / "recordings" / mid).glob("floor-*.ogg")))) as container:
        seconds = sum(f.samples for f in container.decode(audio=0)) / 16000
    assert seconds > 5.0


async def test_hall_microphone_is_attributed_to_the_in_room_speaker(tmp_path: Path) -> None:
    async with running_server(tmp_path, captions=True) as server:
        created = await server.create_meeting()
        links = created["links"]
        mod, rec, obs = (Peer(server.url, links[r]["token"]) for r in ("moderator", "recorder", "observer"))
        pcs = []
        try:
            for p in (mod, rec, obs):
                await p.connect()
            await mod.join("主持人")
            await rec.join("记录员")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            seq = await rec.ok("CheckInInRoom", name="刘大爷", building="3号楼")
            await obs.wait_seq(seq)
            liu = next(p["participant_id"] for p in obs.view["participants"] if p["name"] == "刘大爷")
            # Observers may not send audio; the hall source is the recorder's (or moderator's).
            assert (await obs.sio.call("rtc_offer", {"sdp": "v=0", "type": "offer"}, timeout=10))["error"][
                "code"
            ] == "forbidden"
            pc, track = await speak(rec, "c05.wav", source="hall", tail_s=1.5)
            pcs.append(pc)
            await mod.ok("AddToQueue", participant_id=liu)
            await mod.ok("GrantFloor")
            await obs.wait_for(lambda: len(finals(obs)) >= 1 and track.readyState == "ended", timeout=90)
            await asyncio.sleep(1.5)
            got = finals(obs)
            assert got and all(f["participant_id"] == liu for f in got)
            text = "".join(f["text"] for f in got)
            # The floor was granted after the clip started: the part spoken before it is not captioned.
            assert cer([(REFERENCE["c05.wav"], text)]) < 0.6, text
        finally:
            for pc in pcs:
                await pc.close()
            for p in (mod, rec, obs):
                await p.close()


async def test_signalling_refusals_and_a_vanishing_peer(tmp_path: Path) -> None:
    async with running_server(tmp_path, captions=False) as server:
        created = await server.create_meeting()
        links = created["links"]
        mod, wang = (
            Peer(server.url, links["moderator"]["token"]),
            Peer(server.url, links["participant"]["token"]),
        )
        peers = server.app[AUDIO].peers
        try:
            for p in (mod, wang):
                await p.connect()
            await mod.join("主持人")
            assert (await wang.sio.call("rtc_offer", {"sdp": "x", "type": "offer"}, timeout=10))["error"][
                "code"
            ] == "forbidden"
            await wang.join("王阿姨")
            # Joined, but not holding the floor: a real offer is refused before aiortc sees it.
            pc0, sdp0 = await client_offer(WavTrack(*read_wav(SPEECH / "c01.wav")))
            ack = await wang.sio.call("rtc_offer", {"sdp": sdp0, "type": "offer"}, timeout=30)
            assert ack["error"]["code"] == "not_your_turn", ack
            assert len(peers) == 0
            await pc0.close()
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            await wang.ok("RaiseHand")
            await mod.ok("GrantFloor")
            for body, code in [
                ({"sdp": "not an sdp", "type": "offer"}, "bad_sdp"),
                ({"sdp": 5, "type": "offer"}, "bad_sdp"),
                ({"sdp": "v=0", "type": "offer", "source": "stage"}, "invalid"),
                ({"sdp": "v=0", "type": "offer", "source": "hall"}, "forbidden"),
                ({"sdp": "v=0", "type": "offer", "extra": 1}, "invalid"),
                ("offer", "invalid"),
            ]:
                ack = await wang.sio.call("rtc_offer", body, timeout=30)
                assert ack["ok"] is False and ack["error"]["code"] == code, (body, ack)
            assert (await mod.sio.call("rtc_offer", {"sdp": "v=0", "type": "offer"}, timeout=10))["error"][
                "code"
            ] == "forbidden"
            two = [WavTrack(*read_wav(SPEECH / "c01.wav")), WavTrack(*read_wav(SPEECH / "c02.wav"))]
            pc2, sdp2 = await client_offer(*two)
            ack = await wang.sio.call("rtc_offer", {"sdp": sdp2, "type": "offer"}, timeout=30)
            assert ack["error"]["code"] == "too_many_tracks"
            await pc2.close()
            # A peer that connects and vanishes is cleaned up; the meeting goes on.
            pc, _ = await speak(wang, "c01.wav")
            await wait_until(lambda: len(peers) == 1, within=20)
            await pc.close()
            await wait_until(lambda: len(peers) == 0, within=40)
            await mod.ok("RevokeFloor")
            seq = await mod.ok("StartAgendaItem", index=1)
            await wang.wait_seq(seq)
        finally:
            for p in (mod, wang):
                await p.close()
