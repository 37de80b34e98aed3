"""The wire between ``RedisAsrService`` (meeting server) and ``asr.worker`` processes.

Key layout (``prefix`` defaults to ``gongzhi:asr``):

- ``<prefix>:jobs`` — one entry per caption stream, read by the consumer group ``asr-workers``.
  Fields: ``stream_id``, ``hotwords`` (JSON list), ``live`` (``1``/``0``), ``overrides`` (JSON
  object of per-stream ``AsrSettings`` fields). Acknowledged and deleted by the worker that
  finished the stream.
- ``<prefix>:audio:<stream_id>`` — the stream's audio, in order: a ``kind=open`` header, then
  ``kind=pcm`` entries (``offset`` = index of the first sample, ``pcm`` = int16 little-endian mono
  16 kHz), then one ``kind=end`` entry (``offset`` = total samples). Kept whole until the stream
  is done, so a replacement worker can decode it again from the start.
- ``<prefix>:out:<stream_id>`` — what the worker says: ``kind`` = ``partial``/``final`` (``text``,
  ``start``, ``end``, ``emitted_at``), ``progress`` (``pos`` = seconds of audio processed),
  ``done`` (every final published), ``error`` (``text`` = reason). Every entry carries ``worker``
  and ``pos``.

Both stream keys carry a TTL (refreshed on each write) and are deleted by the service once the
stream is done, so an abandoned stream cannot grow Redis without bound.
"""

from __future__ import annotations

import json
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from typing import Any

import numpy as np

from asr.settings import AsrSettings
from asr.stream import Caption

DEFAULT_PREFIX = "gongzhi:asr"
GROUP = "asr-workers"
#: Settings that shape one stream's segmentation (``StreamProcessor``); engine settings (model,
#: beam size, language, prompt) belong to the worker's own configuration.
STREAM_FIELDS = (
    "vad_threshold",
    "silence_end_s",
    "speech_pad_s",
    "min_speech_s",
    "partial_interval_s",
    "commit_after_s",
    "max_buffer_s",
    "hallucination_phrases",
    "max_partial_lag_s",
)

Fields = dict[bytes, bytes]


def jobs_key(prefix: str) -> str:
    """The jobs stream."""
    return f"{prefix}:jobs"


def audio_key(prefix: str, stream_id: str) -> str:
    """The audio stream of one caption stream."""
    return f"{prefix}:audio:{stream_id}"


def out_key(prefix: str, stream_id: str) -> str:
    """The caption stream of one caption stream."""
    return f"{prefix}:out:{stream_id}"


def text(fields: Fields, name: str, default: str = "") -> str:
    """A field as text."""
    value = fields.get(name.encode())
    return default if value is None else value.decode("utf-8")


def number(fields: Fields, name: str, default: float = 0.0) -> float:
    """A field as a float."""
    value = fields.get(name.encode())
    return default if value is None else float(value)


def encode_pcm(pcm: np.ndarray) -> bytes:
    """float32 [-1, 1] → int16 little-endian bytes (half the size; the model sees 16-bit audio anyway)."""
    clipped = np.clip(np.asarray(pcm, dtype=np.float32), -1.0, 1.0)
    return (np.round(clipped * 32767.0)).astype("<i2").tobytes()


def decode_pcm(data: bytes) -> np.ndarray:
    """int16 little-endian bytes → float32 samples."""
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32767.0


def settings_overrides(settings: AsrSettings) -> dict[str, Any]:
    """The per-stream settings that differ from the defaults (JSON-ready)."""
    default = AsrSettings()
    out: dict[str, Any] = {}
    for name in STREAM_FIELDS:
        value = getattr(settings, name)
        if value != getattr(default, name):
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


def apply_overrides(settings: AsrSettings, overrides: dict[str, Any]) -> AsrSettings:
    """``settings`` with the per-stream overrides of a job (unknown keys are ignored)."""
    known = {f.name for f in dataclass_fields(AsrSettings)} & set(STREAM_FIELDS)
    changes: dict[str, Any] = {}
    for name, value in overrides.items():
        if name in known:
            changes[name] = tuple(value) if isinstance(value, list) else value
    return replace(settings, **changes) if changes else settings


def job_fields(stream_id: str, hotwords: list[str], live: bool, overrides: dict[str, Any]) -> dict[str, str]:
    """The entry posted to the jobs stream."""
    return {
        "stream_id": stream_id,
        "hotwords": json.dumps(hotwords, ensure_ascii=False),
        "live": "1" if live else "0",
        "overrides": json.dumps(overrides, ensure_ascii=False),
    }


def caption_fields(caption: Caption, *, worker: str, pos: float) -> dict[str, str]:
    """An out entry for a caption."""
    return {
        "kind": caption.kind,
        "text": caption.text,
        "start": repr(caption.start),
        "end": repr(caption.end),
        "emitted_at": repr(caption.emitted_at),
        "worker": worker,
        "pos": repr(round(pos, 3)),
    }


def caption_from(fields: Fields) -> Caption:
    """The caption of a ``partial``/``final`` out entry."""
    kind = text(fields, "kind")
    if kind not in ("partial", "final"):
        raise ValueError(f"not a caption entry: {kind!r}")
    return Caption(
        "final" if kind == "final" else "partial",
        text(fields, "text"),
        number(fields, "start"),
        number(fields, "end"),
        number(fields, "emitted_at"),
    )


Entries = list[tuple[bytes, Fields]]


def entries(raw: Any) -> Entries:
    """Stream entries of an XRANGE/XAUTOCLAIM-style reply, typed (deleted entries dropped)."""
    return [(bytes(i), dict(f)) for i, f in raw or [] if i is not None and f is not None]


def read_reply(raw: Any) -> list[tuple[bytes, Entries]]:
    """(key, entries) pairs of an XREAD/XREADGROUP reply (RESP2 list or RESP3 map)."""
    items = raw.items() if isinstance(raw, dict) else raw or []
    return [(bytes(key), entries(value[0] if isinstance(raw, dict) else value)) for key, value in items]
