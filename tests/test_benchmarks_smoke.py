"""Smoke test of the benchmark scripts: each runs with ``--quick`` and prints its tables.

The scripts assert nothing about speed; this test only keeps them from rotting:
every script must exit cleanly and print the Markdown tables it documents,
with the expected rows and numeric cells. The R comparison of ``bench_cox.py``
is checked when ``Rscript`` is on the PATH, and its absence message otherwise.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"

pytestmark = pytest.mark.slow


def run_quick(script: str) -> str:
    """Standard output of ``python benchmarks/<script> --quick`` against this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p)
    out = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, f"{script} failed:\n{out.stderr[-3000:]}"
    return out.stdout


def tables(text: str) -> list[list[dict[str, str]]]:
    """Every Markdown table in ``text``, as a list of {header: cell} rows."""
    found: list[list[dict[str, str]]] = []
    block: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
            continue
        if block:
            cells = [[c.strip() for c in row.strip("|").split("|")] for row in block]
            header, sep, body = cells[0], cells[1], cells[2:]
            assert all(set(s) == {"-"} for s in sep), f"bad separator row: {block[1]}"
            assert all(len(r) == len(header) for r in body), f"ragged table: {block}"
            found.append([dict(zip(header, r)) for r in body])
            block = []
    return found


def number(cell: str) -> float:
    """A printed number ("1,409", "2.5e-09", "3.1x") as a float."""
    return float(cell.replace(",", "").removesuffix("x"))


def positive(cell: str) -> bool:
    v = number(cell)
    return math.isfinite(v) and v > 0


def test_bench_cox_quick() -> None:
    out = run_quick("bench_cox.py")
    main, scaling = tables(out)
    has_r = shutil.which("Rscript") is not None and "R not found" not in out
    expected = ["batched", "batched, parallel", "single", "lifelines", "statsmodels"]
    assert [r["method"] for r in main] == expected + ["R coxph.fit"] * has_r
    assert all(positive(r[c]) for r in main for c in ("wall µs/fit", "CPU µs/fit")), main
    assert [(r["vary"], r["n"], r["R"]) for r in scaling] == [
        ("n", "50", "1000"),
        ("n", "200", "1000"),
        ("R", "200", "10"),
        ("R", "200", "100"),
    ]
    assert all(positive(r["batched CPU µs/fit"]) for r in scaling)
    if shutil.which("Rscript") is None:
        assert "R not found" in out
    if has_r:  # same cohorts on both sides: estimates agree closely, ratios are real numbers
        assert all(positive(r["R ÷ batched (CPU)"]) for r in scaling)
        assert all(number(r["max Δcoef vs R"]) < 1e-6 for r in scaling), scaling
        assert "max |coef - R|" in out


def test_bench_firth_quick() -> None:
    (rows,) = tables(run_quick("bench_firth.py"))
    assert [r["n"] for r in rows] == ["20", "50"]
    for r in rows:
        assert positive(r["batched / firthmodels"])
        assert positive(r["profile-CI ppprog / firthmodels"])
        assert number(r["max Δcoef (fm tight)"]) < 1e-6


def test_bench_study_quick() -> None:
    out = run_quick("bench_study.py")
    speed, scaling, memory = tables(out)
    assert [r["what"] for r in speed] == ["ppprog study (batched, serial)", "lifelines loop"]
    assert all(positive(r["replicates/s"]) for r in speed)
    assert [r["configuration"] for r in scaling] == ["serial", "2 worker processes"]
    assert all(positive(r["wall s"]) and positive(r["import s"]) for r in scaling)
    assert all(positive(r["run start to first chunk s"]) for r in scaling)
    assert [r["bit-identical to serial"] for r in scaling] == ["True", "True"]
    assert "2 workers vs serial, wall:" in out
    assert len(memory) == 3
    assert all(positive(r["peak MB"]) for r in memory)


def test_bench_import_quick() -> None:
    out = run_quick("bench_import.py")
    timing, slowest = tables(out)
    assert [r["what"] for r in timing] == [
        "python -c pass (interpreter only)",
        "import ppprog (in process)",
        "python -c 'import ppprog' (whole process)",
        "ppprog --help",
    ]
    assert all(positive(r["best of 1 s"]) for r in timing)
    assert "heavy modules loaded by `import ppprog`:" in out
    assert slowest[0]["module"] == "ppprog"


def test_bench_generate_quick() -> None:
    (rows,) = tables(run_quick("bench_generate.py"))
    assert [r["cohort"] for r in rows] == ["onset", "resolution"]
    assert all(number(r["one replicate vs batch, max dev"]) == 0 for r in rows)
