"""The streaming policy: when to decode, what to commit, what to show. Pure (no model, no I/O).

The policy is driven frame by frame with voice-activity probabilities (``on_frame``) and answers
with actions: decode a span of the audio (``Decode``) or show a caption (``Emit``). Decode results
come back through ``on_hypothesis``. Everything is decided on the audio timeline, so a stream fed
faster than real time behaves exactly like one fed live.

* An utterance starts when the VAD probability crosses ``vad_threshold`` and ends after
  ``silence_end_s`` of silence. Shortly after speech stops (``SPECULATE_AFTER_S``) the final decode
  of the utterance is requested speculatively, so the final can be shown the moment the silence
  is confirmed; if speech resumes, that decode simply serves as one more hypothesis.
* During speech a partial decode of the buffer is requested every ``partial_interval_s``.
* Long turns are cut at the pauses where a sentence ends. The final decode made at a pause is
  held; the first hypothesis that reads ``CONFIRM_AFTER_S`` past the pause decides. If it, too,
  ends a sentence there (。！？), the held decode becomes a final and the buffer restarts in the
  pause: two readings agree on the sentence end, one of them hearing what follows (a decode cut
  at a pause ends with 。 even at a comma). A pause inside a sentence cuts only a stretch already
  ``pause_commit_s`` long. Speech without pauses is handled LocalAgreement-2 style: text two
  consecutive hypotheses agree on is committed, and forced out as a final once the buffer is
  older than ``commit_after_s`` (trimming the buffer there); never one giant final at the end.
* Final decodes re-read the already emitted start of the sentence (up to ``max_context_s``) and
  strip it from the result again: the rest is read with its beginning in view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal

from asr.agreement import (
    LocalAgreement,
    TimedWord,
    after_prefix,
    bare,
    ends_sentence,
    join,
    split_after,
    strip_context,
)
from asr.settings import SAMPLE_RATE, AsrSettings

FRAME_SAMPLES = 512
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE
#: The speculative final is asked for after five silent frames (a tuning of the policy, never a
#: setting: it has no ``[asr]`` key).
SPECULATE_AFTER_S = 0.16
#: A decode held at a pause is confirmed or dropped by the first hypothesis that reads this much
#: speech past the pause (about two characters; a tuning of the policy, never a setting).
CONFIRM_AFTER_S = 0.5
#: A held decode that ends a sentence is emitted this long after speech resumed even if the
#: confirming hypothesis read a comma there, unless another pause came first: Whisper ``base``
#: often joins two sentences across a short pause with a comma, and a short sentence must not
#: wait for the end of a long one (the latency bound of long turns).
HOLD_MAX_S = 1.5
__all__ = [
    "FRAME_S",
    "FRAME_SAMPLES",
    "Decode",
    "Emit",
    "LocalAgreement",
    "PolicyConfig",
    "StreamPolicy",
    "TimedWord",
]


@dataclass(frozen=True)
class PolicyConfig:
    """The knobs of ``StreamPolicy`` (seconds on the audio timeline). Each is the ``AsrSettings``
    field of the same name (documented there, defaults there): build it with ``from_settings``."""

    vad_threshold: float
    silence_end_s: float
    speech_pad_s: float
    min_speech_s: float
    partial_interval_s: float
    first_partial_s: float
    pause_commit_s: float
    commit_after_s: float
    max_buffer_s: float
    #: final decodes re-read up to this much audio before the buffer (what was emitted since the
    #: utterance began, or of an utterance that ended less than ``context_gap_s`` before), so a
    #: sentence cut at a pause is finished with its beginning in view
    max_context_s: float
    context_gap_s: float

    @classmethod
    def from_settings(cls, settings: AsrSettings) -> PolicyConfig:
        """The policy's fields of ``settings``."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})

    @property
    def neg_threshold(self) -> float:
        return max(self.vad_threshold - 0.15, 0.01)


@dataclass(frozen=True)
class Decode:
    """Please decode audio[start:end] and pass the words to ``on_hypothesis`` with this request."""

    kind: Literal["partial", "final"]
    start: float
    end: float
    at: float
    seq: int
    #: already emitted words the audio starts with (left context): strip them from the result
    context: tuple[TimedWord, ...] = ()
    origin: float = 0.0  # the buffer start when this was asked for
    #: a partial that decides a cut held at a pause: back-pressure must not skip it
    decides: bool = False


@dataclass(frozen=True)
class Emit:
    """Show a caption (text still raw: the caller cleans it)."""

    kind: Literal["partial", "final"]
    text: str
    start: float
    end: float
    at: float
    ends_utterance: bool = False


Action = Decode | Emit


@dataclass(frozen=True)
class Held:
    """The final decode of a stretch that ended at a pause, until a later hypothesis confirms that
    a sentence ends there (or the stretch is ``pause_commit_s`` long) or shows that it goes on."""

    words: tuple[TimedWord, ...]
    pause_end: float  # where speech resumed
    cut: float  # where the buffer restarts once this is emitted (mid-pause)
    stretch: float  # speech seconds the words cover


