"""The streaming policy: when to decode, what to commit, what to show. Pure (no model, no I/O).

The policy is driven frame by frame with voice-activity probabilities (``on_frame``) and answers
with actions: decode a span of the audio (``Decode``) or show a caption (``Emit``). Decode results
come back through ``on_hypothesis``. Everything is decided on the audio timeline, so a stream fed
faster than real time behaves exactly like one fed live.

* An utterance starts when the VAD probability crosses ``vad_threshold`` and ends after
  ``silence_end_s`` of silence. Shortly after speech stops (``speculate_after_s``) the final decode
  of the utterance is requested speculatively, so the final can be shown the moment the silence
  is confirmed; if speech resumes, that decode simply serves as one more hypothesis.
* During speech a partial decode of the buffer is requested every ``partial_interval_s``.
* Long turns: text on which two consecutive hypotheses agree is committed (LocalAgreement-2).
  Committed text is emitted as a final up to its last punctuation mark (or all of it once the
  buffer is older than ``commit_after_s``), and the audio buffer is trimmed there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

FRAME_SAMPLES = 512
FRAME_S = FRAME_SAMPLES / 16_000
_BREAKS = frozenset("，。！？；,.!?;")
_ENDS = frozenset("。！？.!?")


@dataclass(frozen=True)
class PolicyConfig:
    """The knobs of ``StreamPolicy`` (seconds on the audio timeline)."""

    vad_threshold: float = 0.5
    silence_end_s: float = 0.5
    speculate_after_s: float = 0.16
    speech_pad_s: float = 0.2
    min_speech_s: float = 0.25
    partial_interval_s: float = 1.0
    commit_after_s: float = 6.0
    max_buffer_s: float = 20.0

    @property
    def neg_threshold(self) -> float:
        return max(self.vad_threshold - 0.15, 0.01)


@dataclass(frozen=True)
class TimedWord:
    """A decoded unit with absolute times on the audio timeline."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Decode:
    """Please decode audio[start:end] and pass the words to ``on_hypothesis`` with this request."""

    kind: Literal["partial", "final"]
    start: float
    end: float
    at: float
    seq: int


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


def _bare(text: str) -> str:
    return "".join(ch for ch in text if ch not in _BREAKS and not ch.isspace())


def _join(words: Sequence[TimedWord]) -> str:
    return "".join(w.text for w in words)


def _after_prefix(words: Sequence[TimedWord], prefix: Sequence[TimedWord]) -> list[TimedWord] | None:
    """``words`` without the leading text of ``prefix`` (punctuation aside), or None if they differ."""
    target, seen = _bare(_join(prefix)), ""
    for i, word in enumerate(words):
        if len(seen) >= len(target):
            if seen != target:
                return None
            while i < len(words) and not _bare(words[i].text):
                i += 1
            return list(words[i:])
        seen += _bare(word.text)
    return [] if seen == target else None


