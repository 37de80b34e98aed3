"""Hot words: cleaned and bounded before they reach the prompt, and a clip's names read better with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from asr.audio import load_audio
from asr.hotwords import MAX_WORD_CHARS, MAX_WORDS, SEPARATOR, clean_hotwords, hotword_text
from asr.offline import stream_pcm
from asr.stream import StreamProcessor
from asr.text import normalize_for_match
from asr.vad import StreamingVad

HOTWORD_CLIPS = Path(__file__).resolve().parents[1] / "data" / "hotwords"


def test_markup_control_characters_and_special_tokens_are_dropped() -> None:
    words = ["<|endoftext|>王秀英", "李建国\n\x00", " 3号楼 ", "东门，南门", "欧阳·娜娜", "<script>"]
    assert clean_hotwords(words) == ["endoftext王秀英", "李建国", "3号楼", "东门南门", "欧阳·娜娜", "script"]
    assert all("<|" not in w and SEPARATOR not in w for w in clean_hotwords(words))


def test_duplicates_single_characters_and_empties_go_order_stays() -> None:
    assert clean_hotwords(["东门", "王", "", "  ", "东门", "ＡＢ", "AB"]) == ["东门", "AB"]


def test_the_list_is_bounded_in_number_and_length() -> None:
    words = [f"第{i}号楼" for i in range(500)] + ["字" * 100]
    cleaned = clean_hotwords(words)
    assert len(cleaned) == MAX_WORDS and cleaned[0] == "第0号楼"
    assert len(clean_hotwords(["字" * 100])[0]) == MAX_WORD_CHARS
    assert hotword_text(["东门", "三号楼"]) == "东门 三号楼"


def test_the_engine_fits_whole_words_into_its_token_budget(engine) -> None:
    from asr import engine as engine_mod

    tok = engine._tokenizer("zh")
    words = [f"幸福路{i}号院" for i in range(MAX_WORDS)]
    ids = engine._hotword_ids(tok, hotword_text(words))
    assert 0 < len(ids) <= engine_mod._MAX_HOTWORD_TOKENS
    kept = tok.decode(ids).strip().split(SEPARATOR)
    assert kept == words[: len(kept)]  # the first words, each whole
    # A long context prompt never pushes the hot words out.
    prompt = engine._prompt(tok, "上一句的内容" * 100, hotword_text(["阳光新城", "东门"]))
    assert "阳光新城" in tok.decode([t for t in prompt if t < tok.eot])
    # <|startofprev|>, the prompt, then <|startoftranscript|><|zh|><|transcribe|><|notimestamps|>
    assert len(prompt) == 1 + engine_mod._MAX_PROMPT_TOKENS + 4


class _Recording:
    """Wraps the real engine, noting the hot words each decode is given."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.hotwords: set[str] = set()

    def decode(self, audio, options, *, prompt="", hotwords="", final=False):
        self.hotwords.add(hotwords)
        return self.engine.decode(audio, options, prompt=prompt, hotwords=hotwords, final=final)


def _clip() -> tuple[str, list[str], list[str]]:
    name, _ref, said, others = (HOTWORD_CLIPS / "manifest.tsv").read_text("utf-8").splitlines()[0].split("\t")
    return name, said.split(","), others.split(",")


def test_the_stream_passes_the_words_to_the_engine(engine) -> None:
    name, said, others = _clip()
    recording = _Recording(engine)
    processor = StreamProcessor(recording, StreamingVad(), engine.settings, [*said, "<|x|>", *others])
    processor.feed(load_audio(HOTWORD_CLIPS / name))
    processor.process()
    processor.close()
    assert recording.hotwords == {hotword_text([*said, "x", *others])}


@pytest.mark.slow
def test_hot_words_do_not_hurt_and_here_help_recall(engine) -> None:
    name, said, others = _clip()
    audio = load_audio(HOTWORD_CLIPS / name)

    def recall(hotwords: list[str]) -> float:
        text = normalize_for_match("".join(c.text for c in stream_pcm(engine, audio, hotwords=hotwords)))
        return sum(normalize_for_match(w) in text for w in said) / len(said)

    before, after = recall([]), recall([*others, *said])
    assert after >= before
    assert after == 1.0
