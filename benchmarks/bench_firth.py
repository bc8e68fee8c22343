"""Benchmark: Firth-penalized Cox, ppprog (batched and single) vs firthmodels.

Run as a script (not a test)::

    .venv/bin/python benchmarks/bench_firth.py            # full run
    .venv/bin/python benchmarks/bench_firth.py --quick    # smaller, for a smoke test

Data: R replicates of n subjects with 3 covariates (two normal, one binary),
true log hazard ratios (0.5, -0.3, 1.0), exponential event and censoring
times (about 30% censored), times rounded to 0.01 (some ties; Breslow, the
only tie method of firthmodels; ppprog's default is Efron, so ``ties="breslow"``
is passed). Every method fits exactly the same data.

Timings are the best CPU time of several runs (other load on a shared
machine only ever adds time; CPU time also ignores being descheduled),
reported as fits per second; the ratios are also given in best wall time.
"single" is the pandas front end ``cox_firth`` called once per replicate; "batched" is one
``cox_firth_batch`` call. firthmodels runs at its default tolerances
(gtol 1e-4, xtol 1e-6) for timing; deviations are reported both against
that run and against a tight run (gtol 1e-8, xtol 1e-9), which shows that
the differences are firthmodels' stopping rule, not a different estimate.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Any

# One BLAS thread for every method timed here (all of them run on one core):
# after a call, idle OpenBLAS threads spin for a while, and their CPU time was
# charged to whatever ran next (ppprog's single-threaded kernels, 1.7x at n = 20).
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from _timing import best_time, load_line, table, versions  # noqa: E402

from ppprog.models.firth import cox_firth, cox_firth_batch  # noqa: E402

BETA = np.array([0.5, -0.3, 1.0])
COLS = ["x1", "x2", "x3"]


def cpu_time(fn, repeat: int) -> tuple[float, float]:  # noqa: ANN001
    """Best (CPU, wall) seconds of one call; CPU is robust to being descheduled."""
    wall, cpu = best_time(fn, repeat=repeat)
    return cpu, wall


def make_data(seed: int, R: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R replicate data sets of size n (fixed seed)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, n]))
    X = rng.normal(size=(R, n, 3))
    X[:, :, 2] = rng.random((R, n)) < 0.5
    t = rng.exponential(size=(R, n)) * np.exp(-(X @ BETA))
    c = rng.exponential(scale=2.5, size=(R, n))
    time = np.round(np.minimum(t, c), 2) + 0.01
    return X, time, (t <= c)


def frames(X: np.ndarray, time: np.ndarray, event: np.ndarray) -> list[pd.DataFrame]:
    out = []
    for r in range(X.shape[0]):
        df = pd.DataFrame(X[r], columns=COLS)
        df["time"] = time[r]
        df["event"] = event[r].astype(int)
        out.append(df)
    return out


def firthmodels_fits(X, time, event, *, tight: bool, profile: bool = False):  # noqa: ANN001, ANN201
    from firthmodels import FirthCoxPH

    kw: dict[str, Any] = (
        {"gtol": 1e-8, "xtol": 1e-9, "max_iter": 500, "max_halfstep": 50} if tight else {}
    )
    coef, se, ci = [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning on a few tight fits; counted below
        for r in range(X.shape[0]):
            m = FirthCoxPH(**kw).fit(X[r], (event[r], time[r]))
            coef.append(m.coef_ if m.converged_ else np.full(3, np.nan))
            se.append(m.bse_)
            if profile:
                pl_kw: dict[str, Any] = (
                    {"tol": 1e-9, "max_iter": 200} if tight else {}
                )  # else its defaults
                ci.append(m.conf_int(method="pl", **pl_kw))
    return np.array(coef), np.array(se), (np.array(ci) if profile else None)


def run(n: int, R: int, R_profile: int, repeat: int) -> list[list[object]]:
    X, time, event = make_data(2026, R, n)
    dfs = frames(X, time, event)
    cox_firth_batch(X[:2], time[:2], event[:2], profile=True, ties="breslow")  # compile outside the clock
    firthmodels_fits(X[:2], time[:2], event[:2], tight=False, profile=True)  # (its numba too)

    batch = cox_firth_batch(X, time, event, ties="breslow")
    t_batch = cpu_time(lambda: cox_firth_batch(X, time, event, ties="breslow"), repeat=repeat)

    def single() -> None:
        for df in dfs:
            cox_firth(df, duration="time", event="event", covariates=COLS, profile=False,
                      ties="breslow")  # fmt: skip

    t_single = cpu_time(single, repeat=repeat)
    fm_coef, fm_se, _ = firthmodels_fits(X, time, event, tight=False)
    t_fm = cpu_time(lambda: firthmodels_fits(X, time, event, tight=False), repeat=repeat)
    tight_coef, tight_se, _ = firthmodels_fits(X, time, event, tight=True)

    sub = slice(0, R_profile)
    prof = cox_firth_batch(X[sub], time[sub], event[sub], profile=True, ties="breslow")
    t_prof = cpu_time(
        lambda: cox_firth_batch(X[sub], time[sub], event[sub], profile=True, ties="breslow"),
        repeat=max(2, repeat - 2),
    )
    _, _, fm_ci = firthmodels_fits(X[sub], time[sub], event[sub], tight=True, profile=True)
    t_fm_prof = cpu_time(
        lambda: firthmodels_fits(X[sub], time[sub], event[sub], tight=False, profile=True),
        repeat=max(2, repeat - 2),
    )
    ours_ci = np.stack([prof.lower, prof.upper], axis=2)

    ok = batch.converged & np.isfinite(tight_coef).all(axis=1)
    dev_default = np.nanmax(np.abs(batch.params - fm_coef))
    dev_tight = np.max(np.abs(batch.params[ok] - tight_coef[ok]))
    dev_se = np.max(np.abs(batch.se[ok] - tight_se[ok]))
    dev_ci = np.nanmax(np.abs(ours_ci - fm_ci))
    fps = [R / t_batch[0], R / t_single[0], R / t_fm[0], R_profile / t_prof[0],
           R_profile / t_fm_prof[0]]  # fmt: skip
    wall = [t_fm[1] / t_batch[1], t_fm_prof[1] / t_prof[1]]
    return [
        [n, R, f"{fps[0]:,.0f}", f"{fps[1]:,.0f}", f"{fps[2]:,.0f}", f"{fps[0] / fps[2]:.2f}x",
         f"{wall[0]:.2f}x", f"{fps[3]:,.1f}", f"{fps[4]:,.1f}", f"{fps[3] / fps[4]:.2f}x",
         f"{wall[1]:.2f}x", f"{dev_default:.1e}", f"{dev_tight:.1e}", f"{dev_se:.1e}",
         f"{dev_ci:.1e}", f"{int((~batch.converged).sum())}/{int((~np.isfinite(tight_coef).all(axis=1)).sum())}"],
    ]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small run for a smoke test")
    ap.add_argument("--replicates", type=int, default=500)
    args = ap.parse_args()
    sizes = [20, 50] if args.quick else [20, 50, 200, 1000]
    R = 40 if args.quick else args.replicates
    rows: list[list[object]] = []
    cox_firth_batch(*make_data(1, 2, 20), profile=True)  # compile outside the clock
    firthmodels_fits(*make_data(1, 2, 20), tight=False, profile=True)  # (its numba too)
    for n in sizes:
        r = R if n <= 200 else max(R // 5, 10)
        rows += run(
            n, r, R_profile=min(r, 20 if args.quick else 100), repeat=2 if args.quick else 5
        )
    header = [
        "n", "R", "ppprog batched fits/s", "ppprog single fits/s", "firthmodels fits/s",
        "batched / firthmodels", "batched / firthmodels (wall)", "ppprog profile-CI fits/s",
        "firthmodels profile-CI fits/s", "profile-CI ppprog / firthmodels",
        "profile-CI ppprog / firthmodels (wall)",
        "max Δcoef (fm default)", "max Δcoef (fm tight)", "max ΔSE (fm tight)",
        "max Δ profile CI (fm tight)", "not converged (ppprog/fm tight)",
    ]  # fmt: skip
    print("## Firth-penalized Cox: ppprog vs firthmodels (CPU time; ratios also in wall time)\n")
    print(versions("numpy", "numba", "firthmodels", "ppprog"))
    print(f"\n{load_line()}\n")
    print(table(header, rows))


if __name__ == "__main__":
    main()
