"""The one verifier of a hash-chained log: the server's stored rows and an observer's downloaded lines.

A record's hash is SHA-256 over the UTF-8 of a canonical JSON *body* (``canonical``: keys sorted, no
blanks, non-ASCII kept as is). Two body formats exist:

- v1 (every type, and every record written before v2): ``{meeting_id, seq, ts, actor, role, type,
  payload, prev}`` where ``ts`` is Python's ``repr`` of the float time and ``payload`` is the canonical
  JSON *text* of the event's payload (a string, so no verifier ever re-serialises a number);
- v2 (``COMMITTED_TYPES``, payloads that must not be public: the roster a meeting carries, a community
  stream's personal data): the same with
  ``payload`` replaced by ``payload_digest`` = SHA-256 hex of that text, and ``"v": 2``. The public log
  serves the digest — a commitment — instead of the payload, and the line still verifies.

A served line (``log.jsonl``) is exactly the body plus ``hash``: a verifier drops ``hash``, re-serialises
canonically, hashes, and checks the links. ``web_client/static/verify_log.js`` does the same in a browser;
docs/protocol.md documents the form. Pure: hashlib and json only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any, Final

GENESIS_HASH: Final = "0" * 64
# Event types whose payload the public log replaces by its digest (written as v2 from this version on):
# the roster a meeting carries, and the community streams' events with personal data (accounts and their
# password hashes, roster entries, topic authors and supporters, research members and reports, execution
# members, reports and the names of who acted).
COMMITTED_TYPES: Final = frozenset(
    {
        "ElectorateSet",
        "AccountCreated",
        "PasswordSet",
        "PersonsAdded",
        "PersonChanged",
        "TopicSubmitted",
        "TopicSupported",
        "TopicMerged",
        "ResearchAssigned",
        "ResearchDraftSaved",
        "ResearchSubmitted",
        "ExecutionCreated",
        "ProgressReported",
        "ExecutionStopped",
        "ExecutionRestarted",
        "MilestoneCompleted",
        "ExecutionCompleted",
    }
)
_V1_KEYS: Final = frozenset({"meeting_id", "seq", "ts", "actor", "role", "type", "payload", "prev"})
_V2_KEYS: Final = (_V1_KEYS - {"payload"}) | {"payload_digest", "v"}

# A stored row: (seq, ts, actor, role, type, payload_json, prev_hash, hash).
Row = tuple[int, float, str, str, str, str, str, str]


def canonical(obj: Any) -> str:
    """The canonical JSON of ``obj``: sorted keys, no blanks, non-ASCII characters as themselves."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def payload_digest(payload_text: str) -> str:
    """The commitment a v2 record's hash covers instead of its payload text."""
    return sha256_hex(payload_text)


def body_v1(
    meeting_id: str, seq: int, ts: float, actor: str, role: str, type_: str, payload_text: str, prev: str
) -> dict[str, Any]:
    return {
        "meeting_id": meeting_id,
        "seq": seq,
        "ts": repr(float(ts)),
        "actor": actor,
        "role": role,
        "type": type_,
        "payload": payload_text,
        "prev": prev,
    }


def body_v2(
    meeting_id: str, seq: int, ts: float, actor: str, role: str, type_: str, payload_text: str, prev: str
) -> dict[str, Any]:
    body = body_v1(meeting_id, seq, ts, actor, role, type_, payload_text, prev)
    body["payload_digest"] = payload_digest(body.pop("payload"))
    body["v"] = 2
    return body


def body_hash(body: dict[str, Any]) -> str:
    return sha256_hex(canonical(body))


def new_body(
    meeting_id: str, seq: int, ts: float, actor: str, role: str, type_: str, payload_text: str, prev: str
) -> dict[str, Any]:
    """The body a record written now is hashed over (v2 for ``COMMITTED_TYPES``, else v1)."""
    make = body_v2 if type_ in COMMITTED_TYPES else body_v1
    return make(meeting_id, seq, ts, actor, role, type_, payload_text, prev)


def stored_body(meeting_id: str, row: Row) -> dict[str, Any] | None:
    """The body a stored row was hashed over: v2 or v1 (logs written before v2), None if neither matches."""
    seq, ts, actor, role, type_, payload, prev, h = row
    makes = (body_v2, body_v1) if type_ in COMMITTED_TYPES else (body_v1,)
    for make in makes:
        body = make(meeting_id, seq, ts, actor, role, type_, payload, prev)
        if body_hash(body) == h:
            return body
    return None


@dataclasses.dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    head_hash: str
    broken_at: int | None = None
    reason: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class _Link:
    seq: int
    prev: str
    hash: str
    content_ok: bool
    stream: str | None = None


