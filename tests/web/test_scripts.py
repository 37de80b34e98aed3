"""What the page scripts leave to one place: vote counts are written by GZ.countsText (common.js), the
socket protocol client is protocol.js, and the hall display's link comes from the server (hub/links.py)."""

from __future__ import annotations

import re
from pathlib import Path

import meeting_server
import web_client

STATIC = Path(web_client.__file__).parent / "static"
SCRIPTS = sorted(STATIC.glob("*.js"))
SERVER = Path(meeting_server.__file__).parent


def test_only_common_js_reads_vote_counts() -> None:
    counts = re.compile(r"\.(yes|no|abstain)\b")
    assert counts.search('"赞成 " + poll.room.yes') and not counts.search("Date.now()")
    assert "function countsText(" in (STATIC / "common.js").read_text("utf-8")
    readers = [p.name for p in SCRIPTS if p.name != "common.js" and counts.search(p.read_text("utf-8"))]
    assert not readers, f"format vote counts with GZ.countsText, not in {readers}"


def test_only_protocol_js_talks_to_the_socket() -> None:
    talkers = [p.name for p in SCRIPTS if re.search(r"\bio\(|\.emit\(", p.read_text("utf-8"))]
    assert talkers == ["protocol.js"]


def test_nobody_rewrites_a_role_link_into_a_device_link() -> None:
    files = [*SCRIPTS, *SERVER.rglob("*.py")]
    rewriters = [str(p) for p in files if "/observer?" in p.read_text("utf-8")]
    assert not rewriters, f"use links.hall.url or links.recorder.station_url (hub/links.py) in {rewriters}"


def test_meeting_pages_show_names_with_their_role_badge() -> None:
    """A name on a meeting page goes through GZ.nameWithBadge (an <option> cannot hold a badge; a toast
    or a search string is not a name shown)."""
    shown = re.compile(
        r"(textContent\s*=[^;]*|el\(\"(span|p|li|td|strong)\", \{[^}]*text:[^}]*)\b\w+\.(name|mover_name)\b"
    )
    assert shown.search('$("speaker").textContent = f ? f.name : "暂无";')
    assert shown.search('el("span", { className: "name", text: p.name })')
    assert not shown.search('el("option", { value: p.participant_id, text: p.name })')
    pages = ("moderator", "participant", "observer", "hall", "timer", "recorder", "station", "door", "common")
    offenders = [
        f"{page}.js: {m.group(0)[:60]}"
        for page in pages
        for m in shown.finditer((STATIC / f"{page}.js").read_text("utf-8"))
    ]
    assert not offenders, offenders
