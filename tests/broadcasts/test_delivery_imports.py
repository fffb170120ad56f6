"""bot/delivery/ imports in one direction: no circle, and no import inside a function to
dodge one; the engine knows neither the outbox, the alerts nor the report (it calls hooks)."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "bot" / "delivery"


def _imports(path: Path) -> tuple[set[str], list[str]]:
    """The bot.delivery modules `path` imports, and every import not at module level."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(tree.body)
    found: set[str] = set()
    nested: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        if node not in top:
            nested.append(f"{path.name}:{node.lineno}")
        found.update(
            name.removeprefix("bot.delivery.").split(".")[0]
            for name in names
            if name.startswith("bot.delivery.")
        )
    return found, nested


def graph() -> dict[str, set[str]]:
    modules = {p.stem: p for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    edges = {}
    for name, path in modules.items():
        found, _ = _imports(path)
        edges[name] = found & modules.keys()
    return edges


def test_the_delivery_modules_form_no_import_circle() -> None:
    edges = graph()
    assert {"engine", "outbox", "alerts", "report", "send", "lifecycle"} <= edges.keys()
    try:
        order = list(TopologicalSorter(edges).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message
        raise AssertionError(f"import circle in bot/delivery: {exc.args[1]}") from None
    assert order.index("engine") < order.index("outbox") < order.index("alerts")


def test_the_engine_reports_through_hooks_not_imports() -> None:
    edges = graph()
    assert edges["engine"] <= {"send", "ratelimit"}
    assert edges["send"] == set()
    assert not (edges["outbox"] & {"alerts", "report", "lifecycle"})


def test_no_delivery_module_imports_inside_a_function() -> None:
    nested = [n for p in PACKAGE.glob("*.py") for n in _imports(p)[1]]
    init = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    assert nested == []
    # importing one delivery module loads no other through the package
    assert not [n for n in ast.walk(init) if isinstance(n, ast.Import | ast.ImportFrom)]
