"""The Whisper engine: the only module that talks to faster-whisper / CTranslate2.

It loads one model and offers two operations: ``decode`` (one buffer of audio → one hypothesis
with character timings, used by the streaming policy) and ``transcribe`` (a whole recording, the
offline path). It holds no stream state; callers serialise or parallelise calls as they like
(CTranslate2 models are safe to call from several threads). ``decode`` takes the stream's own
``DecodeOptions`` (a caption worker's one model serves every server's streams); the engine's
settings say which model to load and, for ``transcribe``, how to read a recording.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer

from asr import text as textmod
from asr.hotwords import SEPARATOR, hotword_text
from asr.hypothesis import Hypothesis, Word, cut_looped_words
from asr.model import resolve_model_dir
from asr.settings import SAMPLE_RATE, AsrSettings
from asr.stream import DecodeOptions

log = logging.getLogger(__name__)

_FRAMES_PER_S = 100  # log-Mel frames per second (hop 160 at 16 kHz)
_MAX_FRAMES = 3000  # Whisper's 30 s window
_WINDOW_STEP_S = 2.0  # encoder windows are rounded up to this, to bound the number of shapes
_MAX_PROMPT_TOKENS = 200
_MAX_HOTWORD_TOKENS = 96  # of the prompt's 200; Whisper reads at most 223 tokens of prompt
_FALLBACK_TEMPERATURES = (0.3, 0.6)


@dataclass(frozen=True)
class Segment:
    """One segment of an offline transcription (absolute times in seconds)."""

    text: str
    start: float
    end: float


def _pick_device(device: str) -> str:
    if device == "auto":
        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    return device


class WhisperEngine:
    """One loaded faster-whisper model (thread-safe, shared by every stream)."""

    def __init__(self, settings: AsrSettings) -> None:
        """Load the configured (or bundled) model; never downloads anything."""
        self.settings = settings
        model_dir = resolve_model_dir(settings)
        device = _pick_device(settings.device)
        compute_type = settings.compute_type
        if device == "cuda" and compute_type == "int8":
            compute_type = "int8_float16"
        self._model = WhisperModel(
            str(model_dir),
            device=device,
            compute_type=compute_type,
            cpu_threads=settings.cpu_threads,
            num_workers=settings.num_workers,
            local_files_only=True,
        )
        self._tokenizers: dict[str, Tokenizer] = {}
        self._tokenizer(settings.language)  # an unknown language code fails here, at start-up
        self.device = device

    def _tokenizer(self, language: str) -> Tokenizer:
        tokenizer = self._tokenizers.get(language)
        if tokenizer is None:  # cheap; a race between threads only builds one twice
            tokenizer = Tokenizer(
                self._model.hf_tokenizer,
                self._model.model.is_multilingual,
                task="transcribe",
                language=language,
            )
            self._tokenizers[language] = tokenizer
        return tokenizer

    # -- streaming ---------------------------------------------------------------------------

    @staticmethod
    def _hotword_ids(tok: Tokenizer, hotwords: str) -> list[int]:
        """The hot words' tokens: as many whole words as fit ``_MAX_HOTWORD_TOKENS`` (first words first)."""
        words = [w for w in hotwords.split(SEPARATOR) if w.strip()]
        while words:
            ids: list[int] = tok.encode(" " + SEPARATOR.join(words))
            if len(ids) <= _MAX_HOTWORD_TOKENS:
                return ids
            words.pop()
        return []

    @classmethod
    def _prompt(cls, tok: Tokenizer, prompt: str, hotwords: str) -> list[int]:
        # The hot words have their own budget, so a long context prompt never pushes them out; the
        # context keeps its most recent tokens in what is left.
        ids = cls._hotword_ids(tok, hotwords)
        context = prompt.strip()
        if context:
            ids += tok.encode((" " if not ids else SEPARATOR) + context)[-(_MAX_PROMPT_TOKENS - len(ids)) :]
        if ids:
            ids = [tok.sot_prev, *ids]
        # <|notimestamps|>: timestamp mode read whole clips ~1.4 points better, but VAD-cut
        # streaming buffers ~1.3 points worse (and looped more), measured on the clip set
        return [*ids, *tok.sot_sequence, tok.no_timestamps]

    def _encode(self, audio: np.ndarray, min_window_s: float) -> tuple[ctranslate2.StorageView, int]:
        features = self._model.feature_extractor(audio)
        content = min(features.shape[-1] - 1, _MAX_FRAMES)
        window_s = math.ceil((content / _FRAMES_PER_S + 0.5) / _WINDOW_STEP_S) * _WINDOW_STEP_S
        window = int(min(max(window_s, min_window_s), 30.0) * _FRAMES_PER_S)
        features = features[:, :window]
        if features.shape[-1] < window:
            features = np.pad(features, ((0, 0), (0, window - features.shape[-1])))
        storage = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None], dtype=np.float32))
        return self._model.model.encode(storage, to_cpu=False), content

    def _generate(
        self,
        tok: Tokenizer,
        encoded: ctranslate2.StorageView,
        prompt: list[int],
        beam_size: int,
        temperature: float,
        max_new: int,
    ) -> tuple[list[int], float, float]:
        kwargs: dict[str, Any] = (
            {"beam_size": 1, "sampling_topk": 0, "sampling_temperature": temperature}
            if temperature > 0
            else {"beam_size": beam_size}
        )
        result = self._model.model.generate(
            encoded,
            [prompt],
            max_length=min(len(prompt) + max_new, self._model.max_length),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
            **kwargs,
        )[0]
        sequence = result.sequences_ids[0]
        tokens = [t for t in sequence if t < tok.eot]  # text only, no timestamps
        avg_logprob = result.scores[0] * len(sequence) / (len(sequence) + 1) if tokens else -10.0
        return tokens, float(avg_logprob), float(result.no_speech_prob)

    def decode(
        self,
        audio: np.ndarray,
        options: DecodeOptions,
        *,
        prompt: str = "",
        hotwords: str = "",
        final: bool = False,
    ) -> Hypothesis:
        """Decode one buffer (float32 mono 16 kHz, at most 30 s) into a hypothesis with character times.

        Finals use beam search and, if the result loops, retry with sampling and no prompt; a loop
        that survives is cut after its first repetition unit. A decode judged silent (high
        no-speech probability and low confidence) comes back with ``silent=True`` and no words.
        """
        s = options
        tok = self._tokenizer(s.language)
        encoded, frames = self._encode(audio, s.min_window_s)
        duration = frames / _FRAMES_PER_S
        max_new = int(24 + 10 * duration)  # bounds the cost of a runaway loop
        beam = s.beam_size if final else s.partial_beam_size
        full_prompt = self._prompt(tok, " ".join(p for p in (s.initial_prompt, prompt) if p), hotwords)
        tokens, avg_logprob, no_speech = self._generate(tok, encoded, full_prompt, beam, 0.0, max_new)
        decoded = tok.decode(tokens)
        ratio = textmod.compression_ratio(decoded)
        repetitive = ratio > s.compression_ratio_threshold or textmod.find_loop(decoded) is not None
        if final and repetitive:
            # retry without the context prompt (loops feed on it), sampling a little hotter;
            # seeded, so the same audio always gives the same final
            bare = self._prompt(tok, s.initial_prompt, hotwords)
            ctranslate2.set_random_seed(0)
            for temperature in _FALLBACK_TEMPERATURES:
                tokens, avg_logprob, no_speech = self._generate(tok, encoded, bare, 1, temperature, max_new)
                decoded = tok.decode(tokens)
                ratio = textmod.compression_ratio(decoded)
                if ratio <= s.compression_ratio_threshold and textmod.find_loop(decoded) is None:
                    break
        silent = no_speech > s.no_speech_threshold and avg_logprob < s.log_prob_threshold
        if silent or not tokens:
            return Hypothesis((), "", no_speech, avg_logprob, ratio, True)
        words = self._align(tok, tokens, encoded, frames)
        words, looped = cut_looped_words(words)
        text = "".join(w.text for w in words)
        return Hypothesis(tuple(words), text, no_speech, avg_logprob, ratio, False, looped or repetitive)

    def _align(
        self, tok: Tokenizer, tokens: list[int], encoded: ctranslate2.StorageView, frames: int
    ) -> list[Word]:
        aligned = self._model.find_alignment(tok, [tokens], encoded, frames)[0]
        words: list[Word] = []
        for item in aligned:
            piece = str(item["word"])
            if not piece or textmod.REPLACEMENT_CHAR in piece:
                continue  # a half-decoded multi-byte character is never emitted
            words.append(Word(piece, float(item["start"]), float(item["end"]), float(item["probability"])))
        return words

    # -- offline -----------------------------------------------------------------------------

    def transcribe(self, audio: np.ndarray, *, hotwords: Sequence[str] = ()) -> Iterator[Segment]:
        """Transcribe a whole recording with faster-whisper's own VAD-gated pipeline (raw text)."""
        s = self.settings
        segments, _info = self._model.transcribe(
            audio,
            language=s.language,
            beam_size=s.beam_size,
            initial_prompt=s.initial_prompt,
            hotwords=hotword_text(hotwords) or None,
            condition_on_previous_text=False,
            no_speech_threshold=s.no_speech_threshold,
            log_prob_threshold=s.log_prob_threshold,
            compression_ratio_threshold=s.compression_ratio_threshold,
            vad_filter=True,
            vad_parameters={"threshold": s.vad_threshold, "min_silence_duration_ms": 500},
        )
        for seg in segments:
            yield Segment(seg.text, float(seg.start), float(seg.end))


def audio_seconds(audio: np.ndarray) -> float:
    """Duration of a 16 kHz buffer."""
    return len(audio) / SAMPLE_RATE
