"""``Minutes`` → the draft's editable sections, and a ``Document`` → one markdown file.

The sections are written in a small markdown dialect that ``blocks.py`` reads back for the HTML, DOCX
and PDF renderers: headings, paragraphs, lists (two spaces per level), pipe tables, ``**bold**`` and
``[label](#c-SEQ)`` links to the transcript line of log event SEQ. Text that came from speech is escaped,
so a caption can never turn into markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from meeting_server.core.minutes_values import MinutesSection

from .fmt import clock, cn_date, duration, md_escape, ordinal, percent
from .model import ActionItem, ItemMinutes, Minutes, MotionEntry, VoteResult

CHANNELS = {"online": "线上", "room": "现场"}
ENDED = {"yielded": "", "revoked": "，被主持人收回发言权", "expired": "，**发言超时被截止**", "open": ""}


def _e(text: str) -> str:
    return md_escape(text)


def _names(names: Sequence[str]) -> str:
    return "、".join(_e(n) for n in names) if names else "—"


def sections(m: Minutes) -> tuple[MinutesSection, ...]:
    """The draft as editable sections: header, attendance, one per agenda item, statistics."""
    out = [
        MinutesSection("header", "基本信息", _header(m)),
        MinutesSection("attendance", "出席情况", _attendance(m)),
    ]
    out += [
        MinutesSection(f"item-{item.index}", f"议题{ordinal(item.index)}：{item.title}", _item(item))
        for item in m.items
    ]
    if m.unassigned_actions:
        out.append(
            MinutesSection("actions", "其他待办事项", "\n".join(_action(a) for a in m.unassigned_actions))
        )
    out.append(MinutesSection("statistics", "统计", _statistics(m)))
    return tuple(out)


def _header(m: Minutes) -> str:
    h = m.header
    span = ""
    if h.opened_at is not None and h.closed_at is not None:
        span = f"，历时 {duration(h.closed_at - h.opened_at)}"
    return "\n".join(
        [
            f"- 会议名称：{_e(h.title)}",
            f"- 会议层级：{h.level}议事会",
            f"- 日期：{cn_date(h.date)}{span}",
            f"- 地点：{_e(h.place)}",
            f"- 主持人：{_names(h.moderator)}",
            f"- 计时员：{_names(h.timer)}",
            f"- 记录员：{_names(h.recorder)}",
        ]
    )


def _attendance(m: Minutes) -> str:
    a = m.attendance
    expected = f"应到 {a.expected} 人，" if a.expected is not None else ""
    met = "符合" if a.quorum_met else "**未达到**"
    return "\n".join(
        [
            f"- {expected}实到 {a.attended} 人（线上 {len(a.online)} 人，现场 {len(a.room)} 人）",
            f"- 线上参会：{_names(a.online)}",
            f"- 现场参会：{_names(a.room)}",
            f"- 列席（不参加表决）：{_names(a.guests)}",
            f"- 法定人数 {a.quorum_min} 人；同时在场最多 {a.peak_present} 人，{met}法定人数",
        ]
    )


def _item(item: ItemMinutes) -> str:
    lines: list[str] = []
    if item.start is None:
        lines.append("本议题未进行。")
    else:
        words = f"关键词：{'、'.join(_e(k) for k in item.keywords)}。" if item.keywords else ""
        lines.append(
            f"开始于 {clock(item.start)}，用时 {duration(item.duration_s)}"
            f"（计划 {item.planned_minutes} 分钟）。{words}"
        )
    if item.speeches:
        lines += ["", "### 发言"]
        for n, s in enumerate(item.speeches, 1):
            where = f"[{clock(s.start)}](#c-{s.first_caption_seq})" if s.first_caption_seq else clock(s.start)
            rnd = f"第 {s.round} 轮，" if s.round else ""
            said = "".join(_e(x) for x in s.summary) if s.summary else "（无字幕记录）"
            how = "列席" if s.guest else CHANNELS.get(s.channel, s.channel)
            lines.append(
                f"{n}. **{_e(s.speaker)}**（{how}，{rnd}"
                f"发言 {duration(s.spoken_s)}{ENDED.get(s.ended, '')}）{where}：{said}"
            )
    if item.motions:
        lines += ["", "### 提案与表决"]
        for motion in item.motions:
            lines += _motion(motion, 0)
    if item.resolutions:
        lines += ["", "### 决议"]
        lines += [
            f"- 决议 {r.resolution_id}《{_e(r.title)}》：{_e(r.text)}（日志 #{r.seq}）"
            for r in item.resolutions
        ]
    if item.actions:
        lines += ["", "### 待办事项"]
        lines += [_action(a) for a in item.actions]
    if item.questions:
        lines += ["", "### 待议问题"]
        for q in item.questions:
            where = f" [{clock(q.time)}](#c-{q.seq})" if q.time is not None else f"（日志 #{q.seq}）"
            lines.append(f"- {_e(q.text)}（{_e(q.source)}）{where}")
    if item.key_points:
        lines += ["", "### 记录员标记"]
        lines += [f"- {_e(k.text)}（{_e(k.by)}，日志 #{k.seq}）" for k in item.key_points]
    return "\n".join(lines)


def _in_person(name: str, entered_by: str | None) -> str:
    """A mover or seconder; one in the hall, without a device, had the recorder enter it for them."""
    return f"{_e(name)}（现场，记录员 {_e(entered_by)} 代录）" if entered_by else _e(name)


def _motion(m: MotionEntry, level: int) -> list[str]:
    pad = "  " * level
    kind = "修正案" if level else "提案"
    mover = _in_person(m.mover, m.mover_entered_by)
    second = f"，附议 {_in_person(m.seconder, m.seconder_entered_by)}" if m.seconder else "，无人附议"
    lines = [
        f"{pad}- {kind} {m.motion_id}《{_e(m.title)}》：动议 {mover}{second}；"
        f"结果：**{m.status}**（日志 #{m.seq}）",
        f"{pad}  - 文本：{_e(m.text)}",
    ]
    for a in m.amendments:
        lines += _motion(a, level + 1)
    lines += [f"{pad}  - {_vote(v)}" for v in m.votes]
    return lines


def _counts(c: tuple[int, int, int]) -> str:
    return f"赞成 {c[0]}、反对 {c[1]}、弃权 {c[2]}"


def _vote(v: VoteResult) -> str:
    kind = "无记名表决" if v.secret else "记名表决"
    quorum = "达到" if v.quorum_met else "未达到"
    result = "通过" if v.passed else "未通过"
    return (
        f"{kind}：线上 {_counts(v.online)}；现场举手 {_counts(v.room)}；合计 {_counts(v.totals)}。"
        f"通过标准：{v.threshold}；在场 {v.present} 人，法定人数 {v.quorum_min} 人（{quorum}）；"
        f"结果：**{result}**（日志 #{v.seq}）"
    )


def _action(a: ActionItem) -> str:
    owner = _e(a.owner) if a.owner else "（未指定）"
    due = f"，期限 {cn_date(a.due)}（“{_e(a.due_text or '')}”）" if a.due else ""
    where = f"[{clock(a.time)}](#c-{a.seq})" if a.time is not None else f"日志 #{a.seq}"
    return f"- **{owner}**{due}：{_e(a.text)}（{_e(a.source)}，{where}）"


def _statistics(m: Minutes) -> str:
    s = m.statistics
    total = s.online_spoken_s + s.room_spoken_s
    lines = ["| 发言人 | 方式 | 发言次数 | 发言时长 |", "| --- | --- | --- | --- |"]
    lines += [
        f"| {_e(p.speaker)} | {CHANNELS.get(p.channel, p.channel)} | {p.turns} | {duration(p.spoken_s)} |"
        for p in s.speakers
    ]
    lines += [
        "",
        f"- 发言共 {s.turns} 次，字幕 {s.captions} 条",
        f"- 线上发言人 {s.online_speakers} 人，发言 {duration(s.online_spoken_s)}"
        f"（{percent(s.online_spoken_s, total)}）；现场发言人 {s.room_speakers} 人，"
        f"发言 {duration(s.room_spoken_s)}（{percent(s.room_spoken_s, total)}）",
        "- 各议题用时："
        + "；".join(f"{_e(title)} {duration(seconds)}" for title, seconds in s.item_durations),
    ]
    if s.limit_hits:
        hits = "；".join(f"{_e(who)}（{_e(item)}，{turn}）" for who, item, turn in s.limit_hits)
        lines.append(f"- 发言时间用尽被截止：{len(s.limit_hits)} 次 —— {hits}")
    else:
        lines.append("- 发言时间用尽被截止：0 次")
    return "\n".join(lines)
