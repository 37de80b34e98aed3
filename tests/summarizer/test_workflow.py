"""The minutes workflow on the scripted meeting, through the real rules: draft from the log, the
recorder's edits and publication are events, the frozen hash verifies (and a changed log does not), and
objections flag a resolution at more than 20 % of the eligible residents, not at exactly 20 %."""

from __future__ import annotations

import pytest

from meeting_server.core.commands import DraftMinutes, EditMinutes, ObjectToResolution, PublishMinutes
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.minutes_values import minutes_hash
from meeting_server.store.records import make_record
from summarizer.build import build_minutes
from summarizer.document import load_document, to_markdown, verify_published
from summarizer.draft import sections

from .conftest import LI, REC, SYS, WANG, ZHANG, ZHAO
from .driver import LogDriver

pytestmark = pytest.mark.slow  # built on the scripted meeting's Whisper captions


def drafted(meeting: LogDriver) -> LogDriver:
    d = meeting.fork()
    d.advance(3)
    secs = sections(build_minutes(d.records))
    d.do(SYS, DraftMinutes(secs, basis_seq=d.records[-1].seq, basis_hash=d.records[-1].hash))
    return d


def test_draft_edit_publish_are_events_and_the_hash_verifies(meeting: LogDriver) -> None:
    d = drafted(meeting)
    assert d.records[-1].type == "MinutesDrafted"
    doc = load_document(d.records)
    assert doc.status == "draft" and [s.section_id for s in doc.sections][:3] == [
        "header",
        "attendance",
        "item-0",
    ]
    basis = d.records[-2]
    assert f"第 1–{basis.seq} 条" in to_markdown(doc) and basis.hash in to_markdown(doc)

    d.advance(60)
    d.do(REC, EditMinutes("item-0", "speech-1", "speaker", " 王秀英（王阿姨） "))
    assert d.records[-1].type == "MinutesEdited" and d.records[-1].actor == "rec"
    assert d.records[-1].payload["text"] == "王秀英（王阿姨）"
    doc = load_document(d.records)
    assert doc.status == "edited" and "1. **王秀英（王阿姨）**（线上，第 1 轮" in to_markdown(doc)
    assert not verify_published(d.records).ok

    d.do(REC, PublishMinutes())
    published = d.records[-1]
    assert published.type == "MinutesPublished"
    doc = load_document(d.records)
    assert doc.status == "published" and doc.published_hash == published.payload["minutes_hash"]
    assert doc.minutes_hash == doc.published_hash and doc.published_hash in to_markdown(doc)
    result = verify_published(d.records)
    assert result.ok, result.reason
    # Frozen: no more edits, no re-draft.
    with pytest.raises(DomainError) as info:
        d.do(REC, EditMinutes("item-0", "speech-1", "text", "改写"))
    assert info.value.code is ErrorCode.WRONG_STATE
    # The history keeps the draft's words and who changed them.
    drafts = [r for r in d.records if r.type == "MinutesDrafted"]
    original = next(s for s in drafts[0].payload["sections"] if s["section_id"] == "item-0")
    assert "王秀英" not in str(original) and "王阿姨" in str(original)


def test_a_changed_record_fails_verification(meeting: LogDriver) -> None:
    d = drafted(meeting)
    d.do(REC, PublishMinutes())
    records = list(d.records)
    i = next(i for i, r in enumerate(records) if r.type == "MinutesDrafted")
    r = records[i]
    payload = dict(r.payload)
    payload["sections"] = [dict(s) for s in payload["sections"]]
    payload["sections"][0]["entries"][0]["fields"][0]["value"] += "（私自添加）"
    # Even re-chaining the forged record (a new hash) cannot make the published hash match.
    records[i] = make_record(r.meeting_id, r.seq, r.ts, r.actor, r.role, r.type, payload, r.prev_hash)
    assert not verify_published(records).ok
    m = d.st.minutes
    assert m is not None
    assert minutes_hash(d.meeting_id, m.basis_seq, m.basis_hash, m.sections) == m.published_hash


def test_objections_at_exactly_twenty_percent_do_not_flag(meeting: LogDriver) -> None:
    d = drafted(meeting)
    d.do(REC, PublishMinutes())
    # 应到 10 residents: 2 objections are exactly 20 % — the resolution stands.
    d.advance(86_400)
    d.do(WANG, ObjectToResolution("r1", reason="收费太高"))
    d.do(REC, ObjectToResolution("r1", objector="room-1"))  # 刘大爷, in the hall without a phone
    assert d.st.minutes is not None and d.st.minutes.flagged == ()
    assert "异议 2 人 / 合资格居民 10 人" in to_markdown(load_document(d.records))
    # A third (30 %) flags it for re-deliberation, once.
    events = d.do(LI, ObjectToResolution("r1"))
    assert [type(e).__name__ for e in events] == ["ObjectionRaised", "ResolutionFlaggedForRedeliberation"]
    assert d.do(ZHAO, ObjectToResolution("r1"))[-1].name == "ObjectionRaised"
    assert "已提请重新协商" in to_markdown(load_document(d.records))
    # After the publicity period (7 days) no objection is taken.
    d.advance(6 * 86_400 + 1)
    with pytest.raises(DomainError) as info:
        d.do(ZHANG, ObjectToResolution("r1"))
    assert info.value.code is ErrorCode.WRONG_STATE
