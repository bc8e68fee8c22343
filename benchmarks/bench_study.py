"""Benchmark: an end-to-end simulation study (generate + fit + summarize).

Run: ``.venv/bin/python benchmarks/bench_study.py [--replicates 1000] [--n 200] [--lifelines 40]
[--scale-replicates 10000]``.

Reports, in one run:

1. replicates per second of a study of ``--replicates`` resolution cohorts of
   ``--n`` subjects, Cox on 3 baseline covariates (``ana_high``,
   ``extent[localized]``, ``extent[generalized]``), Efron ties, with the
   batched engine (``ppprog.studies.run``, serial), against a loop of
   lifelines ``CoxPHFitter`` fits over the same generated data (run on
   ``--lifelines`` replicates and extrapolated); the maximum absolute
   difference of the coefficients on those replicates;
2. scaling from 1 to 2 worker processes (``backend="processes"``) on
   ``--scale-replicates`` replicates: wall time (process start-up and numba
   cache loading included) and steady-state replicates/s (between the first
   and the last finished chunk), next to the serial backend, with the
   machine's load average, and a check that the results are bit-identical;
3. peak traced memory (tracemalloc, serial backend) for several numbers of
   replicates at a fixed chunk size, and for several chunk sizes: memory
   follows the chunk size, not the number of replicates.

The machine is shared: wall times vary with its load; ratios in one run are
what to compare.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings

import numpy as np

from ppprog.studies import Estimand, Method, Study, run
from ppprog.studies.cohorts import resolution_cohorts

COVS = ["ana_high", "extent[localized]", "extent[generalized]"]


def _study(replicates: int, n: int) -> Study:
    return Study(
        name="bench",
        generator="resolution",
        methods=[Method("cox", "cox_baseline", {"covariates": COVS})],
        estimands=[Estimand(c) for c in COVS],
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
    res, t_batch = _timed(lambda: run(study, progress=False, chunk_size=250))
    _, t_sum = _timed(res.performance)
    total = t_batch + t_sum
    params, t_ll = _lifelines_loop(n_lifelines, n, study.seed)
    t_ll_total = t_ll / n_lifelines * replicates
    ours = res.replicates.pivot(index="replicate", columns="estimand", values="estimate")
    ours = ours[COVS].to_numpy()[:n_lifelines]
    ok = np.isfinite(ours).all(axis=1) & (res.replicates.groupby("replicate").status.first()
                                         .to_numpy()[:n_lifelines] == "converged")  # fmt: skip
    dev = float(np.max(np.abs(ours[ok] - params[ok]))) if ok.any() else float("nan")
    print(f"1. end-to-end, {replicates} replicates x n={n}, Cox on {len(COVS)} covariates")
    print(f"   batched study (serial): {total:8.2f} s  = {replicates / total:9.1f} replicates/s"
          f"   (run {t_batch:.2f} s, summarize {t_sum:.3f} s)")  # fmt: skip
    print(f"   lifelines loop        : {t_ll_total:8.2f} s  = {replicates / t_ll_total:9.1f} "
          f"replicates/s   (measured on {n_lifelines}, extrapolated)")  # fmt: skip
    print(f"   speed-up: {t_ll_total / total:.0f}x; max |coef diff| on {int(ok.sum())} "
          f"converged replicates: {dev:.2e}")  # fmt: skip


def _steady_rate(res) -> float:  # noqa: ANN001
    """Replicates/s between the first and the last finished chunk (start-up excluded)."""
    chunks = sorted(res.manifest["chunks"], key=lambda c: c["end_unix"])
    span = chunks[-1]["end_unix"] - chunks[0]["end_unix"]
    return sum(c["count"] for c in chunks[1:]) / span if span > 0 else float("nan")


def part_scaling(replicates: int, n: int) -> None:
    import os

    study = _study(replicates, n)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"2. scaling, {replicates} replicates, chunk 125 "
          f"({os.cpu_count()} cores, load average {load:.1f} before)")  # fmt: skip
    ref, t = _timed(lambda: run(study, progress=False, chunk_size=125))
    print(f"   serial   : wall {t:7.2f} s  {replicates / t:8.1f} rep/s   "
          f"steady {_steady_rate(ref):8.1f} rep/s")  # fmt: skip
    base = None
    for w in (1, 2):
        res, t = _timed(lambda w=w: run(study, backend="processes", workers=w, chunk_size=125,
                                        progress=False))  # fmt: skip
        rate = _steady_rate(res)
        base = base or rate
        same = res.replicates.equals(ref.replicates)
        print(f"   workers={w}: wall {t:7.2f} s  {replicates / t:8.1f} rep/s   steady "
              f"{rate:8.1f} rep/s  ({rate / base:.2f}x)  bit-identical to serial: {same}")  # fmt: skip


def part_memory(n: int) -> None:
    print("3. peak traced memory (serial), MB")
    for reps, chunk in ((500, 100), (2000, 100), (4000, 100), (2000, 500), (2000, 2000)):
        study = _study(reps, n)
        tracemalloc.start()
        run(study, progress=False, chunk_size=chunk)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"   replicates={reps:5d} chunk={chunk:5d}: {peak:7.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--lifelines", type=int, default=40)
    ap.add_argument("--scale-replicates", type=int, default=10000)
    ap.add_argument("--skip-scaling", action="store_true")
    args = ap.parse_args()
    part_speed(args.replicates, args.n, args.lifelines)
    if not args.skip_scaling:
        part_scaling(args.scale_replicates, args.n)
    part_memory(args.n)


if __name__ == "__main__":
    main()
