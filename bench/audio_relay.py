"""The sound's relay in scale-out (``hub.audio_relay``): its CPU and Redis traffic per microphone.

A real redis-server and two relays in this one process, standing for two server processes: the first
publishes ``--mics`` microphones (20 ms chunks of 16 kHz mono at real-time pace), the second, whose meeting
has a listener, receives and decodes them. Measured over ``--seconds``: this process's CPU (both sides
together: publishing, Redis client, receiving, int16 conversions) and redis-server's, as % of one core, and
the bytes a second published, and each chunk's delay from ``publish`` to ``hear_remote``. Prints one JSON
line.

    python bench/audio_relay.py --mics 1 --seconds 20
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

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from meeting_server.hub.audio_relay import AudioRelay
from tests.support.redis import RedisServer


class Sink:
    listened = True

    def __init__(self) -> None:
        self.samples = 0
        self.at: list[float] = []  # when each chunk was handed on

    def hear_remote(self, source: str, pcm: npt.NDArray[np.float32]) -> None:
        self.samples += len(pcm)
        self.at.append(time.monotonic())


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0  # utime, stime in clock ticks (100 Hz)


async def main(mics: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp))
        assert server.proc is not None
        sink = Sink()
        sender, receiver = AudioRelay(server.url, {}), AudioRelay(server.url, {"m1": sink})
        sender.start()
        receiver.start()
        await asyncio.sleep(0.5)
        rng = np.random.default_rng(0)
        pcm = (0.1 * rng.standard_normal(320)).astype(np.float32)
        try:
            t0, c0, r0 = time.monotonic(), time.process_time(), cpu_of(server.proc.pid)
            b0 = sender.sent_bytes
            n = 0
            sent_at: list[float] = []
            while (now := time.monotonic()) - t0 < seconds:
                for i in range(mics):
                    sent_at.append(time.monotonic())
                    sender.publish("m1", f"p{i}", pcm)
                n += 1
                await asyncio.sleep(max(0.0, t0 + n * 0.02 - time.monotonic()))
            await asyncio.sleep(0.3)
            wall = now - t0
            ours = (time.process_time() - c0) / wall
            theirs = (cpu_of(server.proc.pid) - r0) / wall
            delays = 1000 * (np.array(sink.at) - np.array(sent_at)) if sent_at else np.zeros(1)
            return {
                "mics": mics,
                "seconds": round(wall, 1),
                "chunks_sent": sender.sent,
                "chunks_received": receiver.received,
                "lost": receiver.lost,
                "dropped": sender.dropped,
                "received_audio_s": round(sink.samples / 16000, 1),
                "process_cpu_pct": round(100 * ours, 2),
                "redis_cpu_pct": round(100 * theirs, 2),
                "published_kb_s": round((sender.sent_bytes - b0) / wall / 1000, 1),
                "delay_ms_p50": round(float(np.percentile(delays, 50)), 2),
                "delay_ms_p99": round(float(np.percentile(delays, 99)), 2),
            }
        finally:
            await sender.close()
            await receiver.close()
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mics", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.mics, args.seconds))))
