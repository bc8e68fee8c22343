"""Benchmark: reading and validating case files (issue 12 targets: <= 3 s each).

Run: ``.venv/bin/python benchmarks/bench_ingest.py [--yaml-cases 10000] [--parquet-cases 100000]``
(``--quick`` for a smoke run with ten times fewer cases).

Data: synthetic cases of the default resolution cohort (``ppprog.simulate``;
patient, onset, ANA, treatments, outcomes; about 30 YAML lines a case),
written once to a temporary folder as one YAML file and as the five Parquet
tables. Timed: ``read_cases`` (parse, type every field, check every cell,
validate every rule), best of ``--repeat`` runs after an untimed one, wall
and CPU time; then one more run under tracemalloc for the peak Python-heap
memory, and the process peak RSS. The Parquet tables are also read with the per-case rules
(``tables_to_cases(rules="cases")``, the reference the column-wise rules
are tested against), for the ratio. Prints one Markdown table.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _timing import best_time, max_rss_mb, table, traced_peak

from ppprog._core.errors import ProblemReport
from ppprog.records.gcpause import paused_gc
from ppprog.records.io import read_cases, write_cases
from ppprog.records.io_table import tables_to_cases
from ppprog.records.table_files import read_table_dir
from ppprog.simulate import CohortSpec, generate


def _cases(n: int) -> list:
    return generate(CohortSpec.default("resolution"), n=n, seed=12).to_cases()


def _read_per_case(path: Path) -> list:
    """``read_cases`` of a table folder, with the per-case rules (the reference path)."""
    report = ProblemReport()
    with paused_gc():
        cases = tables_to_cases(read_table_dir(path, report), where=str(path), rules="cases")
    report.raise_if_any()
    return cases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--yaml-cases", type=int, default=10_000)
    ap.add_argument("--parquet-cases", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="ten times fewer cases, one run")
    args = ap.parse_args()
    if args.quick:
        args.yaml_cases, args.parquet_cases, args.repeat = 1_000, 10_000, 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        yaml_path, pq_path = Path(tmp) / "cases.yaml", Path(tmp) / "tables"
        write_cases(_cases(args.yaml_cases), yaml_path)
        write_cases(_cases(args.parquet_cases), pq_path, format="parquet")
        size_yaml = yaml_path.stat().st_size / 2**20
        size_pq = sum(p.stat().st_size for p in pq_path.iterdir()) / 2**20
        runs = (("YAML file", yaml_path, args.yaml_cases, size_yaml, read_cases),
                ("Parquet tables", pq_path, args.parquet_cases, size_pq, read_cases),
                ("Parquet tables, per-case rules", pq_path, args.parquet_cases, size_pq,
                 _read_per_case))  # fmt: skip
        for label, path, n, size, read in runs:
            read(path)  # once untimed: one-off imports (pyarrow, the table modules) are not reading
            wall, cpu = best_time(lambda p=path, f=read: f(p), repeat=args.repeat)
            cases, peak = traced_peak(lambda p=path, f=read: f(p))
            assert len(cases) == n
            rows.append([label, f"{n:,}", f"{size:.1f}", wall, cpu, peak / 2**20])
            del cases
    print(f"read_cases, best of {args.repeat} (read + type + validate)\n")
    print(table(["source", "cases", "MiB on disk", "wall s", "CPU s", "peak heap MiB"], rows))
    ratio = rows[2][4] / rows[1][4]
    print(f"\nParquet, CPU time of the per-case reference / column-wise rules: {ratio:.2f}")
    print(f"\nprocess peak RSS: {max_rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
