"""What the 执行监督 pages are shown: a record as JSON (status, 逾期 flags from the clock, milestones,
timeline with photos), and the passed resolutions of a community's meetings that a record can follow.

Members appear by name and capacity only (never their roster id), so the same view serves the public
progress page.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meeting_server.community.execution_commands import MEMBER_KIND_LABELS
from meeting_server.community.execution_state import STATUS_LABELS, ExecutionRecord, ExecutionState

from . import keys

ENTRY_LABELS = {
    "created": "建立执行记录",
    "report": "进度报告",
    "stopped": "叫停",
    "restarted": "重启",
    "milestone": "节点完成",
    "completed": "验收完成",
}


def photo_url(community_id: str, record_id: str, photo_id: str) -> str:
    """Where every page (the public one too) fetches a photo a record's report shows."""
    return f"/api/public/execution/{community_id}/{record_id}/photos/{photo_id}"


def record_view(record: ExecutionRecord, now: float, community_id: str) -> dict[str, Any]:
    """The record for a page (the 社工's, a member's, the public's)."""
    overdue_months = record.overdue_months(now)
    overdue_milestones = set(record.overdue_milestones(now))
    past_deadline = record.past_deadline(now)
    return {
        "record_id": record.record_id,
        "meeting_id": record.meeting_id,
        "resolution_id": record.resolution_id,
        "resolution_title": record.resolution_title,
        "resolution_text": record.resolution_text,
        "responsible": record.responsible,
        "deadline": record.deadline,
        "status": record.status.value,
        "status_label": STATUS_LABELS[record.status],
        "created_at": record.created_at,
        "members": [
            {
                "member_id": m.member_id,
                "name": m.name,
                "kind": m.kind.value,
                "kind_label": MEMBER_KIND_LABELS[m.kind],
            }
            for m in record.members
        ],
        "milestones": [
            {
                "milestone_id": m.milestone_id,
                "title": m.title,
                "due": m.due,
                "done": m.milestone_id in record.done_milestones,
                "done_at": record.done_milestones.get(m.milestone_id),
                "overdue": m.milestone_id in overdue_milestones,
            }
            for m in record.milestones
        ],
        "overdue": {
            "any": bool(overdue_months or overdue_milestones or past_deadline),
            "report_months": list(overdue_months),
            "milestones": len(overdue_milestones),
            "deadline": past_deadline,
        },
        "timeline": [
            {
                "kind": e.kind,
                "label": ENTRY_LABELS[e.kind] + ("（受阻）" if e.blocked else ""),
                "at": e.at,
                "by": e.by_name,
                "text": e.text,
                "month": e.month,
                "blocked": e.blocked,
                "photos": [photo_url(community_id, record.record_id, p) for p in e.photos],
            }
            for e in record.timeline
        ],
    }


def record_photos(record: ExecutionRecord) -> set[str]:
    """Every photo the record's reports show (the only ones its pages serve)."""
    return {p for e in record.timeline for p in e.photos}


async def passed_resolutions(
    request: web.Request, community_id: str, state: ExecutionState
) -> list[dict[str, Any]]:
    """The community's meetings' resolutions (passed motions), newest meeting first, each with its
    record's id when it has one."""
    registry = request.app[keys.REGISTRY]
    out: list[dict[str, Any]] = []
    for meeting_id in await request.app[keys.EVENT_LOG].meeting_ids():
        rt = await registry.get(meeting_id)
        meeting = rt.state if rt is not None else None
        if meeting is None or meeting.community_id != community_id:
            continue
        for r in meeting.resolutions:
            record = state.for_resolution(meeting_id, r.resolution_id)
            out.append(
                {
                    "meeting_id": meeting_id,
                    "meeting_title": meeting.title,
                    "resolution_id": r.resolution_id,
                    "title": r.title,
                    "text": r.text,
                    "at": r.at,
                    "record_id": record.record_id if record is not None else None,
                }
            )
    out.reverse()
    return out


async def find_resolution(
    request: web.Request, community_id: str, meeting_id: str, resolution_id: str
) -> tuple[str, str] | None:
    """(title, text) of a resolution of one of this community's meetings, or None."""
    registry = request.app[keys.REGISTRY]
    rt = await registry.get(meeting_id)
    if rt is None or rt.state is None:
        return None
    if registry.shared:
        await registry.catch_up(rt)
    meeting = rt.state
    if meeting is None or meeting.community_id != community_id:
        return None
    for r in meeting.resolutions:
        if r.resolution_id == resolution_id:
            return r.title, r.text
    return None
