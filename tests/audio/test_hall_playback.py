"""The hall audio station over real aiortc peers on loopback: one connection that sends the hall microphone
and plays back whoever speaks from a phone — and only them (the hall itself is never sent back)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiortc import MediaStreamTrack, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from meeting_server.media.ice import configure_host_addresses
from tests.media.helpers import WavTrack, client_offer, read_wav
from tests.support.hub import Peer, running_server

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"


@pytest.fixture(autouse=True)
def _loopback_ice() -> Any:
    configure_host_addresses(("127.0.0.1",))
    yield
    configure_host_addresses(None)


class Listener:
    """Records the level of every frame the station receives, with the time it arrived."""

    def __init__(self) -> None:
        self.levels: list[tuple[float, float]] = []
        self.task: asyncio.Task[None] | None = None

    def attach(self, track: MediaStreamTrack) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run(track))

    async def _run(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            pcm = frame.to_ndarray().astype(np.float32) / 32768.0  # type: ignore[union-attr]
            self.levels.append((time.monotonic(), float(np.sqrt(np.mean(pcm**2)))))

    def loud_since(self, since: float, threshold: float = 0.01) -> int:
        return sum(1 for t, rms in self.levels if t >= since and rms > threshold)


async def offer(peer: Peer, track: MediaStreamTrack, *, source: str | None = None) -> Any:
    pc, sdp = await client_offer(track)
    body: dict[str, Any] = {"sdp": sdp, "type": "offer", **({"source": source} if source else {})}
    ack = await peer.sio.call("rtc_offer", body, timeout=30)
    assert ack["ok"], ack
    await pc.setRemoteDescription(RTCSessionDescription(ack["answer"]["sdp"], "answer"))
    return pc


async def test_station_plays_the_phone_speaker_and_never_the_hall(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        created = await server.create_meeting()
        links = created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        rec = Peer(server.url, links["recorder"]["token"])
        wang = Peer(server.url, links["participant"]["token"])
        pcs = []
        try:
            for p in (mod, rec, wang):
                await p.connect()
            await mod.join("主持人")
            await rec.join("记录员")
            await wang.join("王阿姨")
            await mod.ok("OpenMeeting")
            await mod.ok("StartAgendaItem", index=0)
            await rec.ok("CheckInInRoom", name="刘大爷")
            liu = next(e for e in rec.events if e["type"] == "InRoomCheckedIn")["payload"]["participant_id"]

            # The station: the hall microphone (a long clip, speaking all along) on one sendrecv connection.
            hall_samples, rate = read_wav(SPEECH / "c05.wav")
            hall = WavTrack(np.tile(hall_samples, 4), rate)
            listener = Listener()
            station, station_sdp = await client_offer(hall)
            station.on("track", listener.attach)
            ack = await rec.sio.call(
                "rtc_offer", {"sdp": station_sdp, "type": "offer", "source": "hall"}, timeout=30
            )
            assert ack["ok"], ack
            assert "a=sendrecv" in ack["answer"]["sdp"]
            await station.setRemoteDescription(RTCSessionDescription(ack["answer"]["sdp"], "answer"))
            pcs.append(station)

            # An in-room speaker holds the floor: the hall is the floor source, and is not played back.
            await mod.ok("AddToQueue", participant_id=liu)
            await mod.ok("GrantFloor")
            room_turn = time.monotonic()
            await asyncio.sleep(3)
            assert listener.levels, "the station received no frames"
            assert listener.loud_since(room_turn) == 0
            await mod.ok("RevokeFloor")

            # Wang speaks from her phone: the station plays her.
            await wang.ok("RaiseHand")
            await mod.ok("GrantFloor")
            samples, rate = read_wav(SPEECH / "c01.wav")
            began = time.monotonic()
            pcs.append(await offer(wang, WavTrack(samples, rate, tail_s=0.5)))
            await wang.wait_for(lambda: listener.loud_since(began) > 50, timeout=20)  # > 1 s of her voice
            await mod.ok("RevokeFloor")
            await asyncio.sleep(1.0)
            after = time.monotonic()
            await asyncio.sleep(2.0)
            assert listener.loud_since(after) == 0  # her turn is over: nothing more is played
        finally:
            for pc in pcs:
                await pc.close()
            for p in (mod, rec, wang):
                await p.close()
