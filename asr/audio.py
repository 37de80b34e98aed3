"""Read any audio file into 16 kHz mono float32 (PyAV: any rate, channel count or codec)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from asr.settings import SAMPLE_RATE


class AudioFileError(ValueError):
    """The file is missing, unreadable or holds no audio."""


def load_audio(path: str | Path) -> np.ndarray:
    """Decode ``path`` and resample it to 16 kHz mono float32 in [-1, 1]."""
    path = Path(path)
    if not path.is_file():
        raise AudioFileError(f"{str(path)!r}: no such file")
    chunks: list[np.ndarray] = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioFileError(f"{str(path)!r}: the file has no audio stream")
            # keep the channels and average them ourselves: swresample's downmix adds +3 dB
            resampler = av.AudioResampler(format="fltp", rate=SAMPLE_RATE)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().mean(axis=0))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().mean(axis=0))
    except av.FFmpegError as exc:
        raise AudioFileError(f"{str(path)!r}: not a readable audio file ({exc})") from exc
    if not chunks:
        raise AudioFileError(f"{str(path)!r}: the file holds no audio samples")
    return np.concatenate(chunks).astype(np.float32, copy=False)
