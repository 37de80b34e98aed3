"""The rules packages stay pure: no I/O, no clock, no environment (time and ids come in as arguments).

Both the meeting's rules (``core``) and the community's (``community``: street directory and rosters).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import meeting_server.community
import meeting_server.core

CORE = Path(meeting_server.core.__file__).parent
COMMUNITY = Path(meeting_server.community.__file__).parent
RULES = sorted(CORE.glob("*.py")) + sorted(COMMUNITY.glob("*.py"))
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
    "secrets",
    "argon2",
    "openpyxl",
    "csv",
}
# The adapters around the rules: a rules module importing one would make the rules depend on I/O.
ADAPTERS = ("meeting_server.hub", "meeting_server.store", "meeting_server.web", "meeting_server.communities")


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_both_rule_packages_are_checked() -> None:
    assert {p.parent.name for p in RULES} == {"core", "community"}
    assert any(p.name == "roster_rules.py" for p in RULES)


@pytest.mark.parametrize("path", RULES, ids=_id)
def test_rules_import_nothing_impure(path: Path) -> None:
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
            assert not name.startswith(ADAPTERS), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", RULES, ids=_id)
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 420


def _package_imports(path: Path, package: str) -> set[str]:
    """The modules of ``package`` that ``path`` imports, at run time or only for type checking."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level == 1:
                out.add(node.module.split(".")[0])
            elif node.module.startswith(f"meeting_server.{package}."):
                out.add(node.module.split(".")[2])
    return out


@pytest.mark.parametrize(
    ("folder", "probe"), [(CORE, "view"), (COMMUNITY, "roster_rules")], ids=["core", "community"]
)
def test_rules_have_no_import_cycles(folder: Path, probe: str) -> None:
    # A cycle hidden behind ``if TYPE_CHECKING`` still ties the modules together: none at all.
    graph = {p.stem: _package_imports(p, folder.name) for p in folder.glob("*.py")}
    assert graph[probe], "the graph should see the package's own imports"

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
