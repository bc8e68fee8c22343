"""Write the cohorts of the R stopping-rule reference (``inputs.csv.gz``, ``cohorts.csv``).

Run from the repository root (the outputs are committed; R is needed only to
regenerate ``r_fits.csv`` with ``coxph_rrule.R``)::

    python tests/reference/cox_rrule/make_inputs.py
    Rscript tests/reference/cox_rrule/coxph_rrule.R tests/reference/cox_rrule

300 cohorts from one SeedSequence: n from 12 to 400, p from 1 to 4
(normal, binary, uniform and skewed covariates), continuous or rounded times
(ties), Efron or Breslow, with or without strata and entry times, and a few
with near or complete separation (a binary covariate whose rare level has
almost all of the early events). Numbers are written with 17 significant
digits so that R reads the same doubles.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
N_COHORTS = 300
P_MAX = 4


def cohort(rng: np.random.Generator, k: int) -> tuple[dict[str, object], np.ndarray]:
    """One cohort: its settings and rows (start, stop, status, stratum, x1..x4)."""
    n = int(rng.choice([12, 20, 35, 60, 100, 150, 250, 400]))
    p = int(rng.integers(1, P_MAX + 1))
    kinds = rng.integers(0, 4, size=p)
    X = np.zeros((n, P_MAX))
    for j, kind in enumerate(kinds):
        X[:, j] = [rng.normal(size=n), rng.integers(0, 2, size=n).astype(float),
                   rng.uniform(-2, 2, size=n), rng.exponential(size=n) ** 2][kind]  # fmt: skip
    beta = rng.normal(scale=0.6, size=p)
    separated = k % 30 == 29
    if separated:  # a rare binary level with (nearly) all the early events
        X[:, 0] = (rng.random(n) < 0.15).astype(float)
        beta[0] = 6.0 if k % 60 == 29 else 3.0
    t = rng.exponential(size=n) * np.exp(-X[:, :p] @ beta)
    c = rng.exponential(scale=float(rng.choice([0.5, 1.5, 5.0])), size=n)
    stop = np.minimum(t, c)
    status = (t <= c).astype(int)
    ties = int(rng.integers(0, 3))  # 0 continuous, 1 fine, 2 coarse rounding
    if ties:
        grid = 20.0 if ties == 1 else 4.0
        stop = np.ceil(stop * grid / np.quantile(stop, 0.9)) + 0.0
    entry = rng.random() < 0.25
    start = np.zeros(n)
    if entry:
        late = rng.random(n) < 0.5
        start = np.where(late, stop * rng.uniform(0.05, 0.9, size=n), 0.0)
        if ties:
            start = np.floor(start)
            start = np.minimum(start, stop - 0.5)
    strata = rng.integers(0, int(rng.choice([2, 3])), size=n) if rng.random() < 0.3 else np.zeros(n)
    if status.sum() == 0:
        status[np.argmin(stop)] = 1
    method = "breslow" if rng.random() < 0.3 else "efron"
    meta = {"cohort": k, "n": n, "p": p, "method": method, "entry": int(entry),
            "strata": int(np.any(strata != 0)), "separated": int(separated)}  # fmt: skip
    rows = np.column_stack([np.full(n, k), start, stop, status, strata, X])
    return meta, rows


def main() -> None:
    """Write ``cohorts.csv`` and ``inputs.csv.gz`` next to this script."""
    ss = np.random.SeedSequence(20261205)
    metas, rows = [], []
    for k, child in enumerate(ss.spawn(N_COHORTS)):
        meta, r = cohort(np.random.default_rng(child), k)
        metas.append(meta)
        rows.append(r)
    with (HERE / "cohorts.csv").open("w") as f:
        f.write(",".join(metas[0]) + "\n")
        for m in metas:
            f.write(",".join(str(v) for v in m.values()) + "\n")
    allrows = np.vstack(rows)
    head = ["cohort", "start", "stop", "status", "stratum"] + [f"x{j + 1}" for j in range(P_MAX)]
    fmt = ["%d", "%.17g", "%.17g", "%d", "%d"] + ["%.17g"] * P_MAX
    np.savetxt(HERE / "inputs.csv.gz", allrows, fmt=fmt, delimiter=",", header=",".join(head),
               comments="")  # fmt: skip


if __name__ == "__main__":
    main()
