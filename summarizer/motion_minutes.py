"""A motion of the folded state → its ``MotionEntry`` in the minutes: mover and seconder (and who entered
them for an in-room resident), the votes with the rule applied, the result's label, its amendments."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from meeting_server.core.motion_events import VoteClosed
from meeting_server.core.state import MeetingState, Motion
from meeting_server.core.values import Counts, MotionStatus, Threshold
from meeting_server.core.vote_rules import result_text

from .model import MotionEntry, VoteResult

THRESHOLDS = {
    Threshold.MAJORITY_CAST: "过半数（赞成多于反对）",
    Threshold.MAJORITY_PRESENT: "过半数（在场表决人）",
    Threshold.TWO_THIRDS: "三分之二多数",
    Threshold.THREE_QUARTERS: "四分之三多数",
    Threshold.FRACTION: "自定义比例",
}
STATUS = {
    MotionStatus.MOVED: "无人附议",
    MotionStatus.SECONDED: "未表决",
    MotionStatus.VOTING: "表决中",
    MotionStatus.PASSED: "通过",
    MotionStatus.FAILED: "未通过",
    MotionStatus.WITHDRAWN: "撤回",
}


def _threshold(r: VoteClosed) -> str:
    if r.rule is not None and r.threshold is Threshold.FRACTION:
        return f"赞成票达投票数的 {r.rule.numerator}/{r.rule.denominator} 以上"
    return THRESHOLDS[r.threshold]


def _counts(c: Counts) -> tuple[int, int, int]:
    return (c.yes, c.no, c.abstain)


def motion_status(m: Motion, cancelled: Collection[str]) -> str:
    """The result's label; a vote cancelled by the close leaves the motion seconded but says so."""
    if m.motion_id in cancelled and m.status is MotionStatus.SECONDED:
        return "表决因闭会取消"
    return STATUS[m.status]


def _vote_result(r: VoteClosed, seq: int) -> VoteResult:
    choices = r.channel_choices()  # None for a secret vote: its choices only as totals
    ballots = r.ballots_by_channel()
    return VoteResult(
        motion_id=r.motion_id,
        online=_counts(choices.online) if choices is not None else None,
        room=_counts(choices.room) if choices is not None else None,
        totals=_counts(r.totals),
        threshold=_threshold(r),
        secret=r.secret,
        present=r.present,
        quorum_min=r.quorum_min,
        quorum_met=r.quorum_met,
        passed=r.passed,
        seq=seq,
        # A per-person rule (a roster scope, households, art. 278) is told in full.
        rule_text=result_text(r.rule, r.sums, r.passed) if r.rule and r.sums and r.rule.per_person else "",
        ballots=(ballots.online, ballots.room),
    )


def motion_entry(
    m: Motion,
    state: MeetingState,
    names: Mapping[str, str],
    vote_seq: Sequence[int],
    motion_seq: Mapping[str, int],
    cancelled: Collection[str],
) -> MotionEntry:
    """``vote_seq`` is parallel to ``state.results`` (the event number of each vote's close)."""
    votes = tuple(
        _vote_result(r, seq)
        for r, seq in zip(state.results, vote_seq, strict=True)
        if r.motion_id == m.motion_id
    )
    return MotionEntry(
        motion_id=m.motion_id,
        title=m.title,
        text=m.text,
        mover=names.get(m.mover, m.mover),
        seconder=names.get(m.seconder, m.seconder) if m.seconder else None,
        mover_entered_by=names.get(m.entered_by, m.entered_by) if m.entered_by else None,
        seconder_entered_by=names.get(m.second_entered_by, m.second_entered_by)
        if m.second_entered_by
        else None,
        status=motion_status(m, cancelled),
        amendments=tuple(
            motion_entry(a, state, names, vote_seq, motion_seq, cancelled)
            for a in state.amendments_of(m.motion_id)
        ),
        votes=votes,
        seq=motion_seq[m.motion_id],
    )
