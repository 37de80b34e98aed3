"""How a topic's 会前调研 reads on the pages (the topics list, the timeline, agenda items)."""

from __future__ import annotations

from typing import Any

from meeting_server.community.topics_research_commands import ResearchReport
from meeting_server.community.topics_research_rules import RESEARCH_LABELS, ResearchState, ResearchStatus


def report_view(report: ResearchReport | None) -> dict[str, Any] | None:
    """A report as the pages show it (attachments by id: ``…/research/files/<id>?t=``)."""
    if report is None:
        return None
    return {
        "situation": report.situation,
        "demands": report.demands,
        "proposal": report.proposal,
        "households": report.households,
        "questionnaires": report.questionnaires,
        "files": [{"file_id": f.file_id, "kind": f.kind, "name": f.name} for f in report.files],
    }


def public_research(research: ResearchState, topic_id: str) -> dict[str, Any] | None:
    """What every participant sees of a topic's research: its status, who researched it and — once
    confirmed — the report."""
    task = research.tasks.get(topic_id)
    if task is None:
        return None
    done = task.status is ResearchStatus.COMPLETE
    return {
        "status": task.status.value,
        "status_label": RESEARCH_LABELS[task.status],
        "members": [m.name for m in task.members],
        "report": report_view(task.report) if done else None,
        "completed_at": task.completed_at,
    }
