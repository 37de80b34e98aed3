"""Hybrid-meeting audio: phone → hall loudspeaker latency, the residents' listening delay, server CPU.

A server runs as a subprocess (captions off: this measures the audio path). The hall audio station is a
real aiortc peer offering the hall microphone (silence) on a sendrecv connection, as the station page does;
a resident holds the floor and sends marker tones (100 ms at 1 kHz, one per second) over real WebRTC; 30
residents listen to the meeting audio (the live MP3 stream the resident page's 「收听会场」 plays).

- phone → hall: a marker leaves the phone's track → its onset arrives in the station's received audio
  (aiortc's jitter buffer and Opus decode included; the browser's playout buffer is not).
- listening delay: a marker leaves the phone → the MP3 bytes carrying it reach a listener's HTTP socket
  (the browser player's own buffer is not included).
Prints one JSON line.

    python bench/hall_audio.py --listeners 30 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import av
import numpy as np
from aiortc import MediaStreamTrack, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from meeting_server.media.ice import configure_host_addresses
from tests.media.helpers import client_offer
from tests.support.hub import Peer
from tests.support.process import ServerProcess

RATE = 16_000
STEP = RATE // 50  # 20 ms frames
SPEC: dict[str, Any] = {
    "title": "会场音频基准",
    "level": "shequ",
    "place": "社区活动中心",
    "scheduled_at": "2026-12-01T19:00+08:00",
    "agenda": [{"title": "议题", "planned_minutes": 60}],
    "settings": {"speaking_limit_s": 3600},
}


class MarkerTrack(MediaStreamTrack):
    """Real-time 20 ms frames: silence with a 100 ms 1 kHz burst every ``period`` s (``silent``: none).
    Records the monotonic time each burst's first frame leaves ``recv``."""

    kind = "audio"

    def __init__(self, period: float = 1.0, silent: bool = False) -> None:
        super().__init__()
        self.period = period
        self.silent = silent
        self.sent: list[float] = []
        self._pos = 0
        self._start: float | None = None
        t = np.arange(int(0.1 * RATE)) / RATE
        self._burst = (0.5 * 32767 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            await asyncio.sleep(max(0.0, self._start + self._pos / RATE - time.monotonic()))
        chunk = np.zeros(STEP, dtype=np.int16)
        period = int(self.period * RATE)
        offset = self._pos % period
        if not self.silent and self._pos >= RATE and offset < len(self._burst):
            chunk[:] = self._burst[offset : offset + STEP]
            if offset == 0:
                self.sent.append(time.monotonic())
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._pos
        frame.time_base = fractions.Fraction(1, RATE)
        self._pos += STEP
        return frame


def onsets(levels: list[tuple[float, float]], threshold: float = 0.05) -> list[float]:
    out, loud = [], False
    for t, rms in levels:
        if rms > threshold and not loud:
            out.append(t)
        loud = rms > threshold * 0.5 if loud else rms > threshold
    return out


def delays(sent: list[float], heard: list[float], within: float = 0.9) -> list[float]:
    """For each marker sent, the first onset heard after it (within ``within`` s; markers are 1 s apart);
    a marker with none is lost."""
    out = []
    for s in sent:
        after = [h for h in heard if s <= h < s + within]
        if after:
            out.append(after[0] - s)
    return out


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


async def receive_levels(track: MediaStreamTrack, levels: list[tuple[float, float]]) -> None:
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        pcm = frame.to_ndarray().astype(np.float32) / 32768.0
        levels.append((time.monotonic(), float(np.sqrt(np.mean(pcm**2)))))


async def listen(url: str, levels: list[tuple[float, float]] | None, stop: asyncio.Event) -> int:
    """A resident's player reduced to its socket; with ``levels``, decodes the MP3 as it arrives."""
    codec = av.CodecContext.create("mp3", "r") if levels is not None else None
    received = 0
    async with aiohttp.ClientSession() as session, session.get(url) as r:
        assert r.status == 200, r.status
        async for chunk in r.content.iter_any():
            received += len(chunk)
            now = time.monotonic()
            if codec is not None and levels is not None:
                for packet in codec.parse(chunk):
                    for frame in codec.decode(packet):
                        pcm = frame.to_ndarray().astype(np.float32)
                        if frame.format.name.startswith("s16"):
                            pcm /= 32768.0
                        levels.append((now, float(np.sqrt(np.mean(pcm**2)))))
            if stop.is_set():
                break
    return received


async def offer(peer: Peer, track: MediaStreamTrack, source: str | None = None) -> Any:
    pc, sdp = await client_offer(track)
    body: dict[str, Any] = {"sdp": sdp, "type": "offer", **({"source": source} if source else {})}
    ack = await peer.sio.call("rtc_offer", body, timeout=60)
    assert ack["ok"], ack
    await pc.setRemoteDescription(RTCSessionDescription(ack["answer"]["sdp"], "answer"))
    return pc


async def run(server: ServerProcess, args: argparse.Namespace) -> dict[str, Any]:
    configure_host_addresses(["127.0.0.1"])
    meeting = server.create_meeting(SPEC)
    mid, links = meeting["meeting_id"], meeting["links"]
    mod, rec, wang = (Peer(server.url, links[r]["token"]) for r in ("moderator", "recorder", "participant"))
    for p in (mod, rec, wang):
        await p.connect()
    await mod.join("主持人")
    await wang.join("王阿姨")
    await mod.ok("OpenMeeting")
    await mod.ok("StartAgendaItem", index=0)

    station_levels: list[tuple[float, float]] = []
    station_pc, station_sdp = await client_offer(MarkerTrack(silent=True))
    tasks: list[asyncio.Task[Any]] = []
    station_pc.on(
        "track",
        lambda t: tasks.append(asyncio.get_running_loop().create_task(receive_levels(t, station_levels))),
    )
    ack = await rec.sio.call("rtc_offer", {"sdp": station_sdp, "type": "offer", "source": "hall"}, timeout=60)
    assert ack["ok"], ack
    await station_pc.setRemoteDescription(RTCSessionDescription(ack["answer"]["sdp"], "answer"))

    stop = asyncio.Event()
    live = f"{server.url}/m/{mid}/live.mp3?t={links['participant']['token']}"
    listen_levels: list[tuple[float, float]] = []
    listeners = [
        asyncio.get_running_loop().create_task(listen(live, listen_levels if i == 0 else None, stop))
        for i in range(args.listeners)
    ]
    await asyncio.sleep(1.0)

    await mod.ok("GrantFloor", participant_id=wang.participant_id)
    phone = MarkerTrack()
    phone_pc = await offer(wang, phone)
    await asyncio.sleep(3.0)  # ICE, DTLS and the first markers
    cpu0, w0 = server.cpu_seconds(), time.time()
    await asyncio.sleep(args.seconds)
    cpu_pct = 100 * (server.cpu_seconds() - cpu0) / (time.time() - w0)
    phone.silent = True  # no more markers: the last ones arrive before anything is counted
    await asyncio.sleep(3.0)
    stop.set()
    sent = list(phone.sent)
    for pc in (phone_pc, station_pc):
        await pc.close()
    received = await asyncio.gather(*listeners, return_exceptions=True)
    for task in tasks:
        task.cancel()
    for p in (mod, rec, wang):
        await p.close()

    hall = delays(sent, onsets(station_levels))
    heard = delays(sent, onsets(listen_levels), within=3.0)
    return {
        "bench": "hall_audio",
        "markers_sent": len(sent),
        "phone_to_hall_latency_p50_s": pct(hall, 50),
        "phone_to_hall_latency_p95_s": pct(hall, 95),
        "phone_to_hall_lost": len(sent) - len(hall),
        "listen_delay_p50_s": pct(heard, 50),
        "listen_delay_p95_s": pct(heard, 95),
        "listen_lost": len(sent) - len(heard),
        "listeners": args.listeners,
        "listeners_failed": sum(1 for r in received if isinstance(r, BaseException)),
        "server_cpu_pct_of_core": round(cpu_pct, 1),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listeners", type=int, default=30)
    p.add_argument("--seconds", type=float, default=30.0)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp), extra_env={"GONGZHI_MEDIA__CAPTIONS": "false"})
        try:
            result = asyncio.run(run(server, args))
        finally:
            server.stop()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
