"""The wire between ``RedisAsrService`` (meeting server) and ``asr.worker`` processes.

Key layout (``prefix`` defaults to ``gongzhi:asr``):

- ``<prefix>:jobs`` — one entry per caption stream, read by the consumer group ``asr-workers``.
  Fields: ``stream_id``, ``hotwords`` (JSON list), ``live`` (``1``/``0``), ``settings`` (JSON
  object: the server's value of every ``asr.settings.STREAM_FIELDS`` field; the worker decodes
  with these and its own ``ENGINE_FIELDS``). Acknowledged and deleted by the worker that finished
  the stream.
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
from typing import Any

import numpy as np

from asr.settings import ENGINE_FIELDS, STREAM_FIELDS, AsrSettings
from asr.stream import Caption

DEFAULT_PREFIX = "gongzhi:asr"
GROUP = "asr-workers"
#: TTL of the per-stream keys, refreshed on each write (server and worker).
KEY_TTL_S = 3600

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


def stream_settings(settings: AsrSettings) -> dict[str, Any]:
    """Every stream field of the server's settings, for a job (JSON-ready)."""
    out: dict[str, Any] = {}
    for name in STREAM_FIELDS:
        value = getattr(settings, name)
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def job_settings(local: AsrSettings, sent: Any) -> tuple[AsrSettings, list[str]]:
    """A job's settings on the worker: the worker's own ``ENGINE_FIELDS``, the server's stream
    fields (one a server did not send keeps its default, never the worker's value), and the
    names sent that are not stream fields here (a newer server's; ignored, the caller says so)."""
    if not isinstance(sent, dict):
        raise ValueError(f"job settings must be a JSON object, not {type(sent).__name__}")
    default = AsrSettings()
    stream = {name: getattr(default, name) for name in STREAM_FIELDS}
    unknown: list[str] = []
    for name, value in sent.items():
        if name in stream:
            stream[name] = tuple(value) if isinstance(value, list) else value
        else:
            unknown.append(name)
    engine = {name: getattr(local, name) for name in ENGINE_FIELDS}
    return AsrSettings(**engine, **stream), sorted(unknown)


def job_fields(stream_id: str, hotwords: list[str], live: bool, settings: dict[str, Any]) -> dict[str, str]:
    """The entry posted to the jobs stream (``settings`` from ``stream_settings``)."""
    return {
        "stream_id": stream_id,
        "hotwords": json.dumps(hotwords, ensure_ascii=False),
        "live": "1" if live else "0",
        "settings": json.dumps(settings, ensure_ascii=False),
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
