"""The model on a GPU (``asr.device = "cuda"``): skipped where CTranslate2 sees no CUDA device. The bundled
``base`` model, or ``GONGZHI_TEST_MODEL_DIR`` (e.g. a CTranslate2 ``large-v3`` directory), decodes the test
clips on the GPU at least as well as the CPU bound, and ``auto`` picks the GPU."""

from __future__ import annotations

import os

import ctranslate2
import numpy as np
import pytest

from asr.engine import WhisperEngine, _pick_device
from asr.metrics import cer
from asr.offline import transcribe_pcm
from asr.settings import AsrSettings

from .test_whisper import CER_BOUND

GPUS = ctranslate2.get_cuda_device_count()
needs_gpu = pytest.mark.skipif(GPUS == 0, reason="no CUDA device visible to CTranslate2")


def test_auto_picks_the_gpu_only_when_there_is_one() -> None:
    assert _pick_device("auto") == ("cuda" if GPUS else "cpu")
    assert _pick_device("cpu") == "cpu"


@needs_gpu
@pytest.mark.slow
def test_the_model_decodes_on_the_gpu(clips: list[tuple[str, np.ndarray, str]]) -> None:
    settings = AsrSettings(
        device="cuda", compute_type="float16", model_dir=os.environ.get("GONGZHI_TEST_MODEL_DIR")
    )
    engine = WhisperEngine(settings)
    assert engine.device == "cuda"
    pairs = [(ref, "".join(c.text for c in transcribe_pcm(engine, audio))) for _n, audio, ref in clips]
    assert cer(pairs) < CER_BOUND, pairs
