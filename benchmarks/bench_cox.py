"""Benchmark: batched Cox vs single fits vs lifelines vs statsmodels.

Run as a script (not a test)::

    .venv/bin/python benchmarks/bench_cox.py            # full run
    .venv/bin/python benchmarks/bench_cox.py --quick    # smaller, for a smoke test

Data: R replicates, n subjects, 3 covariates (normal, binary, uniform), true
log hazard ratios (0.5, -0.4, 0.3), exponential event times and exponential
censoring tuned to about 30% censored, Efron ties. Times are the best of
several runs (other load on a shared machine only ever adds time).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from _timing import best_time, max_rss_mb, table, traced_peak  # noqa: E402

from ppprog.models.cox import cox_ph  # noqa: E402
from ppprog.models.cox_batch import cox_ph_batch  # noqa: E402

BETA = np.array([0.5, -0.4, 0.3])
COVS = ["x0", "x1", "x2"]


def simulate(R: int, n: int, seed: int = 20261124) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, time, event) with about 30% censoring."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(R, n)))
    X = np.stack([rng.normal(size=(R, n)), rng.integers(0, 2, size=(R, n)).astype(float),
                  rng.uniform(-1, 1, size=(R, n))], axis=-1)  # fmt: skip
    t = rng.exponential(size=(R, n)) * np.exp(-X @ BETA)
    c = rng.exponential(scale=3.2, size=(R, n))
    return X, np.minimum(t, c), (t <= c).astype(float)


def frame(X: np.ndarray, t: np.ndarray, e: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(X, columns=COVS).assign(time=t, event=e)


def per_fit_us(fn, fits: int, repeat: int) -> tuple[float, float]:  # noqa: ANN001
    """(wall, CPU) microseconds per fit."""
    wall, cpu = best_time(fn, repeat=repeat)
    return wall / fits * 1e6, cpu / fits * 1e6


def main_comparison(
    R: int, n: int, sub: int, repeat: int
) -> tuple[str, dict[str, tuple[float, float]]]:
    from lifelines import CoxPHFitter
    from statsmodels.duration.hazard_regression import PHReg

    X, t, e = simulate(R, n)
    cox_ph_batch(X[:2], t[:2], e[:2])  # compile / load cache
    cox_ph_batch(X[:2], t[:2], e[:2], parallel=True)
    frames = [frame(X[r], t[r], e[r]) for r in range(sub)]
    res, peak = traced_peak(lambda: cox_ph_batch(X, t, e))
    out: dict[str, tuple[float, float]] = {
        "batched": per_fit_us(lambda: cox_ph_batch(X, t, e), R, repeat),
        "batched, parallel": per_fit_us(lambda: cox_ph_batch(X, t, e, parallel=True), R, repeat),
        "single": per_fit_us(
            lambda: [cox_ph(f, duration="time", event="event", covariates=COVS) for f in frames],
            sub,
            repeat,
        ),  # fmt: skip
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["lifelines"] = per_fit_us(
            lambda: [CoxPHFitter().fit(f, "time", "event") for f in frames],
            sub,
            max(1, repeat // 2),
        )
        out["statsmodels"] = per_fit_us(
            lambda: [PHReg(f["time"], f[COVS], status=f["event"], ties="efron").fit() for f in frames],
            sub, max(1, repeat // 2))  # fmt: skip
        tight = {"precision": 1e-13, "r_precision": 1e-15}
        ll = np.array([CoxPHFitter().fit(f, "time", "event", fit_options=tight).params_[COVS]
                       for f in frames])  # fmt: skip
        smp = np.array([PHReg(f["time"], f[COVS], status=f["event"], ties="efron").fit().params
                        for f in frames])  # fmt: skip
    dev_ll = float(np.max(np.abs(res.params[:sub] - ll)))
    dev_sm = float(np.max(np.abs(res.params[:sub] - smp)))
    bw, bc = out["lifelines"]
    rows = [[name, w, c, bw / w, bc / c] for name, (w, c) in out.items()]
    text = table(["method", "wall µs/fit", "CPU µs/fit", "speed-up (wall)", "speed-up (CPU)"], rows)
    text += (f"\n\nR={R}, n={n}, p=3, censored {1 - e.mean():.1%}; lifelines/statsmodels/single "
             f"timed on {sub} fits; converged {int(res.converged.sum())}/{R}.\n"
             f"max |coef - lifelines (precision 1e-13)| = {dev_ll:.2e}; "
             f"max |coef - statsmodels PHReg| = {dev_sm:.2e}.\n"
             f"peak traced memory of the batched call: {peak / 2**20:.1f} MiB "
             f"(inputs {(X.nbytes + t.nbytes + e.nbytes) / 2**20:.1f} MiB); "
             f"process max RSS {max_rss_mb():.0f} MiB.")  # fmt: skip
    return text, out


def scaling(ns: list[int], Rs: list[int], repeat: int) -> str:
    rows = []
    for n in ns:
        R = max(10, min(1000, 200_000 // n))
        X, t, e = simulate(R, n)
        rows.append(["n", n, R, *per_fit_us(lambda: cox_ph_batch(X, t, e), R, repeat)])  # noqa: B023
    for R in Rs:
        X, t, e = simulate(R, 200)
        rows.append(["R", 200, R, *per_fit_us(lambda: cox_ph_batch(X, t, e), R, repeat)])  # noqa: B023
    return table(["vary", "n", "R", "batched wall µs/fit", "batched CPU µs/fit"], rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    import numba

    if args.quick:
        text, _ = main_comparison(R=100, n=200, sub=10, repeat=2)
        scale = scaling([50, 200], [10, 100], repeat=2)
    else:
        text, _ = main_comparison(R=1000, n=200, sub=50, repeat=5)
        scale = scaling([50, 200, 1000, 5000], [10, 100, 1000, 10_000], repeat=3)
    print(f"## Cox benchmark (numba threads: {numba.get_num_threads()}, cpus: {os.cpu_count()})\n")
    print(text)
    print("\n### Scaling of the batched per-fit time\n")
    print(scale)


if __name__ == "__main__":
    main()
