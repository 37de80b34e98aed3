"""``gongzhi stats`` on a real SQLite store holding the hand-made logs: JSON, CSV, XLSX, one community, and
an unknown community refused."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl

from .store import seed

ROOT = Path(__file__).resolve().parents[2]


def _gongzhi(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "meeting_server", "stats", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_json_names_every_kpi_with_units(tmp_path: Path) -> None:
    seed(tmp_path)
    out = _gongzhi(tmp_path, "--format", "json")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 1  # one JSON object, one line
    s = json.loads(lines[0])
    for key in ("participation", "youth_share", "resolution_rate", "objections", "execution", "topics"):
        assert key in s
    assert s["participation"]["attendances_count"] == 8
    assert s["participation"]["distinct_residents_count"] == 7
    assert s["youth_share"]["share_pct"] == 50.0
    assert s["topics"]["adoption_rate_pct"] == 25.0
    assert s["objections"]["redeliberations_count"] == 1
    assert s["resolution_rate"]["value_pct"] == 50.0 and "解决率" in s["resolution_rate"]["definition"]
    assert s["execution"]["done_count"] == 1
    assert [r["title"] for r in s["communities"]] == ["阳光小区", "和平小区"]
    # every numeric KPI says its unit
    units = ("_count", "_pct", "_s", "_days", "gini")
    for section in ("participation", "youth_share", "speaking", "topics", "resolutions", "objections"):
        for key, value in s[section].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert key.endswith(units), f"{section}.{key} has no unit"


def test_one_community_and_csv(tmp_path: Path) -> None:
    seed(tmp_path)
    out = _gongzhi(tmp_path, "--community", "B", "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["section", "key", "value"]
    table = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert table[("participation", "attendances_count")] == "1"
    assert table[("youth_share", "share_pct")] == ""  # p5 has no age: no share, not 0
    assert table[("scope", "community_id")] == "B"


def test_xlsx_has_kpis_communities_and_months(tmp_path: Path) -> None:
    seed(tmp_path)
    target = tmp_path / "stats.xlsx"
    out = _gongzhi(tmp_path, "--format", "xlsx", "-o", str(target))
    assert out.returncode == 0, out.stderr
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["指标", "各社区", "按月"]
    kpis = {(r[0], r[1]): r[2] for r in wb["指标"].iter_rows(min_row=2, values_only=True)}
    assert kpis[("speaking", "gini")] == 0.375
    assert [r[0] for r in wb["按月"].iter_rows(min_row=2, values_only=True)] == ["2026-03", "2026-04"]


def test_unknown_community_is_refused(tmp_path: Path) -> None:
    seed(tmp_path)
    out = _gongzhi(tmp_path, "--community", "nope")
    assert out.returncode == 2
    assert "no community nope" in out.stderr
    assert out.stdout == ""
