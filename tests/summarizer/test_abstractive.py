"""The optional abstractive backend: load a seq2seq and a causal model from a local directory (no hub) and
generate. The models are tiny, randomly initialised and made by the test itself."""

from __future__ import annotations

from pathlib import Path

import pytest

transformers = pytest.importorskip(
    "transformers", reason="the [abstractive] extra (transformers) is not installed"
)
torch = pytest.importorskip("torch", reason="the [abstractive] extra (torch==2.13.0) is not installed")

from summarizer.abstractive import Abstractive, AbstractiveUnavailable  # noqa: E402
from summarizer.build import build_minutes  # noqa: E402

from .driver import LogDriver  # noqa: E402

pytestmark = pytest.mark.slow

TEXT = "用一两句话概括下面的发言：这件事由物业公司负责，下周五之前完成整改。我反对这个方案因为收费标准太高了"


def _tokenizer(folder: Path) -> dict[str, int]:
    """A character-level tokenizer built from scratch and saved next to the model."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers

    vocab = {t: i for i, t in enumerate(["[PAD]", "[EOS]", "[UNK]", "[BOS]", *sorted(set(TEXT))])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="[PAD]", eos_token="[EOS]", unk_token="[UNK]", bos_token="[BOS]"
    )
    fast.save_pretrained(folder)
    return vocab


@pytest.fixture(scope="module")
def seq2seq_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-bart")
    vocab = _tokenizer(folder)
    torch.manual_seed(0)
    config = transformers.BartConfig(
        vocab_size=len(vocab),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=128,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=3,
        decoder_start_token_id=3,
        forced_eos_token_id=None,
    )
    model = transformers.BartForConditionalGeneration(config)
    # Steer the random model towards one character, so what it generates is known.
    with torch.no_grad():
        model.final_logits_bias[0, vocab["物"]] = 1000.0
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def causal_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-gpt2")
    vocab = _tokenizer(folder)
    torch.manual_seed(0)
    config = transformers.GPT2Config(
        vocab_size=len(vocab), n_embd=16, n_layer=1, n_head=2, n_positions=256, bos_token_id=3, eos_token_id=1
    )
    transformers.GPT2LMHeadModel(config).save_pretrained(folder)
    return folder


def test_seq2seq_model_from_a_local_directory(seq2seq_dir: Path) -> None:
    backend = Abstractive(seq2seq_dir, max_new_tokens=5)
    assert backend.seq2seq
    turns = [["这件事由物业公司负责。", "下周五之前完成整改。"], ["我反对这个方案。"], []]
    out = backend.summarize(turns)
    assert out[:2] == [("物物物物物",), ("物物物物物",)] and out[2] == ()
    assert backend.generated == 2
    assert backend.summarize(turns) == out  # greedy: deterministic


def test_causal_model_from_a_local_directory(causal_dir: Path) -> None:
    backend = Abstractive(causal_dir, max_new_tokens=6)
    assert not backend.seq2seq
    out = backend.summarize([["这件事由物业公司负责。"]])
    assert len(out) == 1 and len(out[0]) == 1 and out[0][0] and backend.generated == 1
    assert set(out[0][0]) <= set(TEXT)


def test_minutes_with_the_abstractive_backend(seq2seq_dir: Path, meeting: LogDriver) -> None:
    minutes = build_minutes(meeting.records, Abstractive(seq2seq_dir, max_new_tokens=3))
    assert all(s.summary == ("物物物",) for item in minutes.items for s in item.speeches)


def test_no_model_no_download(tmp_path: Path) -> None:
    with pytest.raises(AbstractiveUnavailable):
        Abstractive(tmp_path / "missing")
    with pytest.raises(OSError):
        (tmp_path / "bad").mkdir()
        (tmp_path / "bad" / "config.json").write_text('{"model_type": "bart"}')
        Abstractive(tmp_path / "bad")  # no weights, no tokenizer: refused, nothing fetched
