"""One caption stream, synchronously: VAD → policy → engine decodes → cleaned captions.

``StreamProcessor`` has no threads and no clock: it processes fed audio strictly in audio-time
order, so it behaves the same whether audio comes live or from a file as fast as possible. The
asyncio service (``asr.service``) drives it from a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Literal, Protocol

import numpy as np

from asr import text as textmod
from asr.frontend import Frontend, FrontendConfig
from asr.hotwords import hotword_text
from asr.hypothesis import Hypothesis
from asr.policy import FRAME_SAMPLES, Decode, Emit, PolicyConfig, StreamPolicy, TimedWord
from asr.settings import SAMPLE_RATE, AsrSettings
from asr.wpe import dereverberate


@dataclass(frozen=True)
class Caption:
    """A caption. Partials replace the previous partial; finals append and never change.

    ``start``/``end`` are seconds on the stream's audio timeline; ``emitted_at`` is the audio time
    at which the caption came out (for a live stream: how much audio had arrived by then).
    """

    kind: Literal["partial", "final"]
    text: str
    start: float
    end: float
    emitted_at: float


@dataclass(frozen=True)
class DecodeOptions:
    """How one stream's audio is decoded: the ``AsrSettings`` fields of the same name (documented
    and defaulted there). They travel with each decode because one loaded model serves streams
    configured differently (a caption worker takes jobs from any server)."""

    language: str
    initial_prompt: str
    beam_size: int
    partial_beam_size: int
    min_window_s: float
    no_speech_threshold: float
    log_prob_threshold: float
    compression_ratio_threshold: float

    @classmethod
    def from_settings(cls, settings: AsrSettings) -> DecodeOptions:
        """The decode options of ``settings``."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})


class Decoder(Protocol):
    """What the stream needs from the engine (``asr.engine.WhisperEngine`` or a test double)."""

    def decode(
        self,
        audio: np.ndarray,
        options: DecodeOptions,
        *,
        prompt: str = "",
        hotwords: str = "",
        final: bool = False,
    ) -> Hypothesis:
        """Decode a buffer of 16 kHz float32 audio."""
        ...


class FrameVad(Protocol):
    """Speech probability per 512-sample frame (``asr.vad.StreamingVad`` or a test double)."""

    def probabilities(self, frames: np.ndarray) -> np.ndarray:
        """One probability per frame."""
        ...


