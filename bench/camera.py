"""The hall camera's cost to the server: the server's CPU (% of one core) while its one HLS encoder shows the
still card, then while a camera sends (an aiortc peer in this process: 640×480 VP8 at ``--fps``, a moving
pattern) and the stream runs at ``--camera-fps`` (``[live] camera_fps``), and how long a camera picture
takes to reach a listed HLS segment.

A server runs as a subprocess (captions off). Phase 1: a viewer's request starts the encoder, the card is the
picture for ``--seconds``. Phase 2: the recorder link sends the camera for ``--seconds``. Camera latency:
from the camera's offer being answered to the first listed segment whose pictures are the camera (it
includes ICE/DTLS set-up, the next keyframe and the segment's 2 s). The frame rates are counted in the
segments read back (frames per 2 s segment / 2). Prints one JSON line.

    python bench/camera.py --seconds 20 --fps 15 --camera-fps 12
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from aiortc import RTCSessionDescription

from meeting_server.media.hls import SEGMENT_S
from meeting_server.media.ice import configure_host_addresses
from tests.live.helpers import PatternTrack, decode, is_card, next_segment, open_stream
from tests.media.helpers import client_offer
from tests.support.hub import Peer
from tests.support.process import CROWD_ENV, ServerProcess


async def main(seconds: float, fps: int, camera_fps: int) -> dict[str, Any]:
    configure_host_addresses(("127.0.0.1",))
    env = {**CROWD_ENV, "GONGZHI_MEDIA__CAPTIONS": "false", "GONGZHI_LIVE__CAMERA_FPS": str(camera_fps)}
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp), extra_env=env)
        try:
            created = server.create_meeting()
            mid, links = created["meeting_id"], created["links"]
            mod, rec = (
                Peer(server.url, links["moderator"]["token"]),
                Peer(server.url, links["recorder"]["token"]),
            )
            for p in (mod, rec):
                await p.connect()
            await mod.join("主持人")
            await mod.ok("OpenMeeting")
            async with aiohttp.ClientSession() as s:
                stream = await open_stream(s, server.url, mid, links["observer"]["token"])
                name, data = await next_segment(s, stream)
                card_fps = len(decode(data)) / SEGMENT_S
                await asyncio.sleep(2)
                cpu0, t0 = server.cpu_seconds(), time.monotonic()
                await asyncio.sleep(seconds)
                card_pct = 100 * (server.cpu_seconds() - cpu0) / (time.monotonic() - t0)

                track = PatternTrack(fps)
                pc, sdp = await client_offer(track)
                ack = await rec.sio.call("camera_offer", {"sdp": sdp, "type": "offer"}, timeout=30)
                assert ack["ok"], ack
                answered = time.monotonic()
                await pc.setRemoteDescription(RTCSessionDescription(ack["answer"]["sdp"], "answer"))
                latency = None
                while latency is None and time.monotonic() - answered < 30:
                    name, data = await next_segment(s, stream, name)
                    pictures = decode(data)
                    if pictures and not any(is_card(p) for p in pictures):
                        latency = time.monotonic() - answered
                cpu0, t0, n0 = server.cpu_seconds(), time.monotonic(), track.n
                counts = []
                while time.monotonic() - t0 < seconds:
                    name, data = await next_segment(s, stream, name)
                    counts.append(len(decode(data)))
                wall = time.monotonic() - t0
                camera_pct = 100 * (server.cpu_seconds() - cpu0) / wall
                sent_fps = (track.n - n0) / wall
                await pc.close()
            for p in (mod, rec):
                await p.close()
        finally:
            server.stop()
    return {
        "seconds": seconds,
        "camera_sent_fps": round(sent_fps, 1),
        "camera_size": "640x480",
        "stream_fps_card": card_fps,
        "stream_fps_camera": round(sum(counts[1:]) / (SEGMENT_S * max(1, len(counts) - 1)), 1),
        "server_cpu_pct_of_core_card": round(card_pct, 1),
        "server_cpu_pct_of_core_camera": round(camera_pct, 1),
        "camera_to_segment_s": None if latency is None else round(latency, 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--fps", type=int, default=15, help="the camera's frame rate")
    parser.add_argument("--camera-fps", type=int, default=12, help="the stream's ([live] camera_fps)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.seconds, args.fps, args.camera_fps))))
