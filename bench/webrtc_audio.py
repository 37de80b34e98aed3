"""Where WebRTC could lose caption accuracy: the audio chain alone, without the network or real time.

Reproduces, offline and deterministically, what happens to a recording on its way from
bench/e2e_captions.py's sender to the recogniser: the sender's 16 kHz s16 mono frames go through aiortc's
Opus encoder (its resampler to 48 kHz stereo, 20 ms frames, libopus ``voip`` at aiortc's bit rate), are
decoded, and go through the server's resampler to 16 kHz float mono (``meeting_server.media.peers``). Each
clip is then captioned by the streaming path fed as fast as possible (``asr.offline.stream_pcm``, as
``python -m asr transcribe --stream``) and compared with the same path on the original audio. Reports CER
both ways, the chain's gain (RMS ratio) and delay. If both CERs agree, the audio chain (Opus, resampling,
gain) is not what loses accuracy. One JSON line.

    python bench/webrtc_audio.py --clips ../shared/speech --count 12
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from aiortc.codecs.opus import OpusDecoder, OpusEncoder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from asr.audio import load_audio
from asr.engine import WhisperEngine
from asr.metrics import cer
from asr.offline import stream_pcm
from asr.settings import SAMPLE_RATE, AsrSettings
from meeting_server.media.ice import configure_host_addresses
from meeting_server.media.peers import PeerManager
from tests.media.helpers import WavTrack, client_offer

ROOT = Path(__file__).resolve().parent.parent


def through_webrtc(pcm: np.ndarray, application: str = "voip") -> np.ndarray:
    """``pcm`` (float32 16 kHz mono) as the server hands it to the recogniser after aiortc's Opus."""
    s16 = np.clip(np.round(pcm * 32767), -32768, 32767).astype(np.int16)
    s16 = np.concatenate([s16, np.zeros(SAMPLE_RATE // 2, dtype=np.int16)])  # flush the codec's delay
    encoder, decoder = OpusEncoder(), OpusDecoder()
    encoder.codec.options = {"application": application}  # aiortc's is "voip"; the codec opens lazily
    server = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    step = SAMPLE_RATE // 50
    out: list[np.ndarray] = []
    for i in range(0, len(s16) - step + 1, step):
        frame = av.AudioFrame.from_ndarray(s16[i : i + step].reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = i
        frame.time_base = Fraction(1, SAMPLE_RATE)
        payloads, timestamp = encoder.encode(frame)
        for payload in payloads:
            for decoded in decoder.decode(_Packet(payload, timestamp)):
                for chunk in server.resample(decoded):
                    out.append(chunk.to_ndarray()[0])
    return np.concatenate(out).astype(np.float32)


async def _loopback(pcm: np.ndarray) -> np.ndarray:
    """``pcm`` through two real aiortc peers on 127.0.0.1 at real-time pace, as the server's sink gets it
    (chunks placed at their pts, so a lost packet is a gap)."""
    s16 = np.clip(np.round(pcm * 32767), -32768, 32767).astype(np.int16)
    chunks: list[tuple[np.ndarray, float]] = []
    manager = PeerManager(allowed_addresses=("127.0.0.1",), on_audio=lambda _k, a, t: chunks.append((a, t)))
    track = WavTrack(s16, SAMPLE_RATE, tail_s=1.0)
    client, offer = await client_offer(track)
    try:
        answer = await manager.accept_offer("bench", offer, "offer")
        await client.setRemoteDescription(type(client.localDescription)(answer, "answer"))
        while track.readyState != "ended":
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
    finally:
        await client.close()
        await manager.close_all()
    end = max(round(t * SAMPLE_RATE) + len(a) for a, t in chunks)
    out = np.zeros(end, dtype=np.float32)
    for a, t in chunks:
        out[round(t * SAMPLE_RATE) : round(t * SAMPLE_RATE) + len(a)] = a
    return out


class _Packet:
    """What aiortc's decoder reads of a jitter-buffer frame."""

    def __init__(self, data: bytes, timestamp: int) -> None:
        self.data = data
        self.timestamp = timestamp


def delay_and_gain(a: np.ndarray, b: np.ndarray) -> tuple[int, float]:
    n = min(len(a), len(b), SAMPLE_RATE * 4)
    corr = np.correlate(b[: n + 2000], a[:n], mode="valid")
    lag = int(np.argmax(corr))
    seg = b[lag : lag + n]
    return lag, float(np.sqrt(np.mean(seg**2)) / max(1e-9, np.sqrt(np.mean(a[:n] ** 2))))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=Path, default=ROOT.parent / "shared" / "speech")
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--application", default="voip", help="libopus application (codec path only)")
    parser.add_argument(
        "--loopback", action="store_true", help="real aiortc peers on 127.0.0.1 instead of the codec alone"
    )
    args = parser.parse_args()
    configure_host_addresses(["127.0.0.1"])
    rows = [ln.split("\t") for ln in (args.clips / "manifest.tsv").read_text("utf-8").splitlines() if ln]
    rows = rows[: args.count]
    engine = WhisperEngine(AsrSettings())
    direct: list[tuple[str, str]] = []
    chained: list[tuple[str, str]] = []
    lags, gains = [], []
    for name, ref in rows:
        pcm = load_audio(args.clips / name)
        via = asyncio.run(_loopback(pcm)) if args.loopback else through_webrtc(pcm, args.application)
        lag, gain = delay_and_gain(pcm, via)
        lags.append(lag)
        gains.append(gain)
        for pairs, audio in ((direct, pcm), (chained, via)):
            text = "".join(c.text for c in stream_pcm(engine, audio) if c.kind == "final")
            pairs.append((ref, text))
    print(
        json.dumps(
            {
                "clips": len(rows),
                "path": "aiortc loopback" if args.loopback else f"opus codec ({args.application})",
                "cer_engine": round(cer(direct), 4),
                "cer_through_opus_chain": round(cer(chained), 4),
                "chain_gain_rms_ratio": round(float(np.median(gains)), 3),
                "chain_delay_ms": round(1000 * float(np.median(lags)) / SAMPLE_RATE, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