class StreamPolicy:
    """Per-stream state machine from VAD frames and hypotheses to decode requests and captions."""

    def __init__(self, config: PolicyConfig) -> None:
        self.cfg = config
        self.now = 0.0  # audio time at the end of the last frame
        self.in_speech = False
        self.buf_start = 0.0  # audio before this is done with
        self.speech_start = 0.0
        self.speech_end = 0.0  # end of the last speech frame
        self.speech_total = 0.0
        self.next_partial = 0.0
        self.agreement = LocalAgreement()
        # the speculative final: (speech end it covers, request seq, words once decoded)
        self.speculative: tuple[float, int, list[TimedWord] | None] | None = None
        self.pending_final: Decode | None = None
        self.held: Held | None = None  # a decode made at a pause, awaiting its confirmation
        # emitted finals still usable as left context: (audio start, words) per final
        self.context: list[tuple[float, list[TimedWord]]] = []
        self._utt_end = float("-inf")
        self._seq = 0
        self._last_final_end = 0.0

    # -- helpers -----------------------------------------------------------------------------

    def _decode(self, kind: Literal["partial", "final"], end: float) -> Decode:
        self._seq += 1
        start, context = self.buf_start, tuple[TimedWord, ...]()
        if kind == "final":
            groups = self.context
            while groups and end - groups[0][0] > self.cfg.max_context_s:
                groups = groups[1:]
            self.context = groups  # ends only grow: what is too old now stays too old
            if groups:
                start = groups[0][0]
                context = tuple(w for _start, words in groups for w in words)
        held = self.held
        decides = kind == "partial" and held is not None and end >= held.pause_end + CONFIRM_AFTER_S - FRAME_S
        return Decode(kind, start, end, self.now, self._seq, context, self.buf_start, decides)

    def _utterance_end(self) -> float:
        return min(self.speech_end + self.cfg.speech_pad_s, self.now)

    def _emit_final(self, words: Sequence[TimedWord], *, ends_utterance: bool = False) -> list[Action]:
        text = join(words)
        if not bare(text):
            return []
        start = max(words[0].start, self._last_final_end)
        end = max(words[-1].end, start)
        self._last_final_end = end
        self.context.append((self.buf_start, list(words)))
        return [Emit("final", text, start, end, self.now, ends_utterance)]

    def _finish(self, words: Sequence[TimedWord]) -> list[Action]:
        """The utterance is over: emit everything still unemitted, reset."""
        actions = self._emit_final(words, ends_utterance=True)
        self.buf_start = self._utt_end = self._utterance_end()
        self.in_speech = False
        self.speculative = None
        self.held = None
        self.agreement.reset()
        return actions

    # -- inputs ------------------------------------------------------------------------------

    def on_frame(self, prob: float) -> list[Action]:
        """Advance by one VAD frame with its speech probability."""
        cfg = self.cfg
        start = self.now
        self.now += FRAME_S
        actions: list[Action] = []
        # hysteresis: once speaking, a frame counts as speech down to the lower threshold
        continuing = self.in_speech and self.speech_end == start and prob >= cfg.neg_threshold
        speech = prob >= cfg.vad_threshold or continuing
        if speech:
            if not self.in_speech:
                self.in_speech = True
                self.buf_start = max(self.buf_start, start - cfg.speech_pad_s)
                if self.buf_start - self._utt_end > cfg.context_gap_s:
                    self.context = []
                self.speech_start = start
                self.speech_total = 0.0
                self.next_partial = start + min(cfg.first_partial_s, cfg.partial_interval_s) - FRAME_S
            elif self.speech_end < start:  # speech resumed after a short pause
                self._hold_at_pause(start)
                self.speculative = None
            self.speech_end = self.now
            self.speech_total += FRAME_S
        if not self.in_speech or self.pending_final is not None:
            return actions
        held = self.held
        if (
            held is not None
            and self.speech_end == self.now  # in speech: at a pause the next decode covers it all
            and self.now >= held.pause_end + HOLD_MAX_S - 1e-9
            and ends_sentence(held.words)
        ):
            actions.extend(self._cut(held))
        silence = self.now - self.speech_end
        if silence >= cfg.silence_end_s:
            if self.speech_total < cfg.min_speech_s:
                self._finish([])
                return actions
            spec = self.speculative
            if spec is not None and spec[0] == self.speech_end and spec[2] is not None:
                return self._finish(spec[2])
            self.pending_final = self._decode("final", self._utterance_end())
            return [self.pending_final]
        if (
            silence >= SPECULATE_AFTER_S
            and self.speculative is None
            and self.speech_total >= cfg.min_speech_s
        ):
            request = self._decode("final", self._utterance_end())
            self.speculative = (self.speech_end, request.seq, None)
            return [request]
        if silence == 0 and self.now >= self.next_partial - 1e-9:
            # one frame early, so frame rounding never stretches the interval
            self.next_partial = self.now + cfg.partial_interval_s - FRAME_S
            actions.append(self._decode("partial", self.now))
        return actions

    def on_hypothesis(self, request: Decode, words: Sequence[TimedWord]) -> list[Action]:
        """Take the words decoded for ``request`` (absolute times); return captions to show."""
        if request.origin != self.buf_start:
            return []  # the buffer moved on while this was decoded
        if request.context:
            words = strip_context(words, request.context)
        if request is self.pending_final:
            self.pending_final = None
            return self._finish(words)
        spec = self.speculative
        if spec is not None and spec[1] == request.seq:
            self.speculative = (spec[0], spec[1], list(words))
        actions: list[Action] = []
        if request.decides and self.held is not None:
            actions, words = self._confirm(self.held, words)
        return actions + self._agree(words)

    def skip(self, request: Decode) -> None:
        """The caller skipped a partial decode (back-pressure)."""

    def close(self) -> list[Action]:
        """End of stream: the final decode of the tail, if speech is open."""
        if not self.in_speech or self.speech_total < self.cfg.min_speech_s:
            self.in_speech = False
            return []
        if self.pending_final is None:
            self.speech_end = min(self.speech_end, self.now)
            self.pending_final = self._decode("final", self.now)
        return [self.pending_final]

    # -- long turns ----------------------------------------------------------------------------

    def _hold_at_pause(self, resume: float) -> None:
        """Speech resumes after a pause: the final decode made at the pause is held for
        confirmation (``_confirm``), and a hypothesis reading past the pause is asked for soon."""
        spec = self.speculative
        if spec is None or spec[0] != self.speech_end or not spec[2]:
            return
        self.held = Held(
            tuple(spec[2]), resume, (self.speech_end + resume) / 2, self.speech_end - self.buf_start
        )
        self.next_partial = resume + CONFIRM_AFTER_S - FRAME_S

    def _confirm(self, held: Held, words: Sequence[TimedWord]) -> tuple[list[Action], Sequence[TimedWord]]:
        """A hypothesis of the buffer that reads past the held pause: emit the held decode if a
        sentence ends at the pause (or the stretch is long), drop it if the sentence goes on.
        Returns the captions and what of ``words`` is left for the agreement."""
        split = split_after(words, held.words)
        if split >= len(words):
            return [], words  # nothing read past the pause yet: the next hypothesis decides
        if ends_sentence(words[:split]) or held.stretch >= self.cfg.pause_commit_s:
            return self._cut(held), words[split:]
        if not ends_sentence(held.words):
            self.held = None  # both readings go on past the pause: one sentence
        # else it read a comma where the held decode ends a sentence: ``HOLD_MAX_S`` decides
        return [], words

    def _cut(self, held: Held) -> list[Action]:
        """Emit the held decode; the buffer restarts in its pause."""
        self.held = None
        actions = self._emit_final(held.words)
        self.agreement.reset()
        self.agreement.emitted_tail = list(held.words[-5:])
        self.buf_start = held.cut
        return actions

    def _agree(self, words: Sequence[TimedWord]) -> list[Action]:
        agr = self.agreement
        agr.insert(words)
        actions: list[Action] = []
        committed = agr.committed
        age = self.now - self.buf_start
        # Pauses are where a turn is cut (``_commit_at_pause``); agreed text is only forced out
        # when a stretch without pauses grows long. (Cutting at agreed punctuation or at short
        # pauses was measured: it splits sentences at commas and reads ~2 points worse.)
        cut, trim = 0, 0.0
        if committed and age >= self.cfg.commit_after_s:
            cut, trim = len(committed), committed[-1].end
        if cut == 0 and age >= self.cfg.max_buffer_s and agr.tentative:
            # hypotheses never agree: force out what is well behind the live edge
            forced = [w for w in agr.tentative if w.end <= self.now - 2.0]
            agr.committed.extend(forced)
            agr.tentative = agr.tentative[len(forced) :]
            if agr.committed:
                cut, trim = len(agr.committed), agr.committed[-1].end
        if cut:
            emitted = agr.take(cut)
            actions.extend(self._emit_final(emitted))
            self.buf_start = max(self.buf_start, trim)
            self.held = None  # the forced cut took its text, or part of it
            spec = self.speculative
            if spec is not None and spec[2] is not None:
                rest_of_spec = after_prefix(spec[2], emitted)
                self.speculative = None if rest_of_spec is None else (spec[0], spec[1], rest_of_spec)
        rest = [*agr.committed, *agr.tentative]
        if rest and bare(join(rest)):
            actions.append(Emit("partial", join(rest), rest[0].start, rest[-1].end, self.now))
        return actions
