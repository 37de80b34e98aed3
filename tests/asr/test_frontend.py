"""The far-field front end (asr/frontend.py) on synthetic signals: no model."""

from __future__ import annotations

import numpy as np

from asr.frontend import DELAY_SAMPLES, HOP, Frontend, FrontendConfig
from asr.settings import SAMPLE_RATE, AsrSettings, HallAsrSettings

RNG = np.random.default_rng(3)


def run(cfg: FrontendConfig, x: np.ndarray, chunk: int = 1600) -> np.ndarray:
    front = Frontend(cfg)
    return np.concatenate([front.process(x[i : i + chunk]) for i in range(0, len(x), chunk)])


def config(**changes: float) -> FrontendConfig:
    base = {"highpass_hz": 0.0, "dereverb": 0.0, "dereverb_floor": 0.3, "rt60_s": 0.6, "agc_target_dbfs": 0.0}
    return FrontendConfig(**(base | changes))  # type: ignore[arg-type]


def test_off_by_default_and_for_phones() -> None:
    assert not FrontendConfig.from_settings(AsrSettings()).enabled
    assert FrontendConfig.from_settings(HallAsrSettings().apply(AsrSettings())).enabled
    x = RNG.standard_normal(5000).astype(np.float32) * 0.1
    assert np.array_equal(Frontend(FrontendConfig.from_settings(AsrSettings())).process(x), x)


def test_output_is_the_input_delayed_in_whole_hops() -> None:
    x = (0.3 * np.sin(2 * np.pi * 440 * np.arange(SAMPLE_RATE) / SAMPLE_RATE)).astype(np.float32)
    y = run(config(highpass_hz=20.0), x, chunk=777)  # odd chunks: the state carries over
    assert len(y) % HOP == 0 and len(x) - len(y) < HOP + DELAY_SAMPLES
    n = len(y) - DELAY_SAMPLES
    assert np.abs(y[DELAY_SAMPLES:] - x[:n]).max() < 0.01  # 440 Hz passes untouched


def test_highpass_removes_rumble() -> None:
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    hum = (0.3 * np.sin(2 * np.pi * 40 * t)).astype(np.float32)
    y = run(config(highpass_hz=100.0), hum)
    assert np.sqrt(np.mean(y[2000:] ** 2)) < 0.1 * np.sqrt(np.mean(hum**2))


def test_dereverb_shortens_a_decaying_tail() -> None:
    # a noise burst, then its exponential tail (RT60 0.6 s), as a hall answers a syllable
    burst = RNG.standard_normal(int(0.2 * SAMPLE_RATE))
    t = np.arange(int(0.8 * SAMPLE_RATE)) / SAMPLE_RATE
    tail = RNG.standard_normal(len(t)) * 10 ** (-3 * t / 0.6)
    x = (0.2 * np.concatenate([burst, tail])).astype(np.float32)
    y = run(config(dereverb=1.0), x)
    late = slice(len(burst) + int(0.1 * SAMPLE_RATE) + DELAY_SAMPLES, len(y))
    assert np.sum(y[late] ** 2) < 0.5 * np.sum(x[late.start - DELAY_SAMPLES : len(y) - DELAY_SAMPLES] ** 2)
    head = slice(DELAY_SAMPLES + 800, DELAY_SAMPLES + len(burst) - 800)
    assert np.sum(y[head] ** 2) > 0.6 * np.sum(x[800 : len(burst) - 800] ** 2)  # the direct sound stays


def test_agc_brings_quiet_speech_up_and_never_clips() -> None:
    t = np.arange(4 * SAMPLE_RATE) / SAMPLE_RATE
    quiet = (0.01 * np.sin(2 * np.pi * 300 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    y = run(config(agc_target_dbfs=-23.0), quiet)
    assert np.sqrt(np.mean(y[-SAMPLE_RATE:] ** 2)) > 4 * np.sqrt(np.mean(quiet[-SAMPLE_RATE:] ** 2))
    loud = np.clip(quiet * 90, -0.99, 0.99)
    assert np.abs(run(config(agc_target_dbfs=-10.0), loud)).max() <= 0.99
