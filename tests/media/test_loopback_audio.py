"""Two real aiortc peers over 127.0.0.1: a client plays a Mandarin clip, the PeerManager's sink gets it."""

from __future__ import annotations

import asyncio

import numpy as np
import numpy.typing as npt

from meeting_server.media.peers import SAMPLE_RATE, PeerManager

from .helpers import DATA, WavTrack, client_offer, read_wav, wait_until


def timeline(chunks: list[tuple[npt.NDArray[np.float32], float]]) -> npt.NDArray[np.float32]:
    """Place chunks at their pts, so a lost packet shows as a gap instead of shifting what follows."""
    end = max(round(pts * SAMPLE_RATE) + len(pcm) for pcm, pts in chunks)
    out = np.zeros(end, dtype=np.float32)
    for pcm, pts in chunks:
        start = round(pts * SAMPLE_RATE)
        out[start : start + len(pcm)] = pcm
    return out


def best_correlation(sent: npt.NDArray[np.float32], got: npt.NDArray[np.float32]) -> tuple[float, int]:
    """Normalised correlation at the best lag (got delayed by ``lag`` samples relative to sent)."""
    n = len(sent) + len(got)
    spectrum = np.fft.rfft(got, n) * np.conj(np.fft.rfft(sent, n))
    xcorr = np.fft.irfft(spectrum, n)
    lag = int(np.argmax(xcorr[: len(got)]))
    a = got[lag : lag + len(sent)]
    b = sent[: len(a)]
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))), lag


async def test_clip_arrives_as_16k_mono_and_matches(loopback: tuple[str, ...]) -> None:
    samples, rate = read_wav(DATA / "c01.wav")
    assert rate == SAMPLE_RATE
    clip_s = len(samples) / rate
    chunks: list[tuple[npt.NDArray[np.float32], float]] = []
    keys: set[str] = set()

    def on_audio(peer_key: str, pcm: npt.NDArray[np.float32], pts: float) -> None:
        keys.add(peer_key)
        assert pcm.dtype == np.float32 and pcm.ndim == 1
        chunks.append((pcm, pts))

    closed: list[str] = []
    manager = PeerManager(allowed_addresses=loopback, on_audio=on_audio, on_closed=closed.append)
    track = WavTrack(samples, rate)
    client, offer = await client_offer(track)
    try:
        answer = await manager.accept_offer("alice", offer, "offer")
        await client.setRemoteDescription(type(client.localDescription)(answer, "answer"))

        # The clip plays in real time plus its silent tail; wait until the client has sent it all.
        await wait_until(lambda: track.readyState == "ended", within=60)
        # The sender has played everything; let the last packets through (until 0.5 s of quiet).
        seen = -1
        while seen != len(chunks):
            seen = len(chunks)
            await asyncio.sleep(0.5)
        pair = manager.selected_pair("alice")
        await client.close()
        await wait_until(lambda: bool(closed), within=30)
    finally:
        await client.close()
        await manager.close_all()

    assert pair is not None
    (local_host, _), (remote_host, _) = pair
    assert (local_host, remote_host) == ("127.0.0.1", "127.0.0.1")
    assert keys == {"alice"}
    assert closed == ["alice"] and len(manager) == 0

    got = timeline(chunks)
    sent = samples.astype(np.float32) / 32768.0
    received_s = sum(len(p) for p, _ in chunks) / SAMPLE_RATE
    correlation, lag = best_correlation(sent, got)
    stats = manager.stats
    print(
        f"\nclip {clip_s:.3f} s, received {received_s:.3f} s ({len(chunks)} chunks), "
        f"correlation {correlation:.4f} at lag {lag / SAMPLE_RATE * 1000:.1f} ms, "
        f"resample {stats.resample_us_per_frame:.1f} µs/frame (max {stats.resample_max_seconds * 1e6:.0f} µs,"
        f" first {stats.setup_seconds * 1e6:.0f} µs) over {stats.frames} frames"
    )
    # Everything sent arrived (the clip plus most of its 0.6 s silent tail), and it is the same speech.
    assert received_s >= clip_s - 0.1
    assert correlation > 0.9
