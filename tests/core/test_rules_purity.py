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


def _core_imports(path: Path) -> set[str]:
    """The core modules ``path`` imports, at run time or only for type checking."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level == 1:
                out.add(node.module.split(".")[0])
            elif node.module.startswith("meeting_server.core."):
                out.add(node.module.split(".")[2])
    return out


def test_core_has_no_import_cycles() -> None:
    # A cycle hidden behind ``if TYPE_CHECKING`` still ties the modules together: none at all.
    graph = {p.stem: _core_imports(p) for p in CORE.glob("*.py")}
    assert graph["view"] and graph["state"], "the graph should see the core's own imports"

    def reaches(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for dep in graph.get(todo.pop(), set()):
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return seen

    in_cycles = [m for m in sorted(graph) if m in reaches(m)]
    assert not in_cycles, f"modules in an import cycle: {in_cycles}"
