"""The minutes as a document: the (edited or published) sections from the log, plus what is never edited —
the record check (hashes of the log) and the full transcript — ready for every output format.

``load_document`` reads the minutes the log holds (``MinutesDrafted`` + ``MinutesEdited`` …); a meeting with
no draft yet gets a fresh one built from its records (a preview). ``verify_published`` recomputes the
published hash from the log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from meeting_server.core import publicity
from meeting_server.core.events import MeetingClosed
from meeting_server.core.evolve import fold
from meeting_server.core.minutes_events import MinutesPublished
from meeting_server.core.minutes_values import MinutesSection, minutes_hash
from meeting_server.core.registry import load_event
from meeting_server.core.state import MeetingState
from meeting_server.store.records import EventRecord
from meeting_server.transcript import transcript

from .build import TurnSummarizer, build_minutes, meeting_date
from .draft import sections as draft_sections
from .fmt import clock, cn_date, md_escape
from .model import CaptionLine
from .render_md import section_markdown

CHINA = dt.timezone(dt.timedelta(hours=8))
STATUS_LABELS = {
    "preview": "预览（尚未生成草稿）",
    "draft": "草稿（闭会后自动生成，待记录员审核）",
    "edited": "草稿（记录员已修改，待发布）",
    "published": "已发布",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Document:
    meeting_id: str
    title: str
    date: dt.date
    status: str  # preview / draft / edited / published
    version: int
    sections: tuple[MinutesSection, ...]
    record: tuple[str, ...]  # markdown list items: the log positions and hashes the minutes rest on
    transcript: tuple[CaptionLine, ...]
    minutes_hash: str  # of the current sections; equals the published hash once published
    published_hash: str | None

    @property
    def heading(self) -> str:
        return f"{self.title} 会议纪要"

    def bodies(self) -> list[tuple[MinutesSection, str]]:
        """Each section with its markdown, for every renderer; a section with nothing left in it (the
        recorder cleared it) is left out rather than shown as a lonely heading."""
        out = [(s, section_markdown(s)) for s in self.sections]
        return [(s, body) for s, body in out if body]


def _captions(records: Sequence[EventRecord]) -> tuple[CaptionLine, ...]:
    return tuple(
        CaptionLine(c["seq"], c["turn_id"], c["speaker"], c["start"], c["end"], c["text"], 0)
        for c in transcript(records)
    )


def load_document(records: Sequence[EventRecord], summarizer: TurnSummarizer | None = None) -> Document:
    """The minutes of the meeting whose log is ``records``, as they stand in the log (or a fresh preview)."""
    if not records:
        raise ValueError("an empty log has no minutes")
    state = fold(load_event(r.type, r.payload) for r in records)
    assert state is not None
    minutes = state.minutes
    if minutes is None:
        built = build_minutes(records, summarizer)
        secs = draft_sections(built)
        basis_seq, basis_hash, version, published = records[-1].seq, records[-1].hash, 0, None
        status = "preview"
        lines = built.transcript
    else:
        secs = minutes.sections
        basis_seq, basis_hash, version = minutes.basis_seq, minutes.basis_hash, minutes.version
        published = minutes.published_hash
        status = "published" if published else ("edited" if minutes.edits else "draft")
        lines = _captions(records)
    digest = minutes_hash(state.meeting_id, basis_seq, basis_hash, secs)
    return Document(
        meeting_id=state.meeting_id,
        title=state.title,
        date=meeting_date(state),
        status=status,
        version=version,
        sections=secs,
        record=_record_lines(state, records, basis_seq, basis_hash, digest),
        transcript=lines,
        minutes_hash=digest,
        published_hash=published,
    )


def _record_lines(
    state: MeetingState, records: Sequence[EventRecord], basis_seq: int, basis_hash: str, digest: str
) -> tuple[str, ...]:
    closed = next((r for r in records if r.type == MeetingClosed.name), None)
    lines = [f"本纪要依据事件日志第 1–{basis_seq} 条生成；第 {basis_seq} 条的哈希：`{basis_hash}`"]
    if closed is not None:
        lines.append(f"闭会事件为第 {closed.seq} 条，其哈希：`{closed.hash}`")
    lines.append(f"纪要内容哈希（SHA-256）：`{digest}`")
    m = state.minutes
    if m is not None and m.published_at is not None and m.publicity_until is not None:
        until = dt.datetime.fromtimestamp(m.publicity_until, CHINA).date()
        published = dt.datetime.fromtimestamp(m.published_at, CHINA)
        lines.append(f"发布于 {published:%Y-%m-%d %H:%M}，公示至 {cn_date(until)}")
        for r in state.resolutions:
            count = len(m.objections.get(r.resolution_id, ()))
            eligible = publicity.base(state, r)
            flag = "，**已提请重新协商**" if r.resolution_id in m.flagged else ""
            outcome = m.decided.get(r.resolution_id)
            if outcome:
                flag += f"；公示结果：{publicity.OUTCOME_LABELS[publicity.Outcome(outcome)]}"
            lines.append(
                f"决议 {r.resolution_id}《{md_escape(r.title)}》：异议 {count} 人 / 合资格居民 {eligible} 人"
                f"（超过 {state.settings.objection_percent}% 即重新协商）{flag}"
            )
    lines.append(f"核验：`gongzhi verify {state.meeting_id}` 重新计算日志哈希链；记录号即日志序号")
    return tuple(lines)


@dataclasses.dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    reason: str
    published_hash: str | None = None


def verify_published(records: Sequence[EventRecord]) -> Verification:
    """Recompute the published minutes' hash from the log and compare with ``MinutesPublished``; also check
    that the log position the minutes rest on is the one recorded."""
    state: MeetingState | None = None
    from meeting_server.core.evolve import evolve

    for r in records:
        ev = load_event(r.type, r.payload)
        if isinstance(ev, MinutesPublished):
            assert state is not None and state.minutes is not None
            m = state.minutes
            digest = minutes_hash(state.meeting_id, m.basis_seq, m.basis_hash, m.sections)
            if digest != ev.minutes_hash:
                return Verification(
                    False, "the published hash does not match the minutes' text", ev.minutes_hash
                )
            basis = next((b for b in records if b.seq == m.basis_seq), None)
            if basis is None or basis.hash != m.basis_hash:
                return Verification(False, "the minutes' basis is not in this log", ev.minutes_hash)
            return Verification(True, "ok", ev.minutes_hash)
        state = evolve(state, ev)
    return Verification(False, "the minutes are not published")


def to_markdown(doc: Document) -> str:
    """The whole document as one markdown file."""
    out = [f"# {md_escape(doc.heading)}", "", f"> {STATUS_LABELS.get(doc.status, doc.status)}"]
    for s, body in doc.bodies():
        out += ["", f"## {md_escape(s.title)}", "", body]
    out += ["", "## 记录核验", ""]
    out += [f"- {line}" for line in doc.record]
    out += ["", "## 附录：会议记录全文", ""]
    for c in doc.transcript:
        out.append(
            f'- <a id="c-{c.seq}"></a>`{clock(c.start)}` **{md_escape(c.speaker)}**：{md_escape(c.text)}'
        )
    if not doc.transcript:
        out.append("（无字幕记录）")
    return "\n".join(out) + "\n"
