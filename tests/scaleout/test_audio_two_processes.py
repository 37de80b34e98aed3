"""The meeting's sound in scale-out: two real server processes on one redis-server, real aiortc microphones.
The hall audio station (a 500 Hz tone) is connected to process B, a resident's phone (a 1 kHz tone) to
process A; each process's ``live.mp3`` and B's livestream are read back and decoded. Between turns A's stream
carries B's hall; while the phone holds the floor B's stream and livestream carry A's phone (not B's own
hall), and B's hall station plays it into the hall; after the turn B's stream is the hall again (A stopped
publishing: its sound is gone, the stream goes on). What crosses Redis is counted by a subscriber of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import av
import numpy as np
import numpy.typing as npt
import pytest
import redis.asyncio as aioredis
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

from meeting_server.hub.audio_relay import CHANNEL
from meeting_server.media.ice import configure_host_addresses
from tests.audio.test_hall_playback import Listener
from tests.live.helpers import next_segment, open_stream
from tests.media.helpers import WavTrack, client_offer
from tests.support.hub import DEMO_SPEC, Peer
from tests.support.redis import RedisServer

from .test_two_processes import joined, redis_server, start

__all__ = ["redis_server"]  # the fixture, used by name

RATE = 16_000
HALL_HZ, PHONE_HZ = 500.0, 1000.0


@pytest.fixture(autouse=True)
def _loopback() -> Iterator[None]:
    configure_host_addresses(("127.0.0.1",))
    yield
    configure_host_addresses(None)


def tone(hz: float, seconds: float) -> npt.NDArray[np.int16]:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def share(samples: npt.NDArray[np.float32], hz: float, rate: int) -> float:
    """The part of the signal's power within ±40 Hz of ``hz``."""
    if len(samples) < rate // 4:
        return 0.0
    power = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    total = float(power[freqs > 50].sum())
    return float(power[np.abs(freqs - hz) < 40].sum()) / total if total > 0 else 0.0


def rms(samples: npt.NDArray[np.float32]) -> float:
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0


def decode_audio(data: bytes, fmt: str | None = None) -> tuple[npt.NDArray[np.float32], int]:
    """Every sample of an MP3 stretch (it starts anywhere: MP3 frames resynchronise) or a TS segment."""
    out: list[npt.NDArray[np.float32]] = []
    rate = RATE
    with av.open(io.BytesIO(data), "r", format=fmt) as container:
        for frame in container.decode(audio=0):
            rate = frame.sample_rate
            out.append(frame.to_ndarray().astype(np.float32).reshape(-1))
    return (np.concatenate(out) if out else np.zeros(0, np.float32)), rate


class Mp3:
    """Reads a process's ``live.mp3`` as a player would, keeping each chunk with when it came."""

    def __init__(self, s: aiohttp.ClientSession, url: str) -> None:
        self.chunks: list[tuple[float, bytes]] = []
        self.task = asyncio.get_running_loop().create_task(self._read(s, url))

    async def _read(self, s: aiohttp.ClientSession, url: str) -> None:
        async with s.get(url) as r:
            assert r.status == 200 and r.content_type == "audio/mpeg"
            async for chunk in r.content.iter_any():
                self.chunks.append((time.monotonic(), chunk))

    def since(self, t0: float) -> tuple[npt.NDArray[np.float32], int]:
        return decode_audio(b"".join(c for t, c in self.chunks if t >= t0), "mp3")

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


class Tap:
    """A subscriber of its own on the sound's channels: what crosses Redis, per second."""

    def __init__(self, url: str) -> None:
        self.redis = aioredis.from_url(url)
        self.messages: list[tuple[float, int]] = []
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        pubsub = self.redis.pubsub()
        await pubsub.psubscribe(CHANNEL + "*")
        async for message in pubsub.listen():
            if message.get("type") == "pmessage":
                self.messages.append((time.monotonic(), len(message["data"])))

    def rate(self, t0: float, t1: float) -> tuple[float, float]:
        """Messages and bytes a second between t0 and t1."""
        got = [n for t, n in self.messages if t0 <= t < t1]
        return len(got) / (t1 - t0), sum(got) / (t1 - t0)

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.redis.aclose()


