"""Benchmark: batched Cox vs single fits vs lifelines vs statsmodels vs R's ``coxph.fit``.

Run as a script (not a test)::

    .venv/bin/python benchmarks/bench_cox.py            # full run (a few minutes)
    .venv/bin/python benchmarks/bench_cox.py --quick    # smaller, for a smoke test

Data: R replicates, n subjects, 3 covariates (normal, binary, uniform), true
log hazard ratios (0.5, -0.4, 0.3), exponential event times and exponential
censoring tuned to about 30% censored, Efron ties. Times are the best of
several runs (other load on a shared machine only ever adds time).
"batched" is ``cox_ph_batch(..., parallel=False)`` (one thread, so its CPU
time compares with R's); "batched, parallel" and the "threads" column use
``parallel=True`` (replicates spread over numba's threads; the default in the
main process from 200,000 rows on): compare their wall times.

When ``Rscript`` with the survival package is on the PATH, the same cohorts
are written to CSV (17 significant digits) and ``benchmarks/r/coxph_fit_loop.R``
times a loop of ``survival::coxph.fit`` over matrices built before the clock
starts, in the same run; the tables give the ratio and the largest coefficient
difference. Otherwise the script prints "R not found" and skips those columns.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

# One BLAS thread for every method timed here (all of them run on one core):
# after a call, idle OpenBLAS threads spin for a while, and their CPU time was
# charged to whatever ran next (ppprog's single-threaded kernels, 1.7x at n = 20).
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from _timing import best_time, load_line, max_rss_mb, table, traced_peak, versions  # noqa: E402

from ppprog.models.cox import cox_ph  # noqa: E402
from ppprog.models.cox_batch import cox_ph_batch  # noqa: E402

BETA = np.array([0.5, -0.4, 0.3])
COVS = ["x0", "x1", "x2"]
R_SCRIPT = Path(__file__).parent / "r" / "coxph_fit_loop.R"
MIN_ROWS = 200_000  # a timed block covers at least this many subject rows (clock resolution)
Data = tuple[np.ndarray, np.ndarray, np.ndarray]


def simulate(R: int, n: int, seed: int = 20261124) -> Data:
    """(X, time, event) with about 30% censoring."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(R, n)))
    X = np.stack([rng.normal(size=(R, n)), rng.integers(0, 2, size=(R, n)).astype(float),
                  rng.uniform(-1, 1, size=(R, n))], axis=-1)  # fmt: skip
    t = rng.exponential(size=(R, n)) * np.exp(-X @ BETA)
    c = rng.exponential(scale=3.2, size=(R, n))
    return X, np.minimum(t, c), (t <= c).astype(float)


