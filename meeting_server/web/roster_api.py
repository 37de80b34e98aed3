"""A community's roster over HTTP: list, add, change, remove, import (CSV/XLSX) and export.

Every endpoint under ``/api/communities/{community_id}/`` starts with ``community_scope``: a signed-in
account that serves this community (the street admin serves all), else 401/403 — a 社工 of another
community gets 403 whether or not the community exists, so ids cannot be probed.
"""

from __future__ import annotations

import asyncio
import csv
import io
import secrets
from typing import Any
from urllib.parse import quote

from aiohttp import web

from meeting_server.community.commands import (
    AddPerson,
    ImportPersons,
    RemovePerson,
    RosterEntry,
    UpdatePerson,
)
from meeting_server.community.roles import StaffActor
from meeting_server.community.roster_import import check_table
from meeting_server.community.state import Community, RosterState
from meeting_server.community.values import KNOWN_GROUPS, LABELS, PersonFields, household_label, read_person
from meeting_server.core.errors import DomainError
from meeting_server.core.registry import Command
from meeting_server.hub.http_edge import Refused, refused

from . import keys
from .auth import check_fields, read_json, signed_in
from .electorate_sync import sync_community
from .roster_files import MAX_FILE_BYTES, read_table

IMPORT_MODES = ("check", "all", "valid")
FIELDS = tuple(LABELS)  # the person fields, in the order pages and exports show them


async def community_scope(request: web.Request) -> tuple[StaffActor, Community]:
    """The signed-in actor and the community in the path, if the actor serves it (401/403/404)."""
    actor, _, street = await signed_in(request)
    community_id = request.match_info["community_id"]
    if not actor.serves(community_id):
        raise Refused(403, "forbidden", "您只能管理本社区的名册")
    community = street.communities.get(community_id)
    if community is None:
        raise Refused(404, "not_found", "没有这个社区")
    return actor, community


def person_view(person_id: str, p: PersonFields, roster: RosterState) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "name": p.name,
        "building": p.building,
        "unit": p.unit,
        "room": p.room,
        "household": household_label(p.household),
        "phone_tail": p.phone_tail,
        "birth_year": p.birth_year,
        "age_band": p.age_band,
        "area_m2": roster.household_area(p.household),
        "groups": list(p.groups),
        "voting": p.voting,
    }


def _new_person_id() -> str:
    return secrets.token_hex(6)


async def _execute(
    request: web.Request, actor: StaffActor, community_id: str, command: Command
) -> RosterState:
    communities = request.app[keys.COMMUNITIES]
    try:
        await communities.execute_roster(community_id, actor, command)
    except DomainError as e:
        raise refused(e) from None
    await sync_community(request.app, community_id)  # its open meetings' roster snapshots
    return await communities.roster(community_id)


def _person_from(body: dict[str, Any], now: float) -> PersonFields:
    check_fields(body, FIELDS)
    person, problems = read_person(body, now)
    if person is None:
        raise Refused(400, "invalid", "；".join(p.message for p in problems))
    return person


async def roster(request: web.Request) -> web.Response:
    """GET /api/communities/{id} — the community and its roster."""
    _, community = await community_scope(request)
    state = await request.app[keys.COMMUNITIES].roster(community.community_id)
    persons = [person_view(pid, p, state) for pid, p in state.persons.items()]
    return web.json_response(
        {
            "ok": True,
            "community": {"community_id": community.community_id, "title": community.title},
            "persons": persons,
            "known_groups": list(KNOWN_GROUPS),
        }
    )


async def add_person(request: web.Request) -> web.Response:
    """POST /api/communities/{id}/persons {name, building, unit, room, …} — 201 with the new person."""
    actor, community = await community_scope(request)
    person = _person_from(await read_json(request), request.app[keys.COMMUNITIES].clock())
    pid = _new_person_id()
    state = await _execute(request, actor, community.community_id, AddPerson(RosterEntry(pid, person)))
    return web.json_response({"ok": True, "person": person_view(pid, state.persons[pid], state)}, status=201)


