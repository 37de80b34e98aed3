"""End-to-end captions: a WebRTC speaker → the server → an observer's socket.

A server runs as a subprocess (captions on, loopback ICE). A resident is given the floor and plays a
recording with known sentence times through a real aiortc connection at real-time pace; an observer
socket stamps each final caption on arrival. Final latency per sentence = arrival − end of the sentence
(on the wall clock, from the moment the first audio sample was sent), aligned as in bench/asr_stream.py.
Then 29 more residents connect WebRTC microphones (sending silence) while one speaks, and the server's
CPU is measured. Prints one JSON line.

    python bench/e2e_captions.py --audio ../shared/speech/dev_paused_speech.wav

With ``--clips``, accuracy only (``e2e_clips.py``): each short clip of a manifest is one turn spoken through
WebRTC, and the engine alone reads the same clips offline, so both CERs are on the same audio.

    python bench/e2e_captions.py --clips ../shared/speech --first 11 --count 35
"""

from __future__ import annotations

import argparse
import asyncio
import io
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from asr_stream import pct, read_segments

from asr.metrics import cer, final_latencies
from asr.stream import Caption
from meeting_server.media.ice import configure_host_addresses
from tests.media.helpers import WavTrack, client_offer, read_wav
from tests.support.hub import Peer
from tests.support.process import ServerProcess

SHARED = ROOT.parent / "shared" / "speech"
SPEC: dict[str, Any] = {
    "title": "端到端字幕测试",
    "level": "shequ",
    "place": "社区活动中心",
    "scheduled_at": "2026-12-01T19:00+08:00",
    "agenda": [{"title": "议题", "planned_minutes": 60}],
    "settings": {"speaking_limit_s": 3600},
}
BITRATE = 32000  # [media] live_bitrate default: the MP3 stream is constant-rate
SENDER_TAIL_S = 1.5  # the phone stays connected this long after the recording ends, sending silence


class IdleTrack(MediaStreamTrack):
    """A connected microphone that sends nothing: a phone whose page has not opened the mic."""

    kind = "audio"

    async def recv(self) -> Any:
        await asyncio.Event().wait()


async def connect_mic(peer: Peer, samples: np.ndarray | None, rate: int) -> tuple[Any, Any]:
    track: Any = WavTrack(samples, rate, tail_s=SENDER_TAIL_S) if samples is not None else IdleTrack()
    pc, sdp = await client_offer(track)
    ack = await peer.sio.call("rtc_offer", {"sdp": sdp, "type": "offer"}, timeout=60)
    assert ack["ok"], ack
    await pc.setRemoteDescription(RTCSessionDescription(ack["answer"]["sdp"], "answer"))
    return pc, track


LIVE_CHUNKS: list[tuple[float, bytes]] = []


async def listen(url: str, meeting_id: str, links: dict[str, Any]) -> None:
    """An observer's player, reduced to receiving the live MP3 stream and stamping each chunk."""
    token = links["observer"]["token"]
    live = f"{url}/m/{meeting_id}/live.mp3?t={token}"
    async with aiohttp.ClientSession() as session, session.get(live) as r:
        async for chunk in r.content.iter_any():
            LIVE_CHUNKS.append((time.time(), chunk))


def live_audio_latency(chunks: list[tuple[float, bytes]], onset_wall: float) -> float | None:
    """Arrival time of the first loud MP3 frame minus the moment the phone sent the speech onset."""
    if not chunks:
        return None
    data = b"".join(c for _, c in chunks)
    ends, total = [], 0
    for t, c in chunks:
        total += len(c)
        ends.append((total, t))
    with av.open(io.BytesIO(data), format="mp3") as container:
        for frame in container.decode(audio=0):
            pcm = frame.to_ndarray().astype(np.float32)
            if frame.format.name.startswith("s16"):
                pcm /= 32768.0
            if np.sqrt(np.mean(pcm**2)) > 0.02:
                # Byte position of this frame in the stream: the first chunk that holds it says when it came.
                position = frame.pts * frame.time_base * BITRATE / 8 if frame.pts is not None else 0
                arrived = next((t for end, t in ends if end >= position), chunks[-1][0])
                return round(float(arrived - onset_wall), 3)
    return None


