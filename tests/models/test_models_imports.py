"""models/ imports: no private name across modules, no import circle between modules."""

from __future__ import annotations

import ast
from pathlib import Path

MODELS = Path(__file__).resolve().parents[2] / "src" / "ppprog" / "models"
ROOTS = [MODELS, *(MODELS.parents[0] / d for d in ("studies", "cli", "report", "plotting"))]


def _module(path: Path) -> str:
    rel = path.relative_to(MODELS.parents[1]).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [(n.module, [a.name for a in n.names]) for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module and n.level == 0]  # fmt: skip


def test_no_private_models_name_is_imported_from_another_module() -> None:
    bad = []
    for root in ROOTS:
        for path in root.rglob("*.py"):
            for mod, names in _imports(path):
                if not mod.startswith("ppprog.models"):
                    continue
                bad += [f"{_module(path)}: {mod}.{n}" for n in names if n.startswith("_")]
    assert bad == []


def test_no_import_cycle_between_models_modules() -> None:
    graph: dict[str, set[str]] = {}
    for path in MODELS.rglob("*.py"):
        me = _module(path)
        deps = set()
        for mod, names in _imports(path):
            if mod.startswith("ppprog.models"):
                deps.add(mod)
                deps.update(f"{mod}.{n}" for n in names)  # `from pkg import module`
        graph[me] = deps
    known = set(graph)
    graph = {m: {d for d in ds if d in known and d != m} for m, ds in graph.items()}
    for pkg in [
        m for m in graph if (MODELS.parents[1] / m.replace(".", "/") / "__init__.py").exists()
    ]:
        graph[pkg] = set()  # re-exporting package modules are not part of a circle
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for d in graph[m]:
            assert state.get(d) != 1, f"import circle: {' -> '.join([*stack, m, d])}"
            if d not in state:
                visit(d, [*stack, m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])