class LocalAgreement:
    """LocalAgreement-2: commit the longest prefix two consecutive hypotheses share.

    Hypotheses cover the whole (trimmed) buffer, so each one repeats the committed text first;
    that prefix is recognised by text (ignoring punctuation), falling back to timing.
    """

    def __init__(self) -> None:
        self.committed: list[TimedWord] = []
        self.tentative: list[TimedWord] = []
        self.emitted_tail: list[TimedWord] = []  # last words taken out, to spot them re-decoded

    def _new_part(self, words: Sequence[TimedWord]) -> list[TimedWord]:
        rest = _after_prefix(words, self.committed)
        if rest is None:
            end = self.committed[-1].end if self.committed else float("-inf")
            rest = [w for w in words if w.start >= end - 0.05]
        if not self.committed and rest and self.emitted_tail:
            # the buffer was trimmed at an imprecise word time: the first new words may repeat
            # the end of the emitted text
            tail = self.emitted_tail
            if abs(rest[0].start - tail[-1].end) < 1.0:
                for n in range(min(len(tail), len(rest), 5), 0, -1):
                    if [w.text for w in tail[-n:]] == [w.text for w in rest[:n]]:
                        return rest[n:]
        return rest

    def insert(self, words: Sequence[TimedWord]) -> list[TimedWord]:
        """Feed one hypothesis of the buffer; return the words newly committed."""
        new = self._new_part(words)
        agreed: list[TimedWord] = []
        for a, b in zip(new, self.tentative, strict=False):
            if a.text != b.text:
                break
            agreed.append(a)
        self.committed.extend(agreed)
        self.tentative = new[len(agreed) :]
        return agreed

    def take(self, count: int) -> list[TimedWord]:
        """Remove and return the first ``count`` committed words (they were emitted)."""
        taken, self.committed = self.committed[:count], self.committed[count:]
        self.emitted_tail = (self.emitted_tail + taken)[-5:]
        return taken

    def reset(self) -> None:
        self.committed = []
        self.tentative = []
        self.emitted_tail = []


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
        self.pauses: list[tuple[float, float]] = []  # (speech end, speech resumes) inside the turn
        self._seq = 0
        self._last_final_end = 0.0

    # -- helpers -----------------------------------------------------------------------------

    def _decode(self, kind: Literal["partial", "final"], end: float) -> Decode:
        self._seq += 1
        return Decode(kind, self.buf_start, end, self.now, self._seq)

    def _utterance_end(self) -> float:
        return min(self.speech_end + self.cfg.speech_pad_s, self.now)

    def _emit_final(self, words: Sequence[TimedWord], *, ends_utterance: bool = False) -> list[Action]:
        text = _join(words)
        if not _bare(text):
            return []
        start = max(words[0].start, self._last_final_end)
        end = max(words[-1].end, start)
        self._last_final_end = end
        return [Emit("final", text, start, end, self.now, ends_utterance)]

    def _finish(self, words: Sequence[TimedWord]) -> list[Action]:
        """The utterance is over: emit everything still unemitted, reset."""
        actions = self._emit_final(words, ends_utterance=True)
        self.buf_start = self._utterance_end()
        self.in_speech = False
        self.speculative = None
        self.pauses = []
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
                self.speech_start = start
                self.speech_total = 0.0
                self.next_partial = start + cfg.partial_interval_s - FRAME_S
            elif self.speech_end < start:  # speech resumed after a short pause
                self.speculative = None
                if start - self.speech_end >= cfg.speculate_after_s:
                    self.pauses.append((self.speech_end, start))
            self.speech_end = self.now
            self.speech_total += FRAME_S
        if not self.in_speech or self.pending_final is not None:
            return actions
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
            silence >= cfg.speculate_after_s
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
        if request.start != self.buf_start:
            return []  # the buffer moved on while this was decoded
        if request is self.pending_final:
            self.pending_final = None
            return self._finish(words)
        spec = self.speculative
        if spec is not None and spec[1] == request.seq:
            self.speculative = (spec[0], spec[1], list(words))
        return self._agree(words)

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

    def _cut_point(self, committed: Sequence[TimedWord]) -> tuple[int, float]:
        """Where committed text may be emitted and the buffer trimmed: the last sentence end,
        comma (after a few words) or VAD pause that the committed words reach. (0, 0) if none."""
        cut, trim = 0, 0.0
        for i, word in enumerate(committed):
            last = word.text[-1:] if word.text else ""
            if last in _ENDS or (last in _BREAKS and i >= 3):
                cut, trim = i + 1, word.end
                continue
            for p_end, p_resume in self.pauses:
                if abs(word.end - p_end) <= 0.35:
                    cut, trim = i + 1, min(max(word.end, p_end), p_resume)
                    break
        return cut, trim

    def _agree(self, words: Sequence[TimedWord]) -> list[Action]:
        agr = self.agreement
        agr.insert(words)
        actions: list[Action] = []
        committed = agr.committed
        cut, trim = self._cut_point(committed)
        age = self.now - self.buf_start
        if cut == 0 and committed and age >= self.cfg.commit_after_s:
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
            self.pauses = [p for p in self.pauses if p[0] > trim]
            spec = self.speculative
            if spec is not None and spec[2] is not None:
                rest_of_spec = _after_prefix(spec[2], emitted)
                self.speculative = None if rest_of_spec is None else (spec[0], spec[1], rest_of_spec)
        rest = [*agr.committed, *agr.tentative]
        if rest and _bare(_join(rest)):
            actions.append(Emit("partial", _join(rest), rest[0].start, rest[-1].end, self.now))
        return actions
