"""The rules package stays pure: no I/O, no clock, no environment (time and ids come in as arguments)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import meeting_server.core

CORE = Path(meeting_server.core.__file__).parent
FORBIDDEN_MODULES = {
    "asyncio",
    "aiohttp",
    "socketio",
    "aiortc",
    "redis",
    "sqlite3",
    "os",
    "time",
    "random",
    "uuid",
}


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_imports_nothing_impure(path: Path) -> None:
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
            assert not name.startswith(("meeting_server.hub", "meeting_server.store")), (
                f"{path.name} imports {name}"
            )


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 420
