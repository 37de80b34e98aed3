"""``Minutes`` → the draft's sections: one per agenda item plus header, attendance and statistics, each a
list of entries whose fields are plain text (what the recorder edits). No markup is written here: the
renderers (``render_md``) lay the entries out and escape every field.

Entry kinds and their fields (the renderers and the editor know them by these names; ``motion``, ``vote``
and ``resolution`` are what the meeting decided, read-only: ``minutes_values.RECORD_KINDS``):

==========  =====================================  ==========================================
kind        fields                                 label / note (from the record, not edited)
==========  =====================================  ==========================================
line        text                                   label: 会议名称, 线上参会 …
para        text                                   label: 概况
speech      speaker, text (the summary)            note: 旁听 or 列席, channel, round, how long, how it ended
motion      title, text, result                    label: 提案 m1 / 修正案 m2; note: mover, seconder
vote        text (counts, threshold, result)       label: 记名表决 / 无记名表决
resolution  title, text                            label: 决议 r1
action      owner, due, text                       note: who said it (or 决议 r1)
question    text                                   note: who asked
key_point   text                                   note: the recorder who marked it
row         speaker, channel, turns, spoken        a line of the statistics table
==========  =====================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Sequence

from meeting_server.core.minutes_values import MinutesEntry, MinutesField, MinutesSection

from .fmt import clock, cn_date, duration, ordinal, percent
from .model import ActionItem, ItemMinutes, Minutes, MotionEntry, VoteResult

CHANNELS = {"online": "线上", "room": "现场"}
ENDED = {"yielded": "", "revoked": "，被主持人收回发言权", "expired": "，发言超时被截止", "open": ""}
# The subheading each kind stands under within a section (line, para and row stand under none).
GROUPS = {
    "speech": "发言",
    "motion": "提案与表决",
    "vote": "提案与表决",
    "resolution": "决议",
    "action": "待办事项",
    "question": "待议问题",
    "key_point": "记录员标记",
}
STATISTICS_COLUMNS = (
    ("speaker", "发言人"),
    ("channel", "方式"),
    ("turns", "发言次数"),
    ("spoken", "发言时长"),
)


def _entry(
    entry_id: str,
    kind: str,
    label: str = "",
    note: str = "",
    *,
    seq: int | None = None,
    time: float | None = None,
    depth: int = 0,
    **fields: str,
) -> MinutesEntry:
    return MinutesEntry(
        entry_id,
        kind,
        tuple(MinutesField(name, " ".join(value.split())) for name, value in fields.items()),
        label=label,
        note=note,
        seq=seq,
        time=time,
        depth=depth,
    )


def _names(names: Sequence[str]) -> str:
    return "、".join(names) if names else "—"


def sections(m: Minutes) -> tuple[MinutesSection, ...]:
    """The draft: header, attendance, one section per agenda item, other action items, statistics."""
    out = [
        MinutesSection("header", "基本信息", _header(m)),
        MinutesSection("attendance", "出席情况", _attendance(m)),
    ]
    out += [
        MinutesSection(f"item-{item.index}", f"议题{ordinal(item.index)}：{item.title}", _item(item))
        for item in m.items
    ]
    if m.unassigned_actions:
        actions = tuple(_action(f"action-{n}", a) for n, a in enumerate(m.unassigned_actions, 1))
        out.append(MinutesSection("actions", "其他待办事项", actions))
    out.append(MinutesSection("statistics", "统计", _statistics(m)))
    return tuple(out)


def _header(m: Minutes) -> tuple[MinutesEntry, ...]:
    h = m.header
    span = ""
    if h.opened_at is not None and h.closed_at is not None:
        span = f"，历时 {duration(h.closed_at - h.opened_at)}"
    return (
        _entry("title", "line", "会议名称", text=h.title),
        _entry("level", "line", "会议层级", text=f"{h.level}议事会"),
        _entry("date", "line", "日期", text=f"{cn_date(h.date)}{span}"),
        _entry("place", "line", "地点", text=h.place),
        _entry("moderator", "line", "主持人", text=_names(h.moderator)),
        _entry("timer", "line", "计时员", text=_names(h.timer)),
        _entry("recorder", "line", "记录员", text=_names(h.recorder)),
    )


def _attendance(m: Minutes) -> tuple[MinutesEntry, ...]:
    a = m.attendance
    expected = f"应到 {a.expected} 人，" if a.expected is not None else ""
    met = "符合" if a.quorum_met else "未达到"
    return (
        _entry(
            "count",
            "line",
            "人数",
            text=f"{expected}实到 {a.attended} 人（线上 {len(a.online)} 人，现场 {len(a.room)} 人）",
        ),
        _entry("online", "line", "线上参会", text=_names(a.online)),
        _entry("room", "line", "现场参会", text=_names(a.room)),
        *((_entry("guests", "line", "列席（不参加表决）", text=_names(a.guests)),) if a.guests else ()),
        _entry(
            "quorum",
            "line",
            "法定人数",
            text=f"{a.quorum_min} 人；同时在场最多 {a.peak_present} 人，{met}法定人数",
        ),
    )


def _item(item: ItemMinutes) -> tuple[MinutesEntry, ...]:
    if item.start is None:
        overview = "本议题未进行。"
    else:
        words = f"关键词：{'、'.join(item.keywords)}。" if item.keywords else ""
        overview = (
            f"开始于 {clock(item.start)}，用时 {duration(item.duration_s)}"
            f"（计划 {item.planned_minutes} 分钟）。{words}"
        )
    out = [_entry("overview", "para", "概况", text=overview)]
    if item.topic_id:
        where = (
            f"，会前调研报告与议题进展见 {item.report_path}（用社区发给您的链接打开）"
            if item.report_path
            else ""
        )
        out.append(
            _entry("topic", "para", "议题来源", text=f"居民议题征集（议题编号 {item.topic_id}）{where}。")
        )
    for n, s in enumerate(item.speeches, 1):
        rnd = f"第 {s.round} 轮，" if s.round else ""
        how = "列席" if s.guest else CHANNELS.get(s.channel, s.channel)
        if s.listener:  # a typed name, not a roster person: it may be anyone's
            how = f"旁听，{how}"
        note = f"{how}，{rnd}发言 {duration(s.spoken_s)}{ENDED.get(s.ended, '')}"
        said = "".join(s.summary) if s.summary else "（无字幕记录）"
        out.append(
            _entry(
                f"speech-{n}",
                "speech",
                note=note,
                seq=s.first_caption_seq,
                time=s.start,
                speaker=s.speaker,
                text=said,
            )
        )
    for motion in item.motions:
        out += _motion(motion, 0)
    out += [
        _entry(
            f"resolution-{r.resolution_id}",
            "resolution",
            f"决议 {r.resolution_id}",
            seq=r.seq,
            title=r.title,
            text=r.text,
        )
        for r in item.resolutions
    ]
    out += [_action(f"action-{n}", a) for n, a in enumerate(item.actions, 1)]
    out += [
        _entry(f"question-{n}", "question", note=q.source, seq=q.seq, time=q.time, text=q.text)
        for n, q in enumerate(item.questions, 1)
    ]
    out += [
        _entry(f"point-{n}", "key_point", note=k.by, seq=k.seq, text=k.text)
        for n, k in enumerate(item.key_points, 1)
    ]
    return tuple(out)


def _in_person(name: str, entered_by: str | None) -> str:
    """A mover or seconder; one in the hall, without a device, had the recorder enter it for them."""
    return f"{name}（现场，记录员 {entered_by} 代录）" if entered_by else name


def _motion(m: MotionEntry, depth: int) -> list[MinutesEntry]:
    kind = "修正案" if depth else "提案"
    second = f"，附议 {_in_person(m.seconder, m.seconder_entered_by)}" if m.seconder else "，无人附议"
    out = [
        _entry(
            f"motion-{m.motion_id}",
            "motion",
            f"{kind} {m.motion_id}",
            f"动议 {_in_person(m.mover, m.mover_entered_by)}{second}",
            seq=m.seq,
            depth=depth,
            title=m.title,
            text=m.text,
            result=m.status,
        )
    ]
    for a in m.amendments:
        out += _motion(a, depth + 1)
    out += [
        _entry(
            f"vote-{m.motion_id}-{n}",
            "vote",
            "无记名表决" if v.secret else "记名表决",
            seq=v.seq,
            depth=depth + 1,
            text=_vote(v),
        )
        for n, v in enumerate(m.votes, 1)
    ]
    return out


def _counts(c: tuple[int, int, int]) -> str:
    return f"赞成 {c[0]}、反对 {c[1]}、弃权 {c[2]}"


def _vote(v: VoteResult) -> str:
    quorum = "达到" if v.quorum_met else "未达到"
    result = "通过" if v.passed else "未通过"
    if v.online is None or v.room is None:  # a secret vote: ballots by channel, choices in total
        split = f"线上投票 {v.ballots[0]} 张，现场投票 {v.ballots[1]} 张（无记名，只公布合计）"
        if v.rule_text:  # a per-person rule says what was counted against what, and the result
            return f"{split}；合计 {_counts(v.totals)}。{v.rule_text}"
        return (
            f"{split}；合计 {_counts(v.totals)}。通过标准：{v.threshold}；在场 {v.present} 人，"
            f"法定人数 {v.quorum_min} 人（{quorum}）；结果：{result}"
        )
    if v.rule_text:  # the voting rule applied says what was counted against what, and the result
        return f"线上 {_counts(v.online)}；现场 {_counts(v.room)}；合计 {_counts(v.totals)}。{v.rule_text}"
    return (
        f"线上 {_counts(v.online)}；现场举手 {_counts(v.room)}；合计 {_counts(v.totals)}。"
        f"通过标准：{v.threshold}；在场 {v.present} 人，法定人数 {v.quorum_min} 人（{quorum}）；"
        f"结果：{result}"
    )


def _action(entry_id: str, a: ActionItem) -> MinutesEntry:
    due = f"{cn_date(a.due)}（“{a.due_text or ''}”）" if a.due else ""
    return _entry(
        entry_id, "action", note=a.source, seq=a.seq, time=a.time, owner=a.owner or "", due=due, text=a.text
    )


def _statistics(m: Minutes) -> tuple[MinutesEntry, ...]:
    s = m.statistics
    total = s.online_spoken_s + s.room_spoken_s
    rows = [
        _entry(
            f"row-{n}",
            "row",
            speaker=p.speaker,
            channel=CHANNELS.get(p.channel, p.channel),
            turns=str(p.turns),
            spoken=duration(p.spoken_s),
        )
        for n, p in enumerate(s.speakers, 1)
    ]
    if s.limit_hits:
        hits = "；".join(f"{who}（{item}，{turn}）" for who, item, turn in s.limit_hits)
        limits = f"{len(s.limit_hits)} 次 —— {hits}"
    else:
        limits = "0 次"
    return (
        *rows,
        _entry("turns", "line", "发言次数", text=f"共 {s.turns} 次，字幕 {s.captions} 条"),
        _entry(
            "channels",
            "line",
            "线上与现场",
            text=f"线上发言人 {s.online_speakers} 人，发言 {duration(s.online_spoken_s)}"
            f"（{percent(s.online_spoken_s, total)}）；现场发言人 {s.room_speakers} 人，"
            f"发言 {duration(s.room_spoken_s)}（{percent(s.room_spoken_s, total)}）",
        ),
        _entry(
            "durations",
            "line",
            "各议题用时",
            text="；".join(f"{title} {duration(seconds)}" for title, seconds in s.item_durations) or "—",
        ),
        _entry("limits", "line", "发言时间用尽被截止", text=limits),
    )