async def change_person(request: web.Request) -> web.Response:
    """PUT /api/communities/{id}/persons/{person_id} — all fields; the household's area follows."""
    actor, community = await community_scope(request)
    pid = request.match_info["person_id"]
    person = _person_from(await read_json(request), request.app[keys.COMMUNITIES].clock())
    state = await _execute(request, actor, community.community_id, UpdatePerson(RosterEntry(pid, person)))
    return web.json_response({"ok": True, "person": person_view(pid, state.persons[pid], state)})


async def remove_person(request: web.Request) -> web.Response:
    """DELETE /api/communities/{id}/persons/{person_id}."""
    actor, community = await community_scope(request)
    await _execute(request, actor, community.community_id, RemovePerson(request.match_info["person_id"]))
    return web.json_response({"ok": True})


async def _body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_FILE_BYTES:
        raise Refused(413, "too_large", f"文件太大（最多 {MAX_FILE_BYTES // (1024 * 1024)} MB），请分批导入")
    data = await request.content.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise Refused(413, "too_large", f"文件太大（最多 {MAX_FILE_BYTES // (1024 * 1024)} MB），请分批导入")
    return data


async def import_file(request: web.Request) -> web.Response:
    """POST /api/communities/{id}/import?mode=check|all|valid&filename=… — the file is the raw body.

    ``check`` only reports; ``all`` imports only if every row is good (else 422 and nothing is added);
    ``valid`` imports the good rows and reports the others. The report lists every problem by row.
    """
    actor, community = await community_scope(request)
    mode = request.query.get("mode", "check")
    if mode not in IMPORT_MODES:
        raise Refused(400, "invalid", f"mode 应为 {' / '.join(IMPORT_MODES)}")
    source = request.query.get("filename", "")[:120]
    table = await asyncio.to_thread(read_table, await _body(request))
    communities = request.app[keys.COMMUNITIES]
    state = await communities.roster(community.community_id)
    check = check_table(table, state, communities.clock())
    report: dict[str, Any] = {
        "mode": mode,
        "rows": check.rows,
        "valid": len(check.valid),
        "errors": [
            {"row": e.row, "field": e.field, "label": LABELS.get(e.field, ""), "message": e.message}
            for e in check.errors
        ],
        "ignored_columns": list(check.ignored_columns),
        "imported": 0,
    }
    if mode == "check" or not check.valid or (mode == "all" and check.errors):
        if mode == "check":
            return web.json_response({"ok": True, "report": report})
        message = f"有 {len(check.errors)} 处问题，未导入任何人" if check.errors else "没有可导入的行"
        body = {"ok": False, "error": {"code": "import_errors", "message": message}, "report": report}
        return web.json_response(body, status=422)
    entries = tuple(RosterEntry(_new_person_id(), p) for _, p in check.valid)
    await _execute(request, actor, community.community_id, ImportPersons(entries, source))
    report["imported"] = len(entries)
    return web.json_response({"ok": True, "report": report}, status=201)


async def export_csv(request: web.Request) -> web.Response:
    """GET /api/communities/{id}/roster.csv — the roster with the import's Chinese header (re-importable)."""
    _, community = await community_scope(request)
    state = await request.app[keys.COMMUNITIES].roster(community.community_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([LABELS[f] for f in FIELDS])
    for pid, p in state.persons.items():
        view = person_view(pid, p, state)
        writer.writerow([_cell(f, view[f]) for f in FIELDS])
    name = quote(f"{community.title}-名册.csv")
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode("utf-8"),  # the BOM tells Excel it is UTF-8
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}", "Cache-Control": "no-store"},
    )


def _cell(field: str, value: Any) -> str:
    """A field as the import reads it back."""
    if field == "groups":
        return "、".join(value)
    if field == "voting":
        return "是" if value else "否"
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    # A cell starting with = + - @ would be a formula in Excel (CSV injection): quote it as text.
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def add_routes(app: web.Application) -> None:
    base = r"/api/communities/{community_id:[a-z0-9]{1,32}}"
    r = app.router
    r.add_get(base, roster)
    r.add_post(base + "/persons", add_person)
    r.add_put(base + r"/persons/{person_id:[a-z0-9]{1,32}}", change_person)
    r.add_delete(base + r"/persons/{person_id:[a-z0-9]{1,32}}", remove_person)
    r.add_post(base + "/import", import_file)
    r.add_get(base + "/roster.csv", export_csv)
