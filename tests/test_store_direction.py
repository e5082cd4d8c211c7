"""The store imports in one direction (issue 22): the Store facade on top, the fetch log and row helpers below.

Every import between modules of ``tracker.store`` counts, those made for type checking or inside a
function included: the graph they make has no cycle, and the lower modules never name ``database``.
"""

from __future__ import annotations

import ast
from pathlib import Path

STORE = Path(__file__).resolve().parents[1] / "tracker" / "store"


def store_imports(path: Path) -> set[str]:
    """The ``tracker.store`` modules a file imports, wherever in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "tracker.store":
                found |= {a.name for a in node.names if (STORE / f"{a.name}.py").exists()}
            elif node.module.startswith("tracker.store."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names if a.name.startswith("tracker.store.")}
    return found - {path.stem}


def graph() -> dict[str, set[str]]:
    return {p.stem: store_imports(p) for p in STORE.glob("*.py") if p.stem != "__init__"}


def test_the_store_modules_import_each_other_without_a_cycle() -> None:
    edges = graph()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import cycle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for target in sorted(edges.get(name, ())):
            visit(target, (*path, name))
        done.add(name)

    for name in sorted(edges):
        visit(name, ())


def test_the_fetch_log_and_the_lookups_sit_below_the_facade() -> None:
    edges = graph()
    assert edges["lookups"] == set()
    assert edges["fetchlog"] == {"lookups"}
    assert {"fetchlog", "lookups"} <= edges["database"]


def test_the_facade_still_offers_the_fetch_record() -> None:
    from tracker.store import FetchRecord as exported
    from tracker.store.database import FetchRecord
    from tracker.store.fetchlog import FetchRecord as lower

    assert exported is FetchRecord is lower
