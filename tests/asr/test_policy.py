"""The streaming policy on scripted VAD frames and hypotheses (no model)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from asr.policy import (
    CONFIRM_AFTER_S,
    FRAME_S,
    HOLD_MAX_S,
    Decode,
    Emit,
    LocalAgreement,
    PolicyConfig,
    StreamPolicy,
    TimedWord,
)
from asr.settings import AsrSettings


def words(text: str, start: float, step: float = 0.2) -> list[TimedWord]:
    return [TimedWord(ch, start + i * step, start + (i + 1) * step) for i, ch in enumerate(text)]


def texts(items: Sequence[TimedWord]) -> str:
    return "".join(w.text for w in items)


Decoder = Callable[[Decode], list[TimedWord]]


def perfect(truth: list[TimedWord]) -> Decoder:
    """A recogniser that reads every word fully inside the requested span."""

    def decode(req: Decode) -> list[TimedWord]:
        return [w for w in truth if w.start >= req.start - 0.05 and w.end <= req.end + 0.05]

    return decode


def drive(probs: Sequence[float], decoder: Decoder, cfg: PolicyConfig | None = None, *, close: bool = True):
    """Run the policy; return (emitted captions, decode requests)."""
    policy = StreamPolicy(cfg or PolicyConfig.from_settings(AsrSettings()))
    emitted: list[Emit] = []
    requests: list[Decode] = []

    def run(actions: list[Decode | Emit]) -> None:
        for action in actions:
            if isinstance(action, Emit):
                emitted.append(action)
            else:
                requests.append(action)
                run(policy.on_hypothesis(action, decoder(action)))

    for p in probs:
        run(policy.on_frame(p))
    if close:
        run(policy.close())
    return emitted, requests


def frames(*spans: tuple[float, float]) -> list[float]:
    """VAD probabilities: 0.9 during (start, duration) spans of speech, 0.05 elsewhere."""
    total = max(s + d for s, d in spans) + 2.0
    out = []
    for i in range(int(total / FRAME_S)):
        t = i * FRAME_S
        out.append(0.9 if any(s <= t < s + d for s, d in spans) else 0.05)
    return out


# -- LocalAgreement ----------------------------------------------------------------------------


def test_agreement_commits_common_prefix_only() -> None:
    agr = LocalAgreement()
    assert agr.insert(words("我建议在", 0)) == []
    assert texts(agr.insert(words("我建议在小区", 0))) == "我建议在"
    assert texts(agr.tentative) == "小区"
    # a later hypothesis repeats the committed text first and changes its mind about the rest
    assert texts(agr.insert(words("我建议在小曲东门", 0))) == "小"
    assert texts(agr.committed) == "我建议在小"


def test_agreement_ignores_punctuation_in_the_committed_prefix() -> None:
    agr = LocalAgreement()
    agr.insert(words("我们开会", 0))
    agr.insert(words("我们开会讨论", 0))
    assert texts(agr.insert(words("我们，开会。讨论电梯", 0))) == "讨论"


def test_agreement_drops_a_reread_word_after_trimming() -> None:
    agr = LocalAgreement()
    agr.insert(words("会议开始", 0))
    agr.insert(words("会议开始了", 0))
    assert texts(agr.take(4)) == "会议开始"
    # the buffer was cut at an imprecise time: the next hypotheses re-read "始"
    agr.insert([TimedWord("始", 0.7, 0.8), *words("现在表决", 0.8)])
    assert texts(agr.insert([TimedWord("始", 0.7, 0.8), *words("现在表决同意", 0.8)])) == "现在表决"


# -- utterances --------------------------------------------------------------------------------


def test_pause_gives_one_final_without_an_extra_decode() -> None:
    truth = words("下面请物业公司汇报", 0.1, 0.2)  # 1.8 s of speech
    emitted, requests = drive(frames((0.1, 1.8)), perfect(truth))
    finals = [e for e in emitted if e.kind == "final"]
    assert [e.text for e in finals] == ["下面请物业公司汇报"]
    assert finals[0].ends_utterance
    speech_end = 1.9
    # the final decode ran speculatively once speech stopped; it is shown when silence is confirmed
    final_decodes = [r for r in requests if r.kind == "final"]
    assert len(final_decodes) == 1 and final_decodes[0].at < speech_end + 0.3
    assert speech_end + 0.5 <= finals[0].at < speech_end + 0.6


def test_partials_at_least_once_per_second_during_speech() -> None:
    truth = words("我建议在小区东门增设临时停车位每周三晚上召开议事会", 0.0, 0.2)
    emitted, requests = drive(frames((0.0, 5.2)), perfect(truth))
    partial_times = [r.at for r in requests if r.kind == "partial"]
    assert len(partial_times) >= 4
    assert all(b - a <= 1.0 + 1e-6 for a, b in zip([0.0, *partial_times], partial_times, strict=False))
    assert any(e.kind == "partial" for e in emitted)


def test_short_pause_inside_speech_is_not_an_utterance_end() -> None:
    truth = [*words("我们开会", 0.0), *words("讨论电梯", 1.1)]
    emitted, requests = drive(frames((0.0, 0.8), (1.1, 0.8)), perfect(truth))
    finals = [e for e in emitted if e.kind == "final"]
    assert "".join(e.text for e in finals) == "我们开会讨论电梯"
    # the 0.3 s pause did not close the utterance (though its text may be committed there) ...
    assert [e.ends_utterance for e in finals][-1] and not any(e.ends_utterance for e in finals[:-1])
    # ... and the speculative decode made at the pause did not become a final on its own
    assert sum(r.kind == "final" for r in requests) >= 2


def test_blips_shorter_than_min_speech_are_ignored() -> None:
    emitted, requests = drive(frames((1.0, 0.1), (3.0, 0.1)), lambda req: words("嗯", req.start))
    assert emitted == [] and requests == []


def test_silence_gives_nothing() -> None:
    emitted, requests = drive([0.05] * 200, lambda req: words("谢谢观看", 0))
    assert emitted == [] and requests == []


def test_close_flushes_the_tail_as_a_final() -> None:
    truth = words("现在进行表决", 0.0)
    emitted, _ = drive(frames((0.0, 1.3))[: int(1.3 / FRAME_S)], perfect(truth))
    assert [e.text for e in emitted if e.kind == "final"] == ["现在进行表决"]


# -- long turns --------------------------------------------------------------------------------


def test_long_turn_without_pauses_is_forced_out_as_it_goes() -> None:
    sentences = ["我建议在小区东门增设停车位。", "每周三晚上召开议事会。", "下面请物业公司汇报工作。"] * 4
    truth: list[TimedWord] = []
    t = 0.0
    for s in sentences:
        truth.extend(words(s, t, 0.25))
        t += len(s) * 0.25
    emitted, _ = drive(frames((0.0, t)), perfect(truth))
    finals = [e for e in emitted if e.kind == "final"]
    assert len(finals) >= 5  # agreed text is forced out every commit_after_s (6 s)
    assert finals[0].at < 7.0  # the first comes long before the turn (36 s) ends
    # finals never overlap or repeat, and together they are the whole turn (a sentence mark
    # right after a forced cut may be lost: a final never starts with punctuation)
    assert all(a.end <= b.start + 1e-9 for a, b in itertools.pairwise(finals))
    assert "".join(e.text for e in finals).replace("。", "") == "".join(sentences).replace("。", "")


def test_long_turn_without_punctuation_is_cut_at_vad_pauses() -> None:
    truth: list[TimedWord] = []
    spans = []
    t = 0.0
    for s in [
        "我们小区的物业费收缴率",
        "从百分之七十五提高到百分之九十八",
        "社区食堂的选址初步定在活动中心",
    ] * 2:
        truth.extend(words(s, t, 0.22))
        spans.append((t, len(s) * 0.22))
        t += len(s) * 0.22 + 0.25
    emitted, _ = drive(frames(*spans), perfect(truth))
    finals = [e.text for e in emitted if e.kind == "final"]
    assert len(finals) >= 4
    assert "".join(finals).replace("。", "") == "".join(w.text for w in truth)


def test_disagreeing_hypotheses_are_forced_out_at_max_buffer() -> None:
    counter = iter(range(10_000))

    def unstable(req: Decode) -> list[TimedWord]:
        n = next(counter)
        return [
            *words("甲乙丙丁戊己庚辛" * 10, req.start, 0.25)[: int((req.end - req.start) / 0.25)],
            TimedWord(str(n), req.end - 0.1, req.end),
        ]

    cfg = PolicyConfig.from_settings(AsrSettings(commit_after_s=100.0, max_buffer_s=8.0))
    emitted, _ = drive(frames((0.0, 30.0)), unstable, cfg, close=False)
    assert sum(e.kind == "final" for e in emitted) >= 2


# -- left context for finals -------------------------------------------------------------------


def test_final_after_a_cut_rereads_the_emitted_beginning_and_strips_it() -> None:
    # a 3.4 s stretch, a 0.3 s pause, more speech: the first part is final when speech goes on
    first, second = "议事会现在正式开始了大家好", "现在进行表决"
    truth = [*words(first, 0.0, 0.26), *words(second, 3.7)]
    emitted, requests = drive(frames((0.0, 3.4), (3.7, 1.2)), perfect(truth))
    finals = [e for e in emitted if e.kind == "final"]
    assert [e.text for e in finals] == [first, second]
    # committed as soon as a hypothesis read CONFIRM_AFTER_S past the pause
    assert finals[0].at < 3.7 + CONFIRM_AFTER_S + 0.05
    last = [r for r in requests if r.kind == "final"][-1]
    assert last.start == 0.0  # the last decode covered the emitted part too ...
    assert "".join(w.text for w in last.context) == first  # ... and knew what to strip


def marked(text: str, start: float, step: float = 0.2) -> list[TimedWord]:
    """Like ``words``, with punctuation merged into the character before it (as Whisper's words are)."""
    out: list[TimedWord] = []
    for ch in text:
        if ch in "，。？" and out:
            out[-1] = TimedWord(out[-1].text + ch, out[-1].start, out[-1].end)
        else:
            t = start + len(out) * step
            out.append(TimedWord(ch, t, t + step))
    return out


def whisper_like(truth: list[TimedWord]) -> Decoder:
    """Reads the words inside the span, and ends a sentence wherever the audio ends (what Whisper
    does with a buffer cut at a pause, even at a comma)."""

    def decode(req: Decode) -> list[TimedWord]:
        got = [w for w in truth if w.start >= req.start - 0.05 and w.end <= req.end + 0.05]
        if got and req.end < truth[-1].end:
            last = got[-1]
            got[-1] = TimedWord(last.text.rstrip("，。？") + "。", last.start, last.end)
        return got

    return decode


def test_a_short_sentence_is_final_soon_after_the_next_one_starts() -> None:
    # 1.6 s sentence, 0.25 s pause, a long next sentence: no waiting for a 3 s stretch
    first, second = "我附议这项提案。", "有没有人提出修正案，现在进行表决。"
    truth = [*marked(first, 0.0), *marked(second, 1.65)]
    emitted, _ = drive(frames((0.0, 1.4), (1.65, 3.2)), whisper_like(truth))
    finals = [e for e in emitted if e.kind == "final"]
    assert [e.text for e in finals] == [first, second]
    assert finals[0].at < 1.65 + CONFIRM_AFTER_S + 0.05


def test_a_comma_pause_in_a_short_stretch_is_not_a_cut() -> None:
    # the decode made at the pause ends with 。, the one reading past it has the comma
    truth = [*marked("关于停车，", 0.0), *marked("大家有什么意见。", 1.1)]
    emitted, requests = drive(frames((0.0, 0.8), (1.1, 1.4)), whisper_like(truth))
    assert [e.text for e in emitted if e.kind == "final"] == ["关于停车，大家有什么意见。"]
    deciding = [r for r in requests if r.decides]
    assert deciding and deciding[0].end < 1.1 + CONFIRM_AFTER_S + 0.05  # it was asked for soon


def test_a_held_sentence_end_is_emitted_after_hold_max_s() -> None:
    # the hypothesis reading past the pause joins the sentences with a comma (Whisper base often
    # does); the held decode ends a sentence and the next sentence is long: it does not wait
    truth = [*marked("我附议这项提案，", 0.0), *marked("关于垃圾分类的问题大家还有什么意见。", 1.65)]
    emitted, _ = drive(frames((0.0, 1.4), (1.65, 3.4)), whisper_like(truth))
    finals = [e for e in emitted if e.kind == "final"]
    assert [e.text for e in finals] == ["我附议这项提案。", "关于垃圾分类的问题大家还有什么意见。"]
    assert 1.65 + HOLD_MAX_S - 0.05 < finals[0].at < 1.65 + HOLD_MAX_S + 0.05


def test_a_comma_pause_in_a_long_stretch_is_a_cut() -> None:
    first = "同意十五票反对两票弃权一票，"  # 2.6 s, then 0.9 s: the stretch reaches pause_commit_s
    truth = [*marked(first, 0.0), *marked("提案通过了，", 2.9), *marked("决议将公示七天。", 4.2)]
    spans = ((0.0, 2.6), (2.9, 1.0), (4.2, 1.6))
    emitted, _ = drive(frames(*spans), whisper_like(truth))
    finals = [e.text for e in emitted if e.kind == "final"]
    assert finals == ["同意十五票反对两票弃权一票，提案通过了。", "决议将公示七天。"]


def test_a_short_stretch_before_a_pause_waits_for_the_whole_sentence() -> None:
    truth = [*words("关于停车", 0.0), *words("大家有什么意见", 1.1)]
    emitted, _ = drive(frames((0.0, 0.8), (1.1, 1.4)), perfect(truth))
    assert [e.text for e in emitted if e.kind == "final"] == ["关于停车大家有什么意见"]


def test_context_strip_tolerates_a_different_reread() -> None:
    from asr.agreement import strip_context

    context = words("同意十五票", 0.0)
    reread = [*words("同一十五票，", 0.0), *words("反对两票", 1.2)]
    assert texts(strip_context(reread, context)) == "反对两票"
    # nothing like the context: fall back to timing
    other = [*words("完全不同", 0.0), *words("反对两票", 1.2)]
    assert texts(strip_context(other, context)) == "反对两票"


def test_context_strip_reads_numbers_either_way() -> None:
    """One reading writes 98%, the re-read 百分之九十八 (or the other way): the re-read is still recognised
    as the context, so its number is not shown a second time at the start of the next final."""
    from asr.agreement import strip_context

    context = words("收缴率提高到了98%", 0.0)
    reread = [*words("收缴率提高到了百分之九十八。", 0.0), *words("下面请观察员点评", 2.0)]
    assert texts(strip_context(reread, context)) == "下面请观察员点评"
    context = [*words("补贴百分之三十", 0.0)]
    reread = [*words("补贴", 0.0), TimedWord("30%", 0.5, 0.9), *words("我代表业主", 1.2)]
    assert texts(strip_context(reread, context)) == "我代表业主"


def test_a_long_silence_drops_the_context() -> None:
    truth = [*words("第一句话", 0.0), *words("第二句话", 4.0)]
    _emitted, requests = drive(frames((0.0, 0.8), (4.0, 0.8)), perfect(truth))
    last = [r for r in requests if r.kind == "final"][-1]
    assert last.context == () and last.start >= 3.5
