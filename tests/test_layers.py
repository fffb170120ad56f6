"""The layers, checked statically: walks every import (module level, inside functions, under
TYPE_CHECKING) of bot/, handlers/, storage/ and rules/ with `ast`.

- storage never imports bot or handlers; rules imports none of bot, handlers, storage,
  telegram, sqlite3, aiosqlite (TYPE_CHECKING imports count here too);
- no import cycle between the project's modules (imports under TYPE_CHECKING do not run,
  so they are left out of this one).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage", "rules")
FORBIDDEN = {
    "storage": ("bot", "handlers"),
    "rules": ("bot", "handlers", "storage", "telegram", "sqlite3", "aiosqlite"),
}
# Cycles known when this test was written, each with the change that removes it. An entry
# that no longer matches a cycle fails the test too: delete it once its fix has landed.
KNOWN_CYCLES: set[frozenset[str]] = set()  # none: a cycle found is a failure


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (the most specific one that exists, for ours)
    line: int
    typing_only: bool  # under `if TYPE_CHECKING:`


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(name: str, known: dict[str, Path]) -> str:
    """The most specific known module that `name` (a dotted path) lies in, else the name."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return name


def imports_of(module: str, path: Path, known: dict[str, Path]) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, typing_only: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, typing_only)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(module, _resolve(alias.name, known), node.lineno, typing_only))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                # `from pkg import name`: the submodule pkg.name when there is one
                target = _resolve(f"{origin}.{alias.name}", known)
                if target not in known or target == _resolve(origin, known):
                    target = _resolve(origin, known)
                found.append(Import(module, target, node.lineno, typing_only))
        for child in ast.iter_child_nodes(node):
            visit(child, typing_only)

    visit(tree, False)
    return found


def all_imports() -> list[Import]:
    known = modules()
    return [i for module, path in known.items() for i in imports_of(module, path, known)]


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def layer_violations(found: list[Import]) -> list[str]:
    return [
        f"{i.source}:{i.line} imports {i.target}"
        for i in found
        if _top(i.target) in FORBIDDEN.get(_top(i.source), ())
    ]


def cycles(found: list[Import]) -> list[list[str]]:
    """One cycle (as a path that returns to its start) per strongly connected component."""
    graph: dict[str, set[str]] = {}
    for i in found:
        if not i.typing_only and _top(i.target) in PACKAGES and i.target != i.source:
            graph.setdefault(i.source, set()).add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:  # Tarjan
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_path_within(component, graph) for component in components]


def _path_within(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle through the component's first module, staying inside it."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph.get(node, set()) & members):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return component


def test_the_walk_sees_every_kind_of_import() -> None:
    found = all_imports()
    assert len(modules()) > 100
    assert any(i.typing_only for i in found)
    # an import inside a function is seen (storage/db.py imports storage.audit in one)
    assert any(i.source == "storage.db" and i.target == "storage.audit" for i in found)


def test_storage_and_rules_import_nothing_above_them() -> None:
    assert layer_violations(all_imports()) == []


def test_no_import_cycle() -> None:
    found = cycles(all_imports())
    new = [cycle for cycle in found if frozenset(cycle) not in KNOWN_CYCLES]
    assert new == [], "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in new)
    gone = KNOWN_CYCLES - {frozenset(cycle) for cycle in found}
    assert not gone, f"no longer a cycle, delete from KNOWN_CYCLES: {sorted(map(sorted, gone))}"


def test_a_cycle_is_reported_as_a_path() -> None:
    made = [Import("bot.a", "bot.b", 1, False), Import("bot.b", "bot.a", 1, False)]
    made.append(Import("bot.b", "bot.c", 2, True))  # typing only: not a cycle edge
    made.append(Import("bot.c", "bot.b", 2, False))
    assert cycles(made) == [["bot.a", "bot.b", "bot.a"]]
    assert layer_violations([Import("rules.x", "telegram", 3, True)]) == [
        "rules.x:3 imports telegram"
    ]
