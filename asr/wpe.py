"""Weighted prediction error (WPE) dereverberation of one buffer (an utterance), pure numpy.

Each STFT bin's late reverberation is predicted linearly from the same bin ``delay`` ..
``delay + taps - 1`` frames earlier and subtracted; the prediction filter is the least-squares one
weighted by the inverse power of the dereverberated signal, re-estimated ``iterations`` times
(Nakatani et al. 2010, Yoshioka and Nakatani 2012; one channel). The whole buffer is read at
once, so this runs on what is about to be decoded, not on the live stream.

Frames are 32 ms with an 8 ms hop (sqrt-Hann analysis and synthesis); the output has the input's
length and timing.
"""

from __future__ import annotations

import numpy as np

N_FFT = 512
HOP = N_FFT // 4
_WINDOW = np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT))
_OLA_GAIN = 2.0  # the sum of sqrt-Hann analysis x synthesis windows at a quarter-frame hop


def _stft(x: np.ndarray) -> np.ndarray:
    padded = np.pad(x, (N_FFT - HOP, N_FFT))
    n = (len(padded) - N_FFT) // HOP + 1
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:n]
    return np.fft.rfft(frames * _WINDOW, axis=1).T  # (bins, frames)


def _istft(spec: np.ndarray, length: int) -> np.ndarray:
    frames = np.fft.irfft(spec.T, N_FFT, axis=1) * _WINDOW
    out = np.zeros(HOP * (len(frames) - 1) + N_FFT)
    for k, frame in enumerate(frames):
        out[k * HOP : k * HOP + N_FFT] += frame
    return out[N_FFT - HOP : N_FFT - HOP + length] / _OLA_GAIN


def dereverberate(audio: np.ndarray, taps: int = 10, delay: int = 3, iterations: int = 3) -> np.ndarray:
    """``audio`` (float32 mono 16 kHz) with its late reverberation removed; same length."""
    x = np.asarray(audio, dtype=np.float64).reshape(-1)
    if taps <= 0 or x.size < N_FFT:
        return np.asarray(audio, dtype=np.float32)
    y = _stft(x)
    bins, n = y.shape
    # past[f, t, k]: frame t - delay - k of bin f (zeros before the start)
    past = np.zeros((bins, n, taps), dtype=np.complex128)
    for k in range(taps):
        shift = delay + k
        if shift < n:
            past[:, shift:, k] = y[:, : n - shift]
    z = y
    for _ in range(iterations):
        power = z.real**2 + z.imag**2
        weight = 1.0 / np.maximum(power, 1e-10 * max(float(power.max()), 1e-20))
        weighted = past * weight[:, :, None]
        corr = np.matmul(weighted.transpose(0, 2, 1), past.conj())  # (bins, taps, taps)
        cross = np.matmul(weighted.transpose(0, 2, 1), y.conj()[:, :, None])[:, :, 0]
        corr += np.eye(taps) * (1e-10 * np.trace(corr, axis1=1, axis2=2).real.max() + 1e-20)
        filt = np.linalg.solve(corr, cross[:, :, None])[:, :, 0]
        z = y - np.matmul(past, filt.conj()[:, :, None])[:, :, 0]
    return _istft(z, len(x)).astype(np.float32)
