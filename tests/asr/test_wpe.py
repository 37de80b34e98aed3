"""Utterance dereverberation (asr/wpe.py) on synthetic reverberant signals: no model."""

from __future__ import annotations

import numpy as np

from asr.settings import SAMPLE_RATE
from asr.wpe import dereverberate

RNG = np.random.default_rng(5)


def room(dry: np.ndarray, rt60_s: float = 0.6, early_s: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    """(reverberant, direct + early part) of ``dry`` through a synthetic room: a direct path, then an
    exponentially decaying random tail (60 dB per ``rt60_s``), split at ``early_s``."""
    t = np.arange(int(1.2 * SAMPLE_RATE)) / SAMPLE_RATE
    rir = RNG.standard_normal(len(t)) * 10 ** (-3 * t / rt60_s) * 0.05
    rir[0] = 1.0
    early = np.where(t < early_s, rir, 0.0)
    return np.convolve(dry, rir)[: len(dry)], np.convolve(dry, early)[: len(dry)]


def spectral_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Relative squared distance between the STFT magnitudes of ``a`` and ``b`` (32 ms frames)."""
    frames = np.lib.stride_tricks.sliding_window_view
    mag_a = np.abs(np.fft.rfft(frames(a, 512)[::128] * np.hanning(512), axis=1))
    mag_b = np.abs(np.fft.rfft(frames(b, 512)[::128] * np.hanning(512), axis=1))
    return float(np.sum((mag_a - mag_b) ** 2) / np.sum(mag_b**2))


def bursts(seconds: float) -> np.ndarray:
    """Speech-like sparse excitation: 120 ms noise 'syllables' of random colour and level, with gaps."""
    x = np.zeros(int(seconds * SAMPLE_RATE))
    pos = 0
    while pos < len(x) - 4000:
        n = int(0.12 * SAMPLE_RATE)
        burst = np.convolve(RNG.standard_normal(n), RNG.standard_normal(8), "same") * RNG.uniform(0.3, 1.0)
        x[pos : pos + n] = burst * np.hanning(n)
        pos += n + int(RNG.uniform(0.05, 0.3) * SAMPLE_RATE)
    return x


def test_late_reverberation_is_removed_and_the_direct_sound_kept() -> None:
    wet, target = room(bursts(5.0))
    out = dereverberate(wet.astype(np.float32))
    assert out.dtype == np.float32 and out.shape == wet.shape
    # the magnitude spectrogram's distance from the direct + early sound (what a recogniser hears):
    # one channel and 10 taps remove a part of the late reverberation, not all of it (~20 % here)
    before, after = spectral_distance(wet, target), spectral_distance(out, target)
    assert after < 0.9 * before, (before, after)


def test_off_short_and_silent_buffers_pass_through() -> None:
    x = RNG.standard_normal(SAMPLE_RATE).astype(np.float32)
    assert np.array_equal(dereverberate(x, taps=0), x)
    short = x[:300]
    assert np.array_equal(dereverberate(short), short)
    silence = np.zeros(SAMPLE_RATE, dtype=np.float32)
    assert np.array_equal(dereverberate(silence), silence)


def test_a_dry_signal_is_nearly_unchanged() -> None:
    # nothing to predict from the past of white noise: the filter is ~0, the signal stays
    x = (0.1 * RNG.standard_normal(3 * SAMPLE_RATE)).astype(np.float32)
    out = dereverberate(x)
    assert np.sum((out - x) ** 2) < 0.05 * np.sum(x**2)
