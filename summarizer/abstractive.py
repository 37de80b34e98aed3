"""Optional abstractive summaries: a seq2seq or causal language model from a local directory (transformers).

Needs the ``[abstractive]`` extra (``transformers``, ``torch``). The model is loaded with
``local_files_only=True`` from ``[minutes] model_dir``: nothing is ever fetched from a model hub. Decoding
is greedy (no sampling), so the same speech gives the same summary. A turn the model gives nothing for
falls back to the extractive summary, so every speech keeps a line in the minutes.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .extractive import summarize_turns

PROMPT = "用一两句话概括下面的发言：\n"
MAX_INPUT_TOKENS = 512
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")


class AbstractiveUnavailable(RuntimeError):
    """transformers/torch are not installed, or the model directory cannot be loaded."""


class Abstractive:
    """A ``TurnSummarizer`` backed by a local transformers model (encoder-decoder or decoder-only)."""

    def __init__(self, model_dir: str | Path, *, max_new_tokens: int = 64, prompt: str = PROMPT) -> None:
        path = Path(model_dir).expanduser()
        if not (path / "config.json").exists():
            raise AbstractiveUnavailable(f"no model in {path} (config.json missing)")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # import-time deprecation chatter of the ML stack
                import torch
                import transformers
        except ImportError as e:
            raise AbstractiveUnavailable(
                "the abstractive backend needs the [abstractive] extra (transformers, torch)"
            ) from e
        self._torch: Any = torch
        transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call,unused-ignore]
        config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
        self.seq2seq = bool(getattr(config, "is_encoder_decoder", False))
        loader = transformers.AutoModelForSeq2SeqLM if self.seq2seq else transformers.AutoModelForCausalLM
        self.tokenizer: Any = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model: Any = loader.from_pretrained(path, local_files_only=True)
        self.model.eval()
        self.max_new_tokens = max_new_tokens
        self.prompt = prompt
        self.generated = 0  # turns summarised by the model (the rest fell back to extractive)

    def _generate(self, text: str) -> str:
        inputs = self.tokenizer(
            self.prompt + text, return_tensors="pt", truncation=True, max_length=MAX_INPUT_TOKENS
        )
        inputs.pop("token_type_ids", None)
        pad = self.tokenizer.pad_token_id
        eos = self.tokenizer.eos_token_id
        with self._torch.no_grad():
            out = self.model.generate(
                **inputs,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                num_beams=1,
                min_new_tokens=1,
                pad_token_id=pad if pad is not None else eos,
            )
        tokens = out[0] if self.seq2seq else out[0][inputs["input_ids"].shape[1] :]
        summary: str = self.tokenizer.decode(tokens, skip_special_tokens=True)
        # Character-level vocabularies decode with a space between every token: none between CJK text.
        return _CJK_GAP.sub("", " ".join(summary.split()))

    def summarize(self, turns: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
        fallback: list[tuple[str, ...]] | None = None
        out: list[tuple[str, ...]] = []
        for i, sentences in enumerate(turns):
            text = "".join(sentences).strip()
            summary = self._generate(text) if text else ""
            if summary:
                self.generated += 1
                out.append((summary,))
                continue
            if fallback is None:
                fallback = summarize_turns(turns)
            out.append(fallback[i])
        return out
