"""The KPIs as files: CSV (one row per KPI) and XLSX (KPIs, communities, months), from ``StatsService``'s
dict, so the command line, the dashboards and the downloads show the same numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook

TABLES = ("communities", "by_month")  # lists of rows, exported as their own sheets
HEADER = ("section", "key", "value")


def kpi_rows(stats: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(section, key, value) of every scalar KPI, in the dict's order."""
    for section, body in stats.items():
        if section in TABLES or not isinstance(body, dict):
            continue
        for key, value in body.items():
            yield section, key, value


def _cell(value: Any) -> Any:
    return "" if value is None else value


def to_csv(stats: dict[str, Any]) -> str:
    """The KPIs as CSV, one KPI a line (an empty value is a KPI not recorded; its reason is a row too)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    for row in kpi_rows(stats):
        w.writerow([_cell(v) for v in row])
    return out.getvalue()


def to_xlsx(stats: dict[str, Any]) -> bytes:
    """The KPIs, the per-community rows (street scope) and the monthly series as an .xlsx workbook."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "指标"
    ws.append(list(HEADER))
    for row in kpi_rows(stats):
        ws.append([_cell(v) for v in row])
    for table in TABLES:
        rows = stats.get(table) or []
        if not rows:
            continue
        sheet = wb.create_sheet("各社区" if table == "communities" else "按月")
        sheet.append(list(rows[0]))
        for r in rows:
            sheet.append([_cell(v) for v in r.values()])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
