"""The extractive summariser: Chinese sentence splitting, TextRank, keywords — deterministic."""

from __future__ import annotations

from summarizer.extractive import keywords, split_sentences, summarize_turns, textrank, words


def test_sentences_split_after_chinese_and_ascii_terminators() -> None:
    text = "我同意。但是费用太高！能不能分期？先试点；再推广\n最后 OK? 嗯"
    assert split_sentences(text) == [
        "我同意。",
        "但是费用太高！",
        "能不能分期？",
        "先试点；",
        "再推广",
        "最后 OK?",
        "嗯",
    ]
    assert split_sentences("。。。 ！") == []


def test_a_run_on_sentence_is_cut_at_commas() -> None:
    run_on = "，".join(["东门那边的车位一直不够用大家都很着急"] * 10) + "。"
    parts = split_sentences(run_on)
    assert len(parts) > 1 and "".join(parts) == run_on and all(len(p) <= 80 for p in parts)


def test_words_drop_stop_words_and_punctuation() -> None:
    assert words("我们希望物业公司尽快维修电梯。") == ["物业公司", "尽快", "维修", "电梯"]


def test_textrank_prefers_the_sentence_connected_to_the_rest() -> None:
    sentences = [
        ["电梯", "加装", "费用"],
        ["电梯", "费用", "分摊"],
        ["天气", "不错"],
        ["加装", "电梯", "分摊", "费用"],
    ]
    scores = textrank(sentences)
    assert abs(sum(scores) - 1) < 1e-9
    assert max(range(4), key=lambda i: scores[i]) == 3
    assert scores[2] == min(scores)
    assert textrank([]) == [] and textrank([["a"]]) == [1.0]


def test_summaries_are_the_speakers_own_sentences_and_deterministic() -> None:
    turns = [
        ["我家住在六楼。", "每天上下楼非常困难。", "加装电梯能解决老人出行的问题。", "嗯。"],
        ["低楼层担心电梯影响采光。"],
        [],
    ]
    first = summarize_turns(turns)
    assert first == summarize_turns(turns)
    assert 1 <= len(first[0]) <= 2 and all(s in turns[0] for s in first[0])
    assert first[1] == ("低楼层担心电梯影响采光。",)
    assert first[2] == ()


def test_keywords_rank_topic_words_first() -> None:
    texts = ["加装电梯的费用怎么分摊。", "电梯公司提出玻璃幕墙方案。", "低楼层担心电梯影响采光。"]
    top = keywords(texts, 3)
    assert top[0] == "电梯" and len(top) == 3
