"""The pure verifier on its own: both hash formats, old logs, and malformed downloads."""

from __future__ import annotations

from meeting_server.ledger.verify import (
    GENESIS_HASH,
    Row,
    canonical,
    served_line,
    verify_rows,
    verify_text,
)
from meeting_server.store.records import EventRecord, make_record, record_hash

ROSTER = {"community_id": "c1", "electors": [{"person_id": "r1", "name": "王阿姨"}], "at": 1.0}


def _chain(types: list[str]) -> list[EventRecord]:
    out: list[EventRecord] = []
    prev = GENESIS_HASH
    for seq, type_ in enumerate(types, start=1):
        payload = ROSTER if type_ == "ElectorateSet" else {"n": seq, "at": 1764.0 + seq / 8}
        rec = make_record("m1", seq, 1764000000.0 + seq / 3, "p1", "moderator", type_, payload, prev)
        out.append(rec)
        prev = rec.hash
    return out


def _v1(records: list[EventRecord], seq: int) -> list[Row]:
    """``records`` with the record ``seq`` (and every hash after it) rewritten in the old v1 format, as a
    log written before commitments existed has them."""
    rows: list[Row] = []
    prev = GENESIS_HASH
    for r in records:
        s, ts, actor, role, type_, payload, _, h = r.row()
        if s >= seq:
            h = record_hash("m1", s, ts, actor, role, type_, payload, prev)
        rows.append((s, ts, actor, role, type_, payload, prev, h))
        prev = h
    return rows


def _jsonl(rows: list[Row]) -> str:
    lines = [served_line("m1", r) for r in rows]
    return "".join(canonical(line) + "\n" for line in lines if line is not None)


def test_new_roster_copies_are_committed_and_served_as_a_digest() -> None:
    records = _chain(["MeetingCreated", "ElectorateSet", "MeetingOpened"])
    rows = [r.row() for r in records]
    assert verify_rows("m1", rows).ok
    text = _jsonl(rows)
    assert "王阿姨" not in text and '"payload_digest"' in text
    report = verify_text(text, records[-1].hash)
    assert report.ok and report.count == 3 and report.head_hash == records[-1].hash


def test_old_logs_still_verify_and_their_roster_is_never_served() -> None:
    rows = _v1(_chain(["MeetingCreated", "ElectorateSet", "MeetingOpened"]), 1)
    assert verify_rows("m1", rows).ok
    assert served_line("m1", rows[1]) is None  # its hash covers the names: it cannot go out
    assert served_line("m1", rows[0]) is not None


def test_a_v1_hash_is_not_accepted_for_a_changed_payload() -> None:
    rows = _v1(_chain(["MeetingCreated", "ElectorateSet"]), 1)
    seq, ts, actor, role, type_, payload, prev, h = rows[1]
    rows[1] = (seq, ts, actor, role, type_, payload.replace("王", "汪"), prev, h)
    report = verify_rows("m1", rows)
    assert not report.ok and report.broken_at == 2


def test_a_malformed_line_is_named_by_the_seq_it_would_have() -> None:
    text = _jsonl([r.row() for r in _chain(["A", "B", "C"])]).splitlines()
    text[1] = text[1][:-1]  # cut: not JSON any more
    report = verify_text("\n".join(text))
    assert not report.ok and report.broken_at == 2 and "line 2 is not JSON" in report.reason
    extra = _jsonl([r.row() for r in _chain(["A", "B"])]).replace('"actor"', '"extra":1,"actor"', 1)
    report = verify_text(extra)
    assert not report.ok and report.broken_at == 1 and "fields of a record" in report.reason


def test_a_log_of_another_meeting_spliced_in_is_refused() -> None:
    first = _jsonl([r.row() for r in _chain(["A", "B"])]).splitlines()
    spliced = first[1].replace('"meeting_id":"m1"', '"meeting_id":"m2"')
    report = verify_text(first[0] + "\n" + spliced)
    assert not report.ok and report.broken_at == 2