def _walk(links: Iterable[_Link], expect_head: str | None, first_seq: int = 1) -> ChainReport:
    prev = GENESIS_HASH
    expected = first_seq
    count = 0
    stream: str | None = None
    for link in links:
        if link.seq != expected:
            return ChainReport(
                False, count, prev, link.seq, f"sequence gap: expected {expected}, found {link.seq}"
            )
        if stream is not None and link.stream != stream:
            return ChainReport(False, count, prev, link.seq, "the record belongs to another meeting")
        stream = link.stream
        if link.prev != prev:
            return ChainReport(False, count, prev, link.seq, "previous-hash link does not match")
        if not link.content_ok:
            return ChainReport(False, count, prev, link.seq, "record content does not match its hash")
        prev = link.hash
        expected += 1
        count += 1
    return expect(ChainReport(True, count, prev), expect_head)


def expect(report: ChainReport, expect_head: str | None) -> ChainReport:
    """``report``, refused when its chain verifies but ends at another head than ``expect_head``."""
    if expect_head is None or not report.ok or report.head_hash == expect_head.strip().lower():
        return report
    return dataclasses.replace(
        report, ok=False, reason=f"head {report.head_hash} differs from the expected {expect_head.strip()}"
    )


def verify_rows(meeting_id: str, rows: Iterable[Row], expect_head: str | None = None) -> ChainReport:
    """Check a stream's chain from its stored rows (the server's database)."""

    def links() -> Iterator[_Link]:
        for row in rows:
            seq, _, _, _, _, _, prev, h = row
            yield _Link(seq, prev, h, stored_body(meeting_id, row) is not None, meeting_id)

    return _walk(links(), expect_head)


class LineError(ValueError):
    """A served line that is not a record body plus its hash; names the line."""


def parse_line(text: str, number: int) -> dict[str, Any]:
    """One line of a ``log.jsonl`` as an object with the shape of a v1 or v2 body plus ``hash``."""
    try:
        line = json.loads(text)
    except json.JSONDecodeError as e:
        raise LineError(f"line {number} is not JSON ({e.msg})") from None
    if not isinstance(line, dict):
        raise LineError(f"line {number} is not a JSON object")
    keys = set(line) - {"hash"}
    if keys not in (_V1_KEYS, _V2_KEYS) or not isinstance(line.get("hash"), str):
        raise LineError(f"line {number} does not have the fields of a record")
    if not isinstance(line["seq"], int) or isinstance(line["seq"], bool):
        raise LineError(f"line {number}: seq is not an integer")
    text_fields = ("meeting_id", "ts", "actor", "role", "type", "prev")
    if not all(isinstance(line[k], str) for k in text_fields):
        raise LineError(f"line {number}: a field that must be text is not")
    if "v" in line and (line["v"] != 2 or not isinstance(line["payload_digest"], str)):
        raise LineError(f"line {number}: unknown record format")
    if "payload" in line and not isinstance(line["payload"], str):
        raise LineError(f"line {number}: payload is not the payload's JSON text")
    return line


def line_hash_ok(line: dict[str, Any]) -> bool:
    body = {k: v for k, v in line.items() if k != "hash"}
    return body_hash(body) == str(line["hash"])


def verify_lines(lines: Iterable[dict[str, Any]], expect_head: str | None = None) -> ChainReport:
    """Check a downloaded log (parsed lines, from seq 1 on): every hash, every link, and the head."""

    def links() -> Iterator[_Link]:
        for line in lines:
            yield _Link(line["seq"], line["prev"], line["hash"], line_hash_ok(line), line["meeting_id"])

    return _walk(links(), expect_head)


def verify_text(text: str, expect_head: str | None = None) -> ChainReport:
    """``verify_lines`` of a ``log.jsonl`` file's text; a malformed line is the broken one."""
    parsed: list[dict[str, Any]] = []
    # Lines end at "\n" only: str.splitlines would also split at U+2028 or U+0085, which canonical JSON
    # leaves unescaped inside strings.
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            parsed.append(parse_line(raw, number))
        except LineError as e:
            report = verify_lines(parsed)
            seq = report.count + 1 if report.ok else report.broken_at
            return ChainReport(False, report.count, report.head_hash, seq, str(e))
    return verify_lines(parsed, expect_head)


def served_line(meeting_id: str, row: Row) -> dict[str, Any] | None:
    """A stored row as the public log serves it (its body plus hash), or None when it cannot be served
    without its private payload (a committed type hashed as v1, before v2 existed)."""
    seq, ts, actor, role, type_, payload, prev, h = row
    body = stored_body(meeting_id, row)
    if body is None:  # changed since it was hashed: served as its format says, the verifier names it
        body = new_body(meeting_id, seq, ts, actor, role, type_, payload, prev)
    elif type_ in COMMITTED_TYPES and "payload" in body:
        return None
    body["hash"] = h
    return body
