"""Text hygiene on crafted strings: simplified script, punctuation, hallucinations, loops."""

from __future__ import annotations

import pytest

from asr import text
from asr.metrics import cer, char_errors


def test_traditional_becomes_simplified() -> None:
    assert text.to_simplified("會議紀要：電梯維修後，請簽字。") == "会议纪要：电梯维修后，请签字。"
    assert text.is_simplified("会议纪要") and not text.is_simplified("會議")


@pytest.mark.parametrize(
    ("raw", "tidy"),
    [
        ("我建议增设停车位 每周三开会", "我建议增设停车位，每周三开会"),
        ("請簽字,謝謝.", "请签字，谢谢。"),
        (",,你好。。", "你好。"),
        ("问题，。大家", "问题。大家"),
        ("面积3.5平方米", "面积3.5平方米"),
        ("工期两个月﹐", "工期两个月，"),
        ("半个字\ufffd", "半个字"),
    ],
)
def test_clean_caption(raw: str, tidy: str) -> None:
    assert text.clean_caption(raw, "digits") == tidy


def test_clean_caption_writes_numbers_as_spoken_unless_told_digits() -> None:
    assert text.clean_caption("面积3.5平方米,共15戶.") == "面积三点五平方米，共十五户。"
    assert text.clean_caption("面积3.5平方米,共15戶.", "digits") == "面积3.5平方米，共15户。"


def test_match_form_finds_a_hot_word_typed_with_digits() -> None:
    caption = text.clean_caption("我住12号楼3单元。")
    assert caption == "我住十二号楼三单元。"
    assert text.match_form("12号楼") in text.match_form(caption)
    assert text.match_form("十二号楼") in text.match_form("我住12号楼")
    assert text.normalize_for_match("12号楼") not in text.normalize_for_match(caption)  # why match_form


def test_end_sentence() -> None:
    assert text.end_sentence("我反对") == "我反对。"
    assert text.end_sentence("我反对，") == "我反对。"
    assert text.end_sentence("你同意吗？") == "你同意吗？"
    assert text.end_sentence("") == ""


@pytest.mark.parametrize(
    "phrase",
    [
        "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目",
        "字幕由Amara.org社群提供",
        "謝謝觀看",
        "优优独播剧场——YoYo Television Series Exclusive",
    ],
)
def test_hallucination_dominating_is_dropped(phrase: str) -> None:
    assert text.is_hallucination(phrase)


def test_hallucination_phrase_inside_real_speech_is_kept() -> None:
    assert not text.is_hallucination("我们今天讨论停车问题，顺便谢谢观看直播的居民们也提出意见")
    assert not text.is_hallucination("下面请物业公司汇报上个月的维修工作情况")
    assert not text.is_hallucination("")


@pytest.mark.parametrize(
    ("looped", "cut"),
    [
        ("喋喋喋喋喋喋喋喋喋喋喋喋", "喋"),
        ("我们要讨论我们要讨论我们要讨论我们要讨论", "我们要讨论"),
        ("请举手请举手请举手", "请举手"),
        ("他说，他说，他说，他说，他说，", "他说，"),
        ("现在表决同意同意同意同意同意", "现在表决同意"),
        ("现在对修改后的提案进行表决。现在对修改后的提案进行表决。现在对", "现在对修改后的提案进行表决。"),
    ],
)
def test_loops_are_found_and_cut(looped: str, cut: str) -> None:
    assert text.find_loop(looped) is not None
    assert text.cut_loop(looped) == cut


@pytest.mark.parametrize(
    "speech",
    [
        "谢谢谢谢大家",
        "对对对",
        "好的好的好的",
        "哈哈哈哈",
        "一二三四五六七八九十",
        "我们要我们要",
        "谢谢大家，谢谢大家",
    ],
)
def test_ordinary_repetition_is_not_a_loop(speech: str) -> None:
    assert text.find_loop(speech) is None
    assert text.cut_loop(speech) == speech


def test_compression_ratio_flags_repetition() -> None:
    assert text.compression_ratio("喋" * 60) > 2.4
    assert text.compression_ratio("下面请物业公司汇报上个月的维修工作情况。") < 2.4


def test_cer_ignores_punctuation_spaces_and_script() -> None:
    assert char_errors("会议纪要。", "會議 紀要") == (0, 4)
    assert char_errors("同意的请举手", "同一的请举手") == (1, 6)
    assert cer([("ab", "ab"), ("cd", "")]) == 0.5


def test_looped_words_are_cut_after_one_unit() -> None:
    from asr.hypothesis import Word, cut_looped_words

    chars = "现在表决" + "喋" * 20
    words = [Word(ch, i * 0.1, (i + 1) * 0.1, 0.5) for i, ch in enumerate(chars)]
    kept, looped = cut_looped_words(words)
    assert looped and "".join(w.text for w in kept) == "现在表决喋"
    assert cut_looped_words(words[:6]) == (words[:6], False)
