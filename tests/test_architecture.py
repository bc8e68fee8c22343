"""The one-way data flow is enforced: layers import only to their left."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "ppprog"
RANK = {
    "_core": 0,
    "records": 1,
    "tables": 2,
    "models": 3,
    "simulate": 3,
    "studies": 4,
    "plotting": 5,
    "report": 6,
    "cli": 7,
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
    return out


def _layer(path: Path) -> str | None:
    rel = path.relative_to(SRC).parts
    return rel[0] if len(rel) > 1 and rel[0] in RANK else None


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_layers_import_only_leftwards(path: Path) -> None:
    layer = _layer(path)
    if layer is None:
        return
    for mod in _imports(path):
        parts = mod.split(".")
        assert parts != ["ppprog"], f"{path}: imports the root package"
        if parts[0] != "ppprog" or len(parts) < 2 or parts[1] not in RANK:
            continue
        target = parts[1]
        ok = target == layer or RANK[target] < RANK[layer]
        assert ok, f"{path.relative_to(SRC)} ({layer}) imports {mod} ({target})"


def test_kernels_are_pure_numpy() -> None:
    banned = (
        "pandas",
        "lifelines",
        "statsmodels",
        "matplotlib",
        "dask",
        "ppprog.records",
        "ppprog.tables",
    )
    for path in (SRC / "models" / "_kernels").rglob("*.py"):
        for mod in _imports(path):
            assert not mod.startswith(banned), f"{path}: kernel imports {mod}"


def test_import_is_light() -> None:
    code = (
        "import sys, ppprog; heavy = [m for m in ('lifelines', 'statsmodels', 'dask', 'matplotlib', 'distributed')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import ppprog pulled in: {out.stdout.strip()}"


@pytest.mark.skipif(
    shutil.which("lint-imports") is None
    and not (Path(sys.executable).parent / "lint-imports").exists(),
    reason="import-linter not installed",
)
def test_import_linter_contracts() -> None:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    res = subprocess.run([exe], capture_output=True, text=True, cwd=SRC.parents[1])
    assert res.returncode == 0, res.stdout + res.stderr