async def offer(peer: Peer, track: MediaStreamTrack, listener: Listener | None = None) -> RTCPeerConnection:
    """A real aiortc microphone through ``rtc_offer`` (the hall's when ``listener`` takes what it plays)."""
    pc, sdp = await client_offer(track)
    body: dict[str, Any] = {"sdp": sdp, "type": "offer"}
    if listener is not None:
        pc.on("track", listener.attach)
        body["source"] = "hall"
    ack = await peer.sio.call("rtc_offer", body, timeout=30)
    assert ack["ok"], ack
    await pc.setRemoteDescription(RTCSessionDescription(ack["answer"]["sdp"], "answer"))
    return pc


async def _audible(mp3: Mp3, hz: float, *, within: float = 20, window: float = 2.0) -> float:
    """Wait until the last ``window`` s of the stream are mostly the tone ``hz``; that share."""
    deadline = time.monotonic() + within
    seen = []
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        samples, rate = mp3.since(time.monotonic() - window)
        seen.append((round(rms(samples), 3), round(share(samples, hz, rate), 2)))
        if rms(samples) > 0.05 and share(samples, hz, rate) > 0.8:
            return share(samples, hz, rate)
    raise AssertionError(f"no {hz:.0f} Hz in the stream within {within} s: (rms, share) {seen}")


async def test_the_sound_of_each_process_is_in_the_other_ones_streams(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    a, b = start(tmp_path, "a", redis_server), start(tmp_path, "b", redis_server)
    peers: list[Peer] = []
    pcs: list[Any] = []
    readers: list[Mp3] = []
    tap = Tap(redis_server.url)
    try:
        created = a.create_meeting(DEMO_SPEC)
        mid, links = created["meeting_id"], created["links"]
        mod = await joined(a.url, links["moderator"]["token"], "主持人")
        wang = await joined(a.url, links["participant"]["token"], "王阿姨")
        station = await joined(b.url, links["recorder"]["token"], None)  # the hall station, through B
        peers = [mod, wang, station]
        await mod.ok("OpenMeeting")
        await mod.ok("StartAgendaItem", index=0)
        observer = links["observer"]["token"]
        async with aiohttp.ClientSession() as s:
            on_a = Mp3(s, f"{a.url}/m/{mid}/live.mp3?t={observer}")
            on_b = Mp3(s, f"{b.url}/m/{mid}/live.mp3?t={observer}")
            readers = [on_a, on_b]
            video_b = await open_stream(s, b.url, mid, observer)
            name, _ = await next_segment(s, video_b)

            # Between turns the hall is heard, on B (its own) and on A (relayed).
            played = Listener()
            hall: MediaStreamTrack = WavTrack(tone(HALL_HZ, 120), RATE)
            pcs.append(await offer(station, hall, played))
            await _audible(on_a, HALL_HZ)
            await _audible(on_b, HALL_HZ)

            # Wang speaks from her phone on A: B's stream, livestream and hall station carry her.
            await wang.ok("RaiseHand")
            await mod.ok("GrantFloor")
            began = time.monotonic()
            pcs.append(await offer(wang, WavTrack(tone(PHONE_HZ, 12), RATE, tail_s=0)))
            await _audible(on_b, PHONE_HZ)  # and not B's own hall (a phone holds the floor)
            t0 = time.monotonic()
            await asyncio.sleep(3)
            messages, per_s = tap.rate(t0, time.monotonic())
            print(f"Redis while one phone speaks: {messages:.1f} messages/s, {per_s / 1000:.1f} KB/s")
            assert 40 <= messages <= 60 and 30_000 <= per_s <= 45_000, (messages, per_s)  # one microphone
            for _ in range(3):
                name, data = await next_segment(s, video_b, name)
                samples, rate = decode_audio(data)
                if share(samples, PHONE_HZ, rate) > 0.8:
                    break
            else:
                raise AssertionError(f"B's livestream lacks the phone: {share(samples, PHONE_HZ, rate):.2f}")
            assert played.loud_since(began) > 50  # > 1 s of the phone played into the hall, through B
            await mod.ok("RevokeFloor")

            # The turn is over: A no longer publishes; B's stream goes on, with its hall again.
            await _audible(on_b, HALL_HZ)
            assert all(not r.task.done() for r in readers)
    finally:
        for r in readers:
            await r.close()
        await tap.close()
        for pc in pcs:
            await pc.close()
        for p in peers:
            await p.close()
        a.stop()
        b.stop()