async def participants_cpu(
    server: ServerProcess,
    links: dict[str, Any],
    speaker: Peer,
    samples: np.ndarray,
    rate: int,
    args: Any,
    idle: bool = False,
) -> float:
    """Server CPU (% of one core) with ``args.participants`` WebRTC microphones connected, one speaking.

    Only the floor holder may connect a microphone, so the others each hold the floor of a meeting of their
    own (a street office running many councils at once)."""
    others = []
    for i in range(args.participants - 1):
        other = server.create_meeting(SPEC)["links"]
        chair = Peer(server.url, other["moderator"]["token"])
        p = Peer(server.url, other["participant"]["token"])
        for q in (chair, p):
            await q.connect()
        await chair.join("主持人")
        await p.join(f"居民{i}")
        await chair.ok("OpenMeeting")
        await chair.ok("StartAgendaItem", index=0)
        await chair.ok("GrantFloor", participant_id=p.participant_id)
        others += [chair, p]
    silent = None if idle else np.zeros(int(rate * (args.cpu_seconds + 30)), dtype=np.int16)
    pcs = [(await connect_mic(p, silent, rate))[0] for p in others[1::2]]
    loop_samples = np.tile(samples, 1 + int(args.cpu_seconds * rate / len(samples)))
    pc_speaker, _ = await connect_mic(speaker, loop_samples, rate)
    await asyncio.sleep(5.0)
    cpu0, w0 = server.cpu_seconds(), time.time()
    await asyncio.sleep(args.cpu_seconds)
    cpu_pct = 100 * (server.cpu_seconds() - cpu0) / (time.time() - w0)
    for c in [*pcs, pc_speaker]:
        await c.close()
    for p in others:
        await p.close()
    return cpu_pct


async def webrtc_only_cpu(
    server: ServerProcess, args: argparse.Namespace, samples: np.ndarray, rate: int
) -> float:
    """The same load on a server with captions off: what the WebRTC connections themselves cost."""
    configure_host_addresses(["127.0.0.1"])
    links = server.create_meeting(SPEC)["links"]
    mod, speaker = (
        Peer(server.url, links["moderator"]["token"]),
        Peer(server.url, links["participant"]["token"]),
    )
    for p in (mod, speaker):
        await p.connect()
    await mod.join("主持人")
    await speaker.join("王阿姨")
    await mod.ok("OpenMeeting")
    await mod.ok("StartAgendaItem", index=0)
    await mod.ok("GrantFloor", participant_id=speaker.participant_id)
    cpu = await participants_cpu(server, links, speaker, samples, rate, args, idle=args.idle)
    for p in (mod, speaker):
        await p.close()
    return cpu


async def open_meeting(server: ServerProcess) -> tuple[dict[str, Any], Peer, Peer, Peer]:
    """A meeting of SPEC, open at its first item: (meeting, moderator, speaker 王阿姨, observer)."""
    configure_host_addresses(["127.0.0.1"])
    meeting = server.create_meeting(SPEC)
    links = meeting["links"]
    mod, speaker, obs = (
        Peer(server.url, links[r]["token"]) for r in ("moderator", "participant", "observer")
    )
    for p in (mod, speaker, obs):
        await p.connect()
    await mod.join("主持人")
    await speaker.join("王阿姨")
    await mod.ok("OpenMeeting")
    await mod.ok("StartAgendaItem", index=0)
    return meeting, mod, speaker, obs


