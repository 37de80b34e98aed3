"""Test helpers: read the test clips, decode a recording back to 16 kHz mono, compare audio."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

DATA = Path(__file__).resolve().parent.parent / "data" / "audio"
Pcm = npt.NDArray[np.float32]


def read_clip(name: str) -> Pcm:
    with wave.open(str(DATA / name)) as w:
        assert (w.getsampwidth(), w.getnchannels(), w.getframerate()) == (2, 1, 16000)
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return raw.astype(np.float32) / 32768.0


def decode(path: Path) -> Pcm:
    """Every sample a decoder gets out of the file, as 16 kHz mono (whatever rate it decodes at)."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=16000)
    parts: list[Pcm] = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            parts.extend(f.to_ndarray()[0] for f in resampler.resample(frame))
    parts.extend(f.to_ndarray()[0] for f in resampler.resample(None))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def correlation(reference: Pcm, signal: Pcm, max_lag: int = 1600) -> float:
    """Normalised correlation of ``reference`` with ``signal`` delayed by the best lag in 0..max_lag samples
    (Opus adds a few ms of delay)."""
    n = len(reference) + len(signal)
    xcorr = np.fft.irfft(np.fft.rfft(signal, n) * np.conj(np.fft.rfft(reference, n)), n)
    lag = int(np.argmax(xcorr[: max_lag + 1]))
    part = signal[lag : lag + len(reference)]
    ref = reference[: len(part)]
    return float(np.dot(part, ref) / (np.linalg.norm(part) * np.linalg.norm(ref)))