def frame(X: np.ndarray, t: np.ndarray, e: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(X, columns=COVS).assign(time=t, event=e)


def per_fit_us(fn, fits: int, repeat: int, number: int = 1) -> tuple[float, float]:  # noqa: ANN001
    """(wall, CPU) microseconds per fit."""
    wall, cpu = best_time(fn, repeat=repeat, number=number)
    return wall / fits * 1e6, cpu / fits * 1e6


def block_number(fits: int, n: int) -> int:
    """Calls per timed block so that one block covers at least ``MIN_ROWS`` rows."""
    return max(1, math.ceil(MIN_ROWS / (fits * n)))


# ----------------------------------------------------------------------------- R
def r_version() -> str | None:
    """``"R x.y.z, survival a.b.c"`` if Rscript with survival runs, else None."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    code = 'suppressPackageStartupMessages(library(survival)); cat(R.version$major, R.version$minor, as.character(packageVersion("survival")))'  # noqa: E501
    out = subprocess.run([rscript, "-e", code], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return None
    major, minor, surv = out.stdout.split()
    return f"R {major}.{minor}, survival {surv}"


def write_cohorts(path: Path, X: np.ndarray, t: np.ndarray, e: np.ndarray) -> None:
    """One row per subject: rep, time, status, x0..x{p-1}, 17 significant digits."""
    R, n, p = X.shape
    cols = [np.repeat(np.arange(R), n), t.ravel(), e.ravel().astype(int)]
    cols += [X[:, :, j].ravel() for j in range(p)]
    fmt = "%d,%.17g,%d" + ",%.17g" * p
    with path.open("w") as f:
        f.write(",".join(["rep", "time", "status", *(f"x{j}" for j in range(p))]) + "\n")
        for lo in range(0, R, 500):  # in blocks of replicates: bounded memory
            block = [c[lo * n : (lo + 500) * n].tolist() for c in cols]
            f.write("\n".join(fmt % row for row in zip(*block)) + "\n")


def r_coxph(
    data: Data, sizes: list[int], repeat: int
) -> tuple[dict[int, tuple[float, float]], np.ndarray, np.ndarray]:
    """R's per-fit (wall, CPU) µs for each prefix size, its coefficients (R, p) and iterations."""
    X, t, e = data
    with tempfile.TemporaryDirectory(prefix="ppprog_bench_cox_") as tmp:
        src, out = Path(tmp) / "cohorts.csv", Path(tmp) / "coef.csv"
        write_cohorts(src, X, t, e)
        args = [str(src), str(out), str(repeat), ",".join(map(str, sizes))]
        env = {**os.environ, "PPPROG_MIN_ROWS": str(MIN_ROWS)}
        proc = subprocess.run([shutil.which("Rscript") or "Rscript", str(R_SCRIPT), *args],
                              capture_output=True, text=True, check=True, env=env)  # fmt: skip
        coef = pd.read_csv(out)
    times = {}
    for line in proc.stdout.splitlines():
        if line.startswith("timing "):
            kv = dict(item.split("=") for item in line.split()[1:])
            times[int(kv["fits"])] = (float(kv["wall_us"]), float(kv["cpu_us"]))
    coef = coef.sort_values("rep")
    return times, coef[[f"x{j}" for j in range(X.shape[2])]].to_numpy(), coef["iter"].to_numpy()


def r_deviation(res: object, r_coef: np.ndarray, r_iter: np.ndarray) -> tuple[float, int]:
    """Largest |ppprog - R| over replicates both fits converged on (R: at most 20
    iterations, its iter.max), and the number of replicates (all of them) whose
    Newton iteration counts differ from R's."""
    params, converged = res.params, res.converged  # type: ignore[attr-defined]
    ok = converged & (r_iter <= 20) & np.isfinite(r_coef).all(axis=1)
    dev = float(np.max(np.abs(params[ok] - r_coef[ok]))) if ok.any() else float("nan")
    n_iter = getattr(res, "n_iter", None)
    differ = -1 if n_iter is None else int(np.sum(np.asarray(n_iter) != r_iter))
    return dev, differ


# ----------------------------------------------------------------------- tables
def main_comparison(data: Data, sub: int, repeat: int, r_res: tuple | None) -> str:
    from lifelines import CoxPHFitter
    from statsmodels.duration.hazard_regression import PHReg

    X, t, e = data
    R, n, _ = X.shape
    frames = [frame(X[r], t[r], e[r]) for r in range(sub)]
    res, peak = traced_peak(lambda: cox_ph_batch(X, t, e, parallel=False))
    out: dict[str, tuple[float, float]] = {
        "batched": per_fit_us(lambda: cox_ph_batch(X, t, e, parallel=False), R, repeat),
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
    r_note = "R not found (Rscript with the survival package is not on the PATH)."
    if r_res is not None:
        r_times, r_coef, r_iter = r_res
        out["R coxph.fit"] = r_times[R]
        dev, differ = r_deviation(res, r_coef[:R], r_iter[:R])
        r_note = (f"R coxph.fit looped over the same {R} prebuilt matrices; max |coef - R| = "
                  f"{dev:.2e}; Newton iteration counts differ from R's on {differ}/{R}.")  # fmt: skip
    dev_ll = float(np.max(np.abs(res.params[:sub] - ll)))
    dev_sm = float(np.max(np.abs(res.params[:sub] - smp)))
    bw, bc = out["batched"]
    rows = [[name, w, c, w / bw, c / bc] for name, (w, c) in out.items()]
    header = ["method", "wall µs/fit", "CPU µs/fit", "÷ batched (wall)", "÷ batched (CPU)"]
    text = table(header, rows)
    text += (f"\n\nR={R}, n={n}, p=3, censored {1 - e.mean():.1%}; lifelines/statsmodels/single "
             f"timed on {sub} fits; converged {int(res.converged.sum())}/{R}.\n{r_note}\n"
             f"max |coef - lifelines (precision 1e-13)| = {dev_ll:.2e}; "
             f"max |coef - statsmodels PHReg| = {dev_sm:.2e}.\n"
             f"peak traced memory of the batched call: {peak / 2**20:.1f} MiB "
             f"(inputs {(X.nbytes + t.nbytes + e.nbytes) / 2**20:.1f} MiB); "
             f"process max RSS {max_rss_mb():.0f} MiB.")  # fmt: skip
    return text


def scaling_row(vary: str, data: Data, s: int, repeat: int, r_res: tuple | None) -> list[object]:
    X, t, e = (a[:s] for a in data)
    n = X.shape[1]
    num = block_number(s, n)
    wall, cpu = per_fit_us(lambda: cox_ph_batch(X, t, e, parallel=False), s, repeat, num)
    twall, _ = per_fit_us(lambda: cox_ph_batch(X, t, e, parallel=True), s, repeat, num)
    row: list[object] = [vary, n, s, wall, cpu, twall]
    if r_res is None:
        return row + ["-"] * 7
    r_times, r_coef, r_iter = r_res
    rw, rc = r_times[s]
    dev, differ = r_deviation(cox_ph_batch(X, t, e), r_coef[:s], r_iter[:s])
    return row + [rw, rc, rw / wall, rc / cpu, rw / twall, f"{dev:.1e}", differ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small run for a smoke test")
    args = ap.parse_args()
    import numba

    global MIN_ROWS
    MIN_ROWS = 20_000 if args.quick else MIN_ROWS
    ns = [50, 200] if args.quick else [50, 200, 1000, 5000]
    Rs = [10, 100] if args.quick else [10, 100, 1000, 10_000]
    R_main, sub, repeat = (100, 5, 2) if args.quick else (1000, 50, 5)
    r_of_n = {n: max(10, min(1000, 200_000 // n)) for n in ns}
    sizes = {n: {r_of_n[n]} for n in ns}
    sizes[200] |= {*Rs, R_main}
    data = {n: simulate(max(s), n) for n, s in sizes.items()}
    cox_ph_batch(*(a[:2] for a in data[200]), parallel=False)  # compile / load cache
    cox_ph_batch(*(a[:2] for a in data[200]), parallel=True)

    rv = r_version()
    r_res = {}
    if rv is not None:
        for n, s in sizes.items():
            r_res[n] = r_coxph(data[n], sorted(s), repeat=2 if args.quick else 3)
    print(f"## Cox benchmark (numba threads: {numba.get_num_threads()}, cpus: {os.cpu_count()})\n")
    print(
        versions("numpy", "numba", "lifelines", "statsmodels", "ppprog")
        + f", {rv or 'R not found'}"
    )
    print(f"\n{load_line()}\n")
    X, t, e = data[200]
    print(main_comparison((X[:R_main], t[:R_main], e[:R_main]), sub, repeat, r_res.get(200)))
    rows = [scaling_row("n", data[n], r_of_n[n], 3, r_res.get(n)) for n in ns]
    rows += [scaling_row("R", data[200], R, 3, r_res.get(200)) for R in Rs]
    print("\n### Scaling of the batched per-fit time, and R's coxph.fit on the same cohorts\n")
    print(f"{load_line()}\n")
    if rv is None:
        print("R not found: the R columns are empty.\n")
    header = ["vary", "n", "R", "batched wall µs/fit", "batched CPU µs/fit",
              "threads wall µs/fit", "R wall µs/fit", "R CPU µs/fit", "R ÷ batched (wall)",
              "R ÷ batched (CPU)", "R ÷ threads (wall)", "max Δcoef vs R",
              "iterations ≠ R"]  # fmt: skip
    print(table(header, rows))


if __name__ == "__main__":
    main()
