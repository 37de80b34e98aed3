"""The record as anyone with a link may check it: ``GET /api/meetings/<id>/log.jsonl?t=<link token>``.

Every record of the meeting, one JSON line each, exactly as hashed (``ledger.verify.served_line``): a
private payload (the roster) as its digest, sealed secret ballots as stored. What cannot be served yet is
cut off, never altered, so every served line still verifies and links: the log ends before the first
record a client may not have now, and the headers say from where and why —

- ``open-vote``: a named ballot while its vote is open and running counts are hidden (until the vote ends);
- ``legacy-secret-ballot``: a secret ballot of a log written before sealing (its hash covers the choice);
- ``legacy-private-payload``: a roster copy hashed before commitments existed (its hash covers the names).

``GET /api/communities/<id>/log.jsonl`` (``web.community_log``) serves a community's own stream (roster,
topics, research, execution records) the same way.

Paged with ``?after=<seq>&limit=<n>``; ``X-Gongzhi-Next-After`` names the next page's ``after``.

``GET /api/ledger/<community id>.jsonl`` (``-`` for meetings without a community) serves a community's signed
ledger the same way, to anyone: it holds hashes and signatures only (``@street.jsonl``: the street ledger,
which anchors each community ledger's new head). ``gongzhi verify --ledger-file FILE
--public-key HEX`` checks it offline (``ledger.ledger_file``).
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from meeting_server.ledger.anchors import ledger_stream
from meeting_server.ledger.verify import canonical, served_line
from meeting_server.store.records import EventRecord

from . import keys as app_mod
from .http_edge import Refused, open_meeting_link

DEFAULT_LIMIT = 1000
MAX_LIMIT = 5000


def int_query(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Refused(400, "invalid", f"参数 {name} 必须是整数") from None
    if not low <= value <= high:
        raise Refused(400, "invalid", f"参数 {name} 须在 {low} 到 {high} 之间")
    return value


async def log_jsonl(request: web.Request) -> web.Response:
    """GET /api/meetings/{id}/log.jsonl?t=TOKEN[&after=SEQ&limit=N] — any link token of the meeting."""
    registry = request.app[app_mod.REGISTRY]
    claims, rt = await open_meeting_link(request, request.app[app_mod.SIGNER], registry)
    after = int_query(request, "after", 0, 0, 2**53)
    limit = int_query(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    records = await registry.read_log(claims.meeting_id, after, limit + 1)
    # Decided on the state after the read: it has folded every record read (or more; a vote that closed
    # since frees its ballots), and records another process appended but this one has not folded wait.
    head_seq = rt.seq
    withheld = rt.withheld
    stop, reason = withheld if withheld is not None else (head_seq + 1, "")
    stop = min(stop, head_seq + 1)
    return serve_log(records, head_seq, stop, reason, limit)


def serve_log(
    records: Sequence[EventRecord], head_seq: int, stop: int, reason: str, limit: int
) -> web.Response:
    """``records`` (read with ``limit + 1``) as served lines, up to ``stop`` (withheld from there for
    ``reason``) or the first legacy private payload; the headers say where the log ends and why."""
    lines: list[str] = []
    next_after: int | None = None
    for record in records:
        if record.seq >= stop:
            break
        if len(lines) == limit:
            next_after = record.seq - 1
            break
        line = served_line(record.meeting_id, record.row())
        if line is None:
            stop, reason = record.seq, "legacy-private-payload"
            break
        lines.append(canonical(line) + "\n")
    headers = {"X-Gongzhi-Head-Seq": str(head_seq), "Cache-Control": "no-store"}
    if reason:
        headers["X-Gongzhi-Withheld-From"] = str(stop)
        headers["X-Gongzhi-Withheld-Reason"] = reason
    if next_after is not None:
        headers["X-Gongzhi-Next-After"] = str(next_after)
    return web.Response(
        text="".join(lines), content_type="application/jsonl", charset="utf-8", headers=headers
    )


async def ledger_jsonl(request: web.Request) -> web.Response:
    """GET /api/ledger/{community}.jsonl[?after=SEQ&limit=N] — public: hashes and signatures only."""
    community = request.match_info["community"]
    stream = ledger_stream(None if community == "-" else community)  # "@street": the street's
    after = int_query(request, "after", 0, 0, 2**53)
    limit = int_query(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    records = await request.app[app_mod.REGISTRY].read_log(stream, after, limit + 1)
    if not records and after == 0:
        raise Refused(404, "not_found", "该社区还没有存证台账")
    headers = {"Cache-Control": "no-store"}
    if len(records) > limit:
        records = records[:limit]
        headers["X-Gongzhi-Next-After"] = str(records[-1].seq)
    lines = []
    for record in records:
        line = served_line(stream, record.row())
        assert line is not None  # ledger entries have no private payload
        lines.append(canonical(line) + "\n")
    return web.Response(
        text="".join(lines), content_type="application/jsonl", charset="utf-8", headers=headers
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(r"/api/meetings/{meeting_id}/log.jsonl", log_jsonl)
    app.router.add_get(r"/api/ledger/{community:(-|[a-z0-9]{1,32}|@street)}.jsonl", ledger_jsonl)
