"""Live Chinese captions: a streaming Whisper engine (faster-whisper) that is fast, simplified
and honest.

Public interface: ``AsrSettings``, ``AsrService`` / ``AsrStream`` (asyncio, one model shared by
many streams), ``Caption``, and the synchronous ``transcribe_file`` / ``transcribe_pcm`` /
``stream_pcm``. The model-dependent modules are imported lazily, so importing ``asr`` is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asr.model import ModelNotFoundError
from asr.service import AsrClosedError, AsrService, AsrStream
from asr.settings import AsrSettings
from asr.stream import Caption

if TYPE_CHECKING:
    from asr.audio import AudioFileError, load_audio
    from asr.engine import WhisperEngine
    from asr.offline import stream_pcm, transcribe_file, transcribe_pcm

__all__ = [
    "AsrClosedError",
    "AsrService",
    "AsrSettings",
    "AsrStream",
    "AudioFileError",
    "Caption",
    "ModelNotFoundError",
    "WhisperEngine",
    "load_audio",
    "stream_pcm",
    "transcribe_file",
    "transcribe_pcm",
]

_LAZY = {
    "AudioFileError": "asr.audio",
    "load_audio": "asr.audio",
    "WhisperEngine": "asr.engine",
    "stream_pcm": "asr.offline",
    "transcribe_file": "asr.offline",
    "transcribe_pcm": "asr.offline",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'asr' has no attribute {name!r}")
