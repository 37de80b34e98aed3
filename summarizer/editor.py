"""The minutes as the recorder's editor shows them: per section, the entries under their subheadings, each
with a caption drawn from the record (who spoke, on which channel, at what time) and labelled plain-text
fields. Nothing of the stored or rendered form (markdown, links, log numbers) is in it; what the recorder
types goes back as ``EditMinutes(section_id, entry_id, field_name, text)``.
"""

from __future__ import annotations

from typing import Any

from meeting_server.core.minutes_values import RECORD_KINDS, MinutesEntry, MinutesSection

from .blocks import parse
from .draft import GROUPS, STATISTICS_COLUMNS
from .fmt import clock

# The label of each field in the editor, by field name; "text" is named by the entry's kind.
FIELD_LABELS = {"speaker": "发言人", "title": "标题", "result": "结果", "owner": "负责人", "due": "期限"}
TEXT_LABELS = {
    "speech": "发言摘要",
    "motion": "动议文本",
    "vote": "表决情况",
    "resolution": "决议内容",
    "action": "事项",
    "question": "问题",
    "key_point": "要点",
}


def editor_sections(sections: tuple[MinutesSection, ...]) -> list[dict[str, Any]]:
    """The sections for the minutes page's editor (JSON-ready)."""
    return [_section(s) for s in sections]


def _section(s: MinutesSection) -> dict[str, Any]:
    out: dict[str, Any] = {"section_id": s.section_id, "title": s.title, "groups": []}
    if not s.entries:  # a log of before entries: shown as text, not editable here
        out["readonly"] = [b.text for b in parse(s.text)]
        return out
    groups: list[dict[str, Any]] = out["groups"]
    speeches = 0
    for e in s.entries:
        title = GROUPS.get(e.kind, "")
        if not groups or groups[-1]["title"] != title:
            groups.append({"title": title, "entries": [], "rows": []})
        if e.kind == "row":
            groups[-1]["rows"].append([e.value(name) for name, _ in STATISTICS_COLUMNS])
            continue
        speeches += e.kind == "speech"
        groups[-1]["entries"].append(_entry(e, speeches))
    for g in groups:
        if g["rows"]:
            g["columns"] = [label for _, label in STATISTICS_COLUMNS]
    return out


def _caption(e: MinutesEntry, n: int) -> str:
    when = clock(e.time) if e.time is not None else ""
    parts: list[str]
    if e.kind == "speech":
        parts = [f"第 {n} 位发言", e.note, when]
    elif e.kind == "action":
        parts = [f"来源：{e.note}", when]
    elif e.kind in ("question", "key_point"):
        parts = [e.note, when]
    elif e.kind in ("motion", "vote", "resolution"):
        parts = [e.label, e.note]
    else:
        parts = []
    return " · ".join(p for p in parts if p)


def _entry(e: MinutesEntry, n: int) -> dict[str, Any]:
    return {
        "entry_id": e.entry_id,
        "kind": e.kind,
        "depth": e.depth,
        "caption": _caption(e, n),
        "fields": [
            {
                "name": f.name,
                "label": _label(e, f.name),
                "value": f.value,
                "multiline": f.name == "text",  # names, titles, owners, dates fit on a line
                "readonly": e.kind in RECORD_KINDS,  # what was decided comes from the log
            }
            for f in e.fields
        ],
    }


def _label(e: MinutesEntry, name: str) -> str:
    if name != "text":
        return FIELD_LABELS.get(name, name)
    return TEXT_LABELS.get(e.kind, e.label or "内容")