async def run(server: ServerProcess, args: argparse.Namespace) -> dict[str, Any]:
    meeting, mod, speaker, obs = await open_meeting(server)
    links = meeting["links"]
    await mod.ok("GrantFloor", participant_id=speaker.participant_id)
    await asyncio.sleep(3.0)  # the caption model loads in the background at server start

    arrivals: dict[int, float] = {}
    keep = obs._on_events

    async def stamped(msg: dict[str, Any]) -> None:
        now = time.time()
        for e in msg["events"]:
            arrivals.setdefault(e["seq"], now)
        await keep(msg)

    obs.sio.on("events", stamped)
    samples, rate = read_wav(Path(args.audio))
    sentences = read_segments(Path(args.audio).with_suffix(".segments.tsv"))
    listener = asyncio.get_running_loop().create_task(listen(server.url, meeting["meeting_id"], links))
    await asyncio.sleep(1.0)  # the listener is connected before the speaker starts
    pc, track = await connect_mic(speaker, samples, rate)
    while track._start is None:  # the first sample leaves when ICE and DTLS are up
        await asyncio.sleep(0.005)
    t0 = time.time() - (time.monotonic() - track._start)
    duration = len(samples) / rate
    await asyncio.sleep(duration + 6.0)
    listener.cancel()
    await asyncio.gather(listener, return_exceptions=True)
    live_latency = live_audio_latency(LIVE_CHUNKS, t0 + sentences[0][0])
    finals = [e for e in obs.events if e["type"] == "CaptionCommitted"]
    captions = [
        Caption(
            "final",
            e["payload"]["text"],
            e["payload"]["start"],
            e["payload"]["end"],
            arrivals.get(e["seq"], time.time()) - t0,
        )
        for e in finals
    ]
    latencies = [x for x in final_latencies(captions, sentences) if x is not None]
    reference = "".join(t for _s, _e, t in sentences)
    hypothesis = "".join(c.text for c in captions)
    await pc.close()

    cpu_pct = await participants_cpu(server, links, speaker, samples, rate, args, idle=args.idle)
    for p in (mod, speaker, obs):
        await p.close()
    return {
        "bench": "e2e_captions",
        "audio": Path(args.audio).name,
        "audio_s": round(duration, 2),
        "sentences": len(sentences),
        "finals": len(captions),
        "final_latency_p50_s": pct(latencies, 50),
        "final_latency_p95_s": pct(latencies, 95),
        "sentences_without_final": len(sentences) - len(latencies),
        "cer": round(cer([(reference, hypothesis)]), 4),
        "webrtc_participants": args.participants,
        "others_send_audio": not args.idle,
        "server_cpu_pct_of_core_with_participants": round(cpu_pct, 1),
        # Speech onset sent by the phone → the MP3 bytes carrying it received by an HTTP listener
        # (excluding the browser player's own buffer).
        "live_audio_latency_s": live_latency,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--audio", default=str(SHARED / "dev_paused_speech.wav"), help="16-bit mono WAV + .segments.tsv"
    )
    p.add_argument("--participants", type=int, default=30)
    p.add_argument("--cpu-seconds", type=float, default=20.0)
    p.add_argument(
        "--idle",
        action="store_true",
        help="the others' microphones are connected but send nothing (as the pages do off the floor)",
    )
    p.add_argument("--clips", type=Path, help="a folder of short clips with manifest.tsv: accuracy only")
    p.add_argument("--first", type=int, default=11, help="with --clips: the first clip's number (cNN.wav)")
    p.add_argument("--count", type=int, default=35, help="with --clips: how many clips")
    args = p.parse_args()
    if args.clips is not None:
        from e2e_clips import main as clips_main

        clips_main(args.clips, args.first, args.count)
        return
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(
            Path(tmp), extra_env={"GONGZHI_MEDIA__CAPTIONS": "true", "GONGZHI_WEBRTC__MAX_CONNECTIONS": "64"}
        )
        try:
            result = asyncio.run(run(server, args))
        finally:
            server.stop()
        plain = ServerProcess(
            Path(tmp) / "plain",
            extra_env={"GONGZHI_MEDIA__CAPTIONS": "false", "GONGZHI_WEBRTC__MAX_CONNECTIONS": "64"},
        )
        try:
            samples, rate = read_wav(Path(args.audio))
            cpu = asyncio.run(webrtc_only_cpu(plain, args, samples, rate))
            result["server_cpu_pct_of_core_webrtc_only"] = round(cpu, 1)
        finally:
            plain.stop()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
