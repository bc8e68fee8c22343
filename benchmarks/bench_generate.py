"""Benchmark: generating 1,000 cohorts x 200 subjects with time-varying covariates.

Run: ``.venv/bin/python benchmarks/bench_generate.py [--quick] [--replicates 1000] [--n 200]``.

Reports, for both default cohorts (onset: time-varying ANA; resolution:
management switches), the best-of-5 wall and CPU time of ``generate`` and
of ``CohortBatch.counting()``, and the peak Python-heap memory (tracemalloc) of
one ``generate`` + ``counting`` call. Also checks one replicate drawn alone
equals the same replicate drawn in the batch (max deviation, must be 0).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc

import numpy as np

from ppprog.simulate import CohortSpec, generate

sys.path.insert(0, os.path.dirname(__file__))
from _timing import load_line, table, versions  # noqa: E402


def _best(fn, repeat: int = 5) -> tuple[float, float]:
    """Best wall time and best CPU time of the process (CPU is robust to a shared machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 cohorts, best of 2")
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args()
    R, n, repeat = (100, args.n, 2) if args.quick else (args.replicates, args.n, 5)
    print(f"## Cohort generation: {R} cohorts x {n} subjects (best of {repeat})\n")
    print(versions("numpy", "ppprog") + "\n")
    print(f"{load_line()}\n")
    rows = []
    for endpoint in ("onset", "resolution"):
        spec = CohortSpec.default(endpoint)
        generate(spec, n, 2, seed=1)  # warm caches
        t_gen = _best(lambda spec=spec: generate(spec, n, R, seed=1), repeat)
        batch = generate(spec, n, R, seed=1)
        t_cnt = _best(batch.counting, repeat)
        n_rows = int(batch.counting().mask.sum(axis=1).mean())
        tracemalloc.start()
        generate(spec, n, R, seed=1).counting()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        one = generate(spec, n, 1, seed=1, first_replicate=R // 2)
        dev = float(np.max(np.abs(one.time[0] - batch.time[R // 2])))
        rows.append([endpoint, *t_gen, *t_cnt, n_rows, peak, dev])
    header = ["cohort", "generate wall s", "generate CPU s", "counting wall s", "counting CPU s",
              "rows/cohort", "peak MB", "one replicate vs batch, max dev"]  # fmt: skip
    print(table(header, rows))


if __name__ == "__main__":
    main()
