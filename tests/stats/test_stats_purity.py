"""The statistics read model is pure like the rules: no I/O, no clock, no adapter imports (the same
forbidden lists as ``tests/core/test_rules_purity.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import meeting_server.readmodels
from tests.core.test_rules_purity import ADAPTERS, FORBIDDEN_MODULES

READMODELS = sorted(Path(meeting_server.readmodels.__file__).parent.glob("*.py"))


def test_the_read_models_are_found() -> None:
    assert {p.name for p in READMODELS} >= {"stats.py", "stats_facts.py"}


@pytest.mark.parametrize("path", READMODELS, ids=lambda p: p.name)
def test_read_models_import_nothing_impure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN_MODULES, f"{path.name} imports {name}"
            assert not name.startswith((*ADAPTERS, "meeting_server.stats")), f"{path.name} imports {name}"
