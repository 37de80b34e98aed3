"""Incremental Silero VAD: the model that ships inside faster-whisper, run frame by frame.

faster-whisper only offers whole-recording VAD; here the same ONNX session is fed 512-sample
frames as they arrive, carrying the recurrent state and the 64-sample context between calls.
"""

from __future__ import annotations

import numpy as np
from faster_whisper.vad import get_vad_model

from asr.policy import FRAME_SAMPLES

_CONTEXT = 64


class StreamingVad:
    """Speech probabilities for consecutive 32 ms frames of one stream."""

    def __init__(self) -> None:
        self._session = get_vad_model().session
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)

    def probabilities(self, frames: np.ndarray) -> np.ndarray:
        """Speech probability of each frame; ``frames`` is float32 of length ``k * 512``."""
        if len(frames) == 0:
            return np.zeros(0, dtype=np.float32)
        batch = frames.reshape(-1, FRAME_SAMPLES)
        contexts = np.concatenate([self._context[None], batch[:-1, -_CONTEXT:]], axis=0)
        inputs = np.concatenate([contexts, batch], axis=1).astype(np.float32)
        out, self._h, self._c = self._session.run(None, {"input": inputs, "h": self._h, "c": self._c})
        self._context = batch[-1, -_CONTEXT:].copy()
        return np.asarray(out, dtype=np.float32).reshape(-1)
