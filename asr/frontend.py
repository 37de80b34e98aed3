"""A streaming audio front end for far-field (hall microphone) speech, before VAD and Whisper.

Three causal stages, each off unless its setting asks for it (close-talk phones need none):

* **high-pass** (``highpass_hz``): bins below the cut-off are removed (rumble, HVAC, the boom of a
  reverberant hall's low modes);
* **late-reverberation / noise suppression** (``dereverb``): per STFT bin, the late reverberation
  is predicted from the smoothed power a few frames earlier decayed by the hall's ``rt60_s``
  (Lebart et al. 2001) and a slowly tracked noise floor is added; the bin is attenuated by a
  Wiener-like gain, never below ``dereverb_floor``. ``dereverb`` scales the suppression (0 = off);
* **level normalisation** (``agc_target_dbfs``): a slow automatic gain towards a target speech
  level, between -12 and +24 dB, never clipping.

Frames are 32 ms with a 16 ms hop (sqrt-Hann analysis and synthesis, perfect reconstruction);
output comes in whole hops and lags input by ``DELAY_SAMPLES`` (plus what waits for a whole hop).
Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from asr.settings import SAMPLE_RATE, AsrSettings

N_FFT = 512
HOP = N_FFT // 2
DELAY_SAMPLES = N_FFT - HOP
_WINDOW = np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
_REVERB_DELAY_FRAMES = 3  # ~50 ms: what arrives later than this after the direct sound is "late"
_MIN_GAIN_DB, _MAX_GAIN_DB = -12.0, 24.0


@dataclass(frozen=True)
class FrontendConfig:
    """The ``AsrSettings`` fields of the same name (documented and defaulted there)."""

    highpass_hz: float
    dereverb: float
    dereverb_floor: float
    rt60_s: float
    agc_target_dbfs: float

    @classmethod
    def from_settings(cls, settings: AsrSettings) -> FrontendConfig:
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})

    @property
    def enabled(self) -> bool:
        return self.highpass_hz > 0 or self.dereverb > 0 or self.agc_target_dbfs < 0


class Frontend:
    """The front end of one stream (stateful: feed consecutive chunks)."""

    def __init__(self, config: FrontendConfig) -> None:
        self.cfg = config
        bins = N_FFT // 2 + 1
        freqs = np.arange(bins) * SAMPLE_RATE / N_FFT
        # a one-octave raised-cosine ramp up to the cut-off, not a brick wall
        fc = max(config.highpass_hz, 1e-3)
        ramp = np.clip(np.log2(np.maximum(freqs, 1e-3) / fc) + 1.0, 0.0, 1.0)
        self._highpass = (0.5 - 0.5 * np.cos(np.pi * ramp)) if config.highpass_hz > 0 else np.ones(bins)
        decay = 6.0 * np.log(10.0) / max(config.rt60_s, 0.05)  # power decay rate (60 dB per RT60)
        self._late = float(np.exp(-decay * _REVERB_DELAY_FRAMES * HOP / SAMPLE_RATE))
        self._in = np.zeros(N_FFT - HOP, dtype=np.float32)  # analysis tail (the last frame's overlap)
        self._ola = np.zeros(N_FFT - HOP, dtype=np.float32)  # synthesis overlap
        self._history = np.zeros((_REVERB_DELAY_FRAMES, bins))  # smoothed power of recent frames
        self._smooth = np.zeros(bins)
        self._noise: np.ndarray | None = None
        self._gain_prev = np.ones(bins)
        self._level = 10 ** (-30 / 20)  # tracked speech RMS
        self._agc_gain = 1.0
        self._frames = 0

    def process(self, pcm: np.ndarray) -> np.ndarray:
        """Filter ``pcm`` (float32 mono 16 kHz): the samples finished so far (whole hops), in order."""
        x = np.asarray(pcm, dtype=np.float32).reshape(-1)
        if not self.cfg.enabled or x.size == 0:
            return x
        data = np.concatenate([self._in, x])
        n_frames = (len(data) - (N_FFT - HOP)) // HOP
        produced = [np.zeros(0, dtype=np.float32)]
        for k in range(n_frames):
            frame = data[k * HOP : k * HOP + N_FFT]
            y = self._frame(frame)
            y[: N_FFT - HOP] += self._ola
            self._ola = y[HOP:].copy()
            produced.append(y[:HOP])
        self._in = data[n_frames * HOP :]
        return self._agc(np.concatenate(produced))

    def _frame(self, frame: np.ndarray) -> np.ndarray:
        spec = np.fft.rfft(frame * _WINDOW)
        power = spec.real**2 + spec.imag**2
        gain = self._highpass
        if self.cfg.dereverb > 0:
            gain = gain * self._suppression(power)
        return (np.fft.irfft(spec * gain, N_FFT) * _WINDOW).astype(np.float32)

    def _suppression(self, power: np.ndarray) -> np.ndarray:
        self._frames += 1
        # noise floor: follows drops at once, rises ~3 dB/s (speech never pulls it up for long)
        if self._noise is None:
            self._noise = power.copy()
        else:
            self._noise = np.minimum(np.maximum(self._noise * 1.011, 1e-12), np.maximum(power, 1e-12))
        late = self._late * self._history[0]
        self._smooth = 0.7 * self._smooth + 0.3 * power
        self._history = np.roll(self._history, -1, axis=0)
        self._history[-1] = self._smooth
        interference = self.cfg.dereverb * (late + self._noise)
        gain = np.maximum(1.0 - interference / np.maximum(power, 1e-12), 0.0)
        gain = np.maximum(np.sqrt(gain), self.cfg.dereverb_floor)
        # a bin's gain falls at most ~40 % a frame: less flicker (musical noise)
        smoothed: np.ndarray = 0.5 * gain + 0.5 * np.maximum(gain, self._gain_prev * 0.6)
        self._gain_prev = smoothed
        return smoothed

    def _agc(self, y: np.ndarray) -> np.ndarray:
        target = self.cfg.agc_target_dbfs
        if target >= 0 or y.size == 0:
            return y
        out = np.empty_like(y)
        step = HOP
        for i in range(0, len(y), step):
            block = y[i : i + step]
            rms = float(np.sqrt(np.mean(block**2)))
            if rms > 0.25 * self._level:  # speech-like block: track its level (~1 s attack/release)
                self._level += 0.02 * (rms - self._level)
            want = 10 ** (target / 20) / max(self._level, 1e-6)
            want = min(max(want, 10 ** (_MIN_GAIN_DB / 20)), 10 ** (_MAX_GAIN_DB / 20))
            self._agc_gain += 0.05 * (want - self._agc_gain)
            peak = float(np.max(np.abs(block))) if block.size else 0.0
            gain = min(self._agc_gain, 0.98 / peak) if peak > 0 else self._agc_gain
            out[i : i + step] = block * gain
        return out
