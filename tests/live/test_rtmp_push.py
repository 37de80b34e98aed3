"""RTMP push ([live] rtmp_url): the meeting's encoder starts when the meeting opens and pushes the same
encode to an RTMP ingest, retrying until one listens. The receiver here is PyAV's own FFmpeg listening on
127.0.0.1 (``listen=1``, as ``ffmpeg -listen 1 -i rtmp://…`` does), so no ffmpeg binary is needed."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp
import av

from meeting_server.hub.keys import LIVE_VIDEO
from tests.media.helpers import wait_until
from tests.support.hub import Peer, running_server

from .helpers import decode, next_segment, open_stream


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Receiver(threading.Thread):
    """Accepts one RTMP publisher and decodes what it sends until ``video_frames`` pictures came."""

    def __init__(self, url: str, video_frames: int = 6) -> None:
        super().__init__(daemon=True)
        self.url, self.want = url, video_frames
        self.frames: list[tuple[int, int]] = []
        self.audio_packets = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with av.open(
                self.url,
                "r",
                format="flv",
                options={"listen": "1", "timeout": "60", "analyzeduration": "500000"},
            ) as c:
                for packet in c.demux():
                    if packet.stream.type == "audio" and packet.size:
                        self.audio_packets += 1
                    if packet.stream.type == "video":
                        self.frames += [(f.width, f.height) for f in packet.decode()]
                        if len(self.frames) >= self.want:
                            return
        except BaseException as exc:  # reported by the test
            self.error = exc


async def test_the_livestream_is_pushed_to_an_rtmp_ingest(tmp_path: Path) -> None:
    url = f"rtmp://127.0.0.1:{free_port()}/live/stream-key"
    async with running_server(tmp_path, live={"rtmp_url": url}) as server:
        created = await server.create_meeting()
        mid, links = created["meeting_id"], created["links"]
        mod = Peer(server.url, links["moderator"]["token"])
        try:
            await mod.connect()
            await mod.join("主持人")
            live_video = server.app[LIVE_VIDEO]
            assert mid not in live_video.encoders
            await mod.ok("OpenMeeting")  # no viewer: the push starts the encoder
            assert mid in live_video.encoders
            encoder = live_video.encoders[mid]
            await asyncio.sleep(1.0)  # the ingest is not there yet: the push retries
            receiver = Receiver(url)
            receiver.start()
            t0 = time.monotonic()
            await asyncio.to_thread(receiver.join, 40)
            print(f"received in {time.monotonic() - t0:.1f} s")
            assert receiver.error is None, receiver.error
            assert receiver.frames[:1] == [(640, 360)] and len(receiver.frames) >= 6, receiver.frames
            assert receiver.audio_packets > 0
            assert encoder.rtmp is not None and encoder.rtmp.connects >= 1
            # The HLS stream is the same encode and still plays; a later segment decodes on its own.
            async with aiohttp.ClientSession() as s:
                stream = await open_stream(s, server.url, mid, links["observer"]["token"])
                name, _ = await next_segment(s, stream)
                _, data = await next_segment(s, stream, name)
                assert decode(data)
            await mod.ok("CloseMeeting")
            await _gone(live_video.encoders, mid)
        finally:
            await mod.close()


async def _gone(encoders: dict[str, Any], mid: str) -> None:
    await wait_until(lambda: mid not in encoders, 10)
