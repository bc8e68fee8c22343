"""Benchmark: an end-to-end simulation study (generate + fit + summarize).

Run: ``.venv/bin/python benchmarks/bench_study.py [--quick] [--replicates 1000] [--n 200]
[--lifelines 40] [--scale-replicates 10000]``.

Reports, in one run (Markdown tables, nothing asserted):

1. replicates per second of a study of ``--replicates`` resolution cohorts of
   ``--n`` subjects, Cox on 3 baseline covariates (``ana_high``,
   ``extent[localized]``, ``extent[generalized]``), Efron ties, with the
   batched engine (``ppprog.studies.run``, serial, in this process after a
   warm-up, best of 3 runs), against a loop of lifelines ``CoxPHFitter`` fits over the same
   generated data (run on ``--lifelines`` replicates and extrapolated); the
   maximum absolute difference of the coefficients on those replicates;
2. ``--scale-replicates`` replicates serial, on 1 worker process and on 2
   worker processes (``backend="processes"``), each configuration in a fresh
   interpreter started with ``subprocess`` so that its wall time includes the
   interpreter start-up and ``import ppprog`` as a user pays them (and each
   worker its own start-up and warm-up); the import and run times reported by the
   child, the steady-state rate (between the first and the last finished
   chunk), the wall-time ratio to serial, and whether the per-replicate table
   is bit-identical to the serial one, and the CPU time of the configuration
   (the child and its workers, start-up included);
3. peak traced memory (tracemalloc, serial backend) for several numbers of
   replicates at a fixed chunk size, and for several chunk sizes: memory
   follows the chunk size, not the number of replicates.

The machine is shared: wall times vary with its load (printed by each table);
ratios in one run are what to compare.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

from ppprog.studies import Estimand, Method, Study, run  # noqa: E402
from ppprog.studies.cohorts import resolution_cohorts  # noqa: E402

IMPORT_S = time.perf_counter() - _T0  # numpy + ppprog.studies, as a study script pays it

sys.path.insert(0, os.path.dirname(__file__))
from _timing import load_line, table, versions  # noqa: E402

COVS = ["ana_high", "extent[localized]", "extent[generalized]"]


def _study(replicates: int, n: int) -> Study:
    return Study(
        name="bench",
        generator="resolution",
        methods=(Method("cox", "cox_baseline", {"covariates": COVS}),),
        estimands=tuple(Estimand(c) for c in COVS),
        replicates=replicates,
        seed=20261124,
        base={"n": n},
    )


def _timed(fn):  # noqa: ANN001, ANN202
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _lifelines_loop(replicates: int, n: int, seed: int):  # noqa: ANN202
    import pandas as pd
    from lifelines import CoxPHFitter

    t0 = time.perf_counter()
    data = resolution_cohorts({"n": n}, replicates=replicates, seed=seed, scenario=0,
                              first_replicate=0)  # fmt: skip
    X, names = data.baseline_arrays(COVS)
    params = np.empty((replicates, len(COVS)))
    for r in range(replicates):
        df = pd.DataFrame(X[r], columns=names)
        df["T"], df["E"] = data.time[r], data.event[r].astype(int)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph = CoxPHFitter().fit(
                df, "T", "E", fit_options={"precision": 1e-12, "max_steps": 200}
            )
        params[r] = cph.params_.to_numpy()
    return params, time.perf_counter() - t0


def part_speed(replicates: int, n: int, n_lifelines: int) -> None:
    study = _study(replicates, n)
    run(_study(20, n), progress=False)  # warm: numba cache, spec cache, truth
    print(f"### 1. end to end, {replicates} replicates x n={n}, Cox on {len(COVS)} covariates, "
          "serial, in this process\n")  # fmt: skip
    print(f"{load_line()}\n")
    # best of 3 runs (other load on the shared machine only ever adds time)
    res, t_batch = min((_timed(lambda: run(study, progress=False, chunk_size=250))
                        for _ in range(3)), key=lambda rt: rt[1])  # fmt: skip
    _, t_sum = _timed(res.performance)
    total = t_batch + t_sum
    params, t_ll = _lifelines_loop(n_lifelines, n, study.seed)
    t_ll_total = t_ll / n_lifelines * replicates
    ours = res.replicates.pivot(index="replicate", columns="estimand", values="estimate")
    ours = ours[COVS].to_numpy()[:n_lifelines]
    ok = np.isfinite(ours).all(axis=1) & (res.replicates.groupby("replicate").status.first()
                                         .to_numpy()[:n_lifelines] == "converged")  # fmt: skip
    dev = float(np.max(np.abs(ours[ok] - params[ok]))) if ok.any() else float("nan")
    rows = [["ppprog study (batched, serial)", total, replicates / total,
             f"run {t_batch:.2f} s + summarize {t_sum:.3f} s"],
            ["lifelines loop", t_ll_total, replicates / t_ll_total,
             f"measured on {n_lifelines}, extrapolated"]]  # fmt: skip
    print(table(["what", "wall s", "replicates/s", "note"], rows))
    print(f"\nspeed-up over lifelines: {t_ll_total / total:.0f}x; max |coef diff| on "
          f"{int(ok.sum())} converged replicates: {dev:.2e}")  # fmt: skip


def _steady_rate(res) -> float:  # noqa: ANN001
    """Replicates/s between the first and the last finished chunk (start-up excluded)."""
    chunks = sorted(res.manifest["chunks"], key=lambda c: c["end_unix"])
    span = chunks[-1]["end_unix"] - chunks[0]["end_unix"]
    return sum(c["count"] for c in chunks[1:]) / span if span > 0 else float("nan")


def child(args: argparse.Namespace) -> None:
    """Run one configuration in this (fresh) interpreter; report as one JSON line."""
    backend, workers = args.child.split(":")
    t_unix = time.time()
    res, t_run = _timed(lambda: run(_study(args.scale_replicates, args.n), backend=backend,
                                    workers=int(workers), chunk_size=args.chunk, progress=False))  # fmt: skip
    res.replicates.to_pickle(args.out)
    first = min(c["end_unix"] for c in res.manifest["chunks"]) - t_unix
    print(json.dumps({"import_s": IMPORT_S, "run_s": t_run, "first_s": first,
                      "steady": _steady_rate(res)}))  # fmt: skip


def bit_identical(a, b) -> bool:  # noqa: ANN001
    """Same columns, rows and bits (float columns compared byte for byte)."""
    if list(a.columns) != list(b.columns) or a.shape != b.shape:
        return False
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        same = x.tobytes() == y.tobytes() if x.dtype.kind in "fiub" else a[c].equals(b[c])
        if not same:
            return False
    return True


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes (workers included)."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def part_scaling(replicates: int, n: int, chunk: int, configs: list[tuple[str, int]]) -> None:
    import pandas as pd

    print(f"\n### 2. {replicates} replicates x n={n}, chunk {chunk}: serial vs worker processes, "
          "wall time of a fresh interpreter per configuration (start-up and imports included)\n")  # fmt: skip
    print(f"{load_line()} (before)\n")
    rows, tables, base = [], {}, None
    with tempfile.TemporaryDirectory(prefix="ppprog_bench_study_") as tmp:
        for backend, w in configs:
            out = os.path.join(tmp, f"{backend}{w}.pkl")
            cmd = [sys.executable, __file__, "--child", f"{backend}:{w}", "--out", out, "--n",
                   str(n), "--scale-replicates", str(replicates), "--chunk", str(chunk)]  # fmt: skip
            cpu0 = _children_cpu()
            proc, wall = _timed(lambda cmd=cmd: subprocess.run(cmd, capture_output=True, text=True,
                                                               check=True))  # fmt: skip
            cpu = _children_cpu() - cpu0
            info = json.loads(proc.stdout.strip().splitlines()[-1])
            tables[(backend, w)] = pd.read_pickle(out)
            base = base or wall
            same = bit_identical(tables[(backend, w)], tables[configs[0]])
            name = "serial" if backend == "serial" else f"{w} worker process" + "es" * (w > 1)
            rows.append([name, wall, cpu, replicates / wall, info["import_s"], info["run_s"],
                         info["first_s"], info["steady"], base / wall, same])  # fmt: skip
    header = ["configuration", "wall s", "CPU s (all processes)", "rep/s (wall)", "import s", "run s",
              "run start to first chunk s", "steady rep/s",
              "speed-up vs serial (wall)", "bit-identical to serial"]  # fmt: skip
    print(table(header, rows))
    print(f"\n{load_line()} (after)")
    two = [r for r in rows if r[0] == "2 worker processes"]
    if two:
        print(f"\n2 workers vs serial, wall: {two[0][8]:.2f}x; per-replicate tables "
              f"bit-identical: {two[0][9]}")  # fmt: skip


def part_memory(n: int, configs: list[tuple[int, int]]) -> None:
    print("\n### 3. peak traced memory (serial)\n")
    print(f"{load_line()}\n")
    rows = []
    for reps, chunk in configs:
        tracemalloc.start()
        run(_study(reps, n), progress=False, chunk_size=chunk)
        rows.append([reps, chunk, tracemalloc.get_traced_memory()[1] / 2**20])
        tracemalloc.stop()
    print(table(["replicates", "chunk", "peak MB"], rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small run for a smoke test")
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--lifelines", type=int, default=40)
    ap.add_argument("--scale-replicates", type=int, default=10000)
    ap.add_argument("--chunk", type=int, default=125)
    ap.add_argument("--skip-scaling", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    configs = [("serial", 1), ("processes", 1), ("processes", 2)]
    memory = [(500, 100), (2000, 100), (4000, 100), (2000, 500), (2000, 2000)]
    if args.quick:
        args.replicates, args.lifelines, args.scale_replicates = 100, 4, 500
        configs = [("serial", 1), ("processes", 2)]
        memory = [(100, 50), (200, 50), (200, 200)]
    print("## Simulation study benchmark\n")
    print(versions("numpy", "numba", "pandas", "lifelines", "ppprog") + "\n")
    part_speed(args.replicates, args.n, args.lifelines)
    if not args.skip_scaling:
        part_scaling(args.scale_replicates, args.n, args.chunk, configs)
    if not args.skip_memory:
        part_memory(args.n, memory)


if __name__ == "__main__":
    main()