class StreamProcessor:
    """Audio in, captions out, for one speaker; see the module docstring."""

    def __init__(
        self, decoder: Decoder, vad: FrameVad, settings: AsrSettings, hotwords: Sequence[str] = ()
    ) -> None:
        self._decoder = decoder
        self._vad = vad
        self._settings = settings
        self._hotwords = hotword_text(hotwords)  # cleaned and bounded (asr.hotwords)
        self._options = DecodeOptions.from_settings(settings)
        self.policy = StreamPolicy(PolicyConfig.from_settings(settings))
        self._frontend = Frontend(FrontendConfig.from_settings(settings))
        self._incoming: list[np.ndarray] = []
        self._incoming_samples = 0
        self._audio = np.zeros(0, dtype=np.float32)  # audio from _offset on, already through VAD
        self._offset = 0  # sample index of _audio[0]
        self._context = ""  # recent final text, the prompt of the next decodes
        self._last_partial = ""
        self.received_s = 0.0
        self.decodes = 0
        self.skipped_partials = 0
        self._last_partial_decode = float("-inf")

    @property
    def backlog_s(self) -> float:
        """Audio fed but not processed yet, in seconds."""
        return self._incoming_samples / SAMPLE_RATE

    def feed(self, pcm: np.ndarray) -> None:
        """Queue float32 mono 16 kHz samples (cheap: processing happens in ``process``)."""
        raw = np.asarray(pcm, dtype=np.float32).reshape(-1)
        self.received_s += raw.size / SAMPLE_RATE
        chunk = self._frontend.process(raw)
        if chunk.size:
            self._incoming.append(chunk)
            self._incoming_samples += chunk.size

    def _take_frames(self, max_frames: int) -> np.ndarray:
        n = min(self._incoming_samples // FRAME_SAMPLES, max_frames) * FRAME_SAMPLES
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        joined = np.concatenate(self._incoming) if len(self._incoming) > 1 else self._incoming[0]
        self._incoming = [joined[n:]] if joined.size > n else []
        self._incoming_samples -= n
        return joined[:n]

    def process(
        self, *, max_frames: int = 32, skip_partials: Callable[[], bool] | None = None
    ) -> list[Caption]:
        """Run up to ``max_frames`` queued frames through VAD and policy, decoding as asked.

        ``skip_partials`` is asked before each partial decode (back-pressure); finals always run.
        """
        frames = self._take_frames(max_frames)
        if frames.size == 0:
            return []
        self._audio = np.concatenate([self._audio, frames])
        captions: list[Caption] = []
        for prob in self._vad.probabilities(frames):
            for action in self.policy.on_frame(float(prob)):
                captions.extend(self._run(action, skip_partials))
        self._trim()
        return captions

    def close(self) -> list[Caption]:
        """Process everything queued (a partial frame is padded with silence) and flush the tail."""
        if self._incoming_samples % FRAME_SAMPLES:
            self.feed(np.zeros(FRAME_SAMPLES - self._incoming_samples % FRAME_SAMPLES, dtype=np.float32))
        captions: list[Caption] = []
        while self._incoming_samples:
            captions.extend(self.process(max_frames=1 << 30))
        for action in self.policy.close():
            captions.extend(self._run(action, None))
        return captions

    def _run(self, action: Decode | Emit, skip_partials: Callable[[], bool] | None) -> list[Caption]:
        if isinstance(action, Emit):
            return self._caption(action)
        if action.kind == "partial" and not action.decides and skip_partials is not None and skip_partials():
            # behind: skip partials, but keep hypotheses coming now and then for long-turn commits
            if action.at - self._last_partial_decode < 3 * self._settings.partial_interval_s:
                self.skipped_partials += 1
                return []
        if action.kind == "partial":
            self._last_partial_decode = action.at
        a = max(0, round(action.start * SAMPLE_RATE) - self._offset)
        b = max(a, round(action.end * SAMPLE_RATE) - self._offset)
        audio = self._audio[a:b]
        if action.kind == "final" and self._settings.wpe_taps > 0:
            s = self._settings
            audio = dereverberate(audio, s.wpe_taps, s.wpe_delay, s.wpe_iterations)
        hyp = self._decoder.decode(
            audio,
            self._options,
            prompt="" if action.context else self._context,  # the context is in the audio itself
            hotwords=self._hotwords,
            final=action.kind == "final",
        )
        self.decodes += 1
        if hyp.looped:
            self._context = ""  # a loop may feed on its own prompt
        start = (self._offset + a) / SAMPLE_RATE
        words = [TimedWord(w.text, start + w.start, start + w.end) for w in hyp.words]
        captions: list[Caption] = []
        for emit in self.policy.on_hypothesis(action, words):
            if isinstance(emit, Emit):
                captions.extend(self._caption(emit))
        return captions

    def _caption(self, emit: Emit) -> list[Caption]:
        text = textmod.clean_caption(emit.text, self._settings.numbers)
        if emit.ends_utterance:
            text = textmod.end_sentence(text)
        if not textmod.normalize_for_match(text) or textmod.is_hallucination(
            text, self._settings.hallucination_phrases
        ):
            return []
        if emit.kind == "partial":
            if text == self._last_partial:
                return []
            self._last_partial = text
        else:
            self._last_partial = ""
            keep = self._settings.prompt_context_chars
            self._context = (self._context + text)[-keep:] if keep > 0 else ""
        return [
            Caption(
                emit.kind,
                text,
                round(float(emit.start), 3),
                round(float(emit.end), 3),
                round(float(emit.at), 3),
            )
        ]

    def _trim(self) -> None:
        context_start = self.policy.context[0][0] if self.policy.context else self.policy.buf_start
        keep_from = round((min(self.policy.buf_start, context_start) - 1.0) * SAMPLE_RATE)
        if keep_from - self._offset > 5 * SAMPLE_RATE:
            self._audio = self._audio[keep_from - self._offset :]
            self._offset = keep_from
