"""cox_ph's robust (sandwich) variance with ties, strata, late entry and clusters, against loops.

The reference here is written from the textbook definitions (Therneau &
Grambsch 2000, sections 3.7 and 7.2; R's ``residuals.coxph(type="dfbeta")``),
one subject, one event time and one Efron step at a time, and shares nothing
with ``ppprog.models._kernels``:

* risk set at ``t``: rows of the stratum with ``start < t <= stop``;
* Efron: the ``d`` rows dying at ``t`` enter the ``k``-th of ``d`` steps with
  weight ``1 - k/d``; Breslow: one step of size ``d``;
* score residual of a row: its events minus its share of every step's
  expected covariate, ``sum_k (x_i - xbar_k) (dN_ik - w_ik r_i dL_k)``;
* ``dfbeta = resid @ inv(I)``, summed within clusters; robust variance
  ``D' D`` (R's ``robust = TRUE`` / ``cluster(id)``).

The same loops give the observed information, so the model-based variance is
checked too. Tolerance 1e-10 (relative), at the estimate ppprog returns, whose
score the loop also checks is zero.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ppprog import cox_ph

COVS = ["x1", "x2"]


def make_frame(seed: int) -> pd.DataFrame:
    """Subjects split into 1-3 (start, stop] rows, integer times (many ties), late entry.

    ``x1`` is baseline, ``x2`` changes between a subject's rows; two strata;
    ``centre`` groups several subjects (a coarser cluster than ``id``).
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    rows = []
    for i in range(36):
        entry = float(rng.integers(0, 4)) if rng.random() < 0.4 else 0.0
        x1 = float(rng.normal())
        t_end = entry + float(rng.integers(1, 15))
        event = int(rng.random() < 0.7)
        cuts = sorted(set(rng.integers(int(entry) + 1, int(t_end) + 1, size=rng.integers(0, 3))))
        bounds = [entry, *[float(c) for c in cuts if c < t_end], t_end]
        for k in range(len(bounds) - 1):
            rows.append({
                "id": i, "centre": i % 7, "stratum": i % 2, "start": bounds[k],
                "stop": bounds[k + 1], "event": event if k == len(bounds) - 2 else 0,
                "x1": x1, "x2": float(rng.normal()) + 0.3 * k,
            })  # fmt: skip
    return pd.DataFrame(rows)


def _steps(df: pd.DataFrame, ties: str):
    """Yield (at-risk weights w, death indicators dN, size) of every Efron/Breslow step."""
    start, stop = df["start"].to_numpy(), df["stop"].to_numpy()
    event, stratum = df["event"].to_numpy(), df["stratum"].to_numpy()
    for s in np.unique(stratum):
        for t in np.unique(stop[(event == 1) & (stratum == s)]):
            at_risk = (stratum == s) & (start < t) & (t <= stop)
            dying = at_risk & (event == 1) & (stop == t)
            d = int(dying.sum())
            if ties == "breslow":
                yield at_risk.astype(float), dying.astype(float), float(d)
            else:
                for k in range(d):
                    w = np.where(dying, 1.0 - k / d, at_risk.astype(float))
                    yield w, dying / d, 1.0


def loop_score_info(df: pd.DataFrame, beta: np.ndarray, ties: str):
    """Score residuals (n, p) and observed information (p, p), one step at a time."""
    X = df[COVS].to_numpy()
    n, p = X.shape
    risk = np.exp(X @ beta)
    resid = np.zeros((n, p))
    info = np.zeros((p, p))
    for w, dn, size in _steps(df, ties):
        s0 = sum(w[i] * risk[i] for i in range(n))
        xbar = sum(w[i] * risk[i] * X[i] for i in range(n)) / s0
        s2 = sum(w[i] * risk[i] * np.outer(X[i], X[i]) for i in range(n)) / s0
        info += size * (s2 - np.outer(xbar, xbar))
        d_lambda = size / s0
        for i in range(n):
            if w[i] > 0 or dn[i] > 0:
                resid[i] += (X[i] - xbar) * (dn[i] - w[i] * risk[i] * d_lambda)
    return resid, info


def loop_robust_vcov(df: pd.DataFrame, beta: np.ndarray, ties: str, cluster: str | None):
    resid, info = loop_score_info(df, beta, ties)
    v = np.linalg.inv(info)
    dfbeta = resid @ v
    if cluster is not None:
        groups = df[cluster].to_numpy()
        dfbeta = np.array([dfbeta[groups == g].sum(0) for g in np.unique(groups)])
    return dfbeta.T @ dfbeta, v, resid


CASES = list(itertools.product(["efron", "breslow"], [None, "stratum"], [None, "id", "centre"]))


@pytest.mark.parametrize(("ties", "strata", "cluster"), CASES)
def test_robust_vcov_matches_loop_sandwich(ties: str, strata: str | None, cluster: str | None):
    df = make_frame(20261204)
    if strata is None:
        df = df.assign(stratum=0)
    assert (df["start"] > 0).any()  # late entry
    assert df[df["event"] == 1].duplicated(["stratum", "stop"]).any()  # tied events
    fit = cox_ph(df, duration="stop", event="event", covariates=COVS, start="start", ties=ties,
                 strata=strata, cluster=cluster, robust=True)  # fmt: skip
    assert fit.status.converged
    beta = fit.params.to_numpy()
    want, v_model, resid = loop_robust_vcov(df, beta, ties, cluster)
    # the estimate is the root of the loop's score: the residuals sum to ~0
    np.testing.assert_allclose(resid.sum(0), 0.0, atol=1e-8)
    np.testing.assert_allclose(fit.vcov.to_numpy(), v_model, rtol=1e-10, atol=0)
    np.testing.assert_allclose(fit.robust_vcov.to_numpy(), want, rtol=1e-10, atol=0)
    np.testing.assert_allclose(fit.robust_se.to_numpy(), np.sqrt(np.diag(want)), rtol=1e-10)
    # the robust SE is not the model SE (so the comparison above could fail)
    assert np.max(np.abs(fit.robust_se.to_numpy() / fit.se.to_numpy() - 1)) > 1e-3


def test_clusters_change_the_sandwich() -> None:
    """Rows of one subject summed before squaring: cluster by id differs from by row."""
    df = make_frame(20261204)
    by_row, _, _ = loop_robust_vcov(df, np.array([0.2, -0.1]), "efron", None)
    by_id, _, _ = loop_robust_vcov(df, np.array([0.2, -0.1]), "efron", "id")
    assert df["id"].duplicated().any()
    assert np.max(np.abs(by_row - by_id)) > 1e-4


def test_loop_reproduces_a_hand_case() -> None:
    """Two subjects, both events at t = 1 (a tie), covariate 1 and 0, beta = 0.

    Efron: step k = 0 has weights (1, 1), step k = 1 weights (1/2, 1/2); in both
    xbar = 1/2 and dL = 1 / S0 = 1/2, then 1, and each subject dies 1/2 per step,
    so each residual is (1 - 1/2)(1/2 - w dL) = 0 and the information is
    2 (1/2 - 1/4) = 1/2. Breslow: one step of size 2 with xbar = 1/2, dL = 1:
    residuals (1 - 1/2)(1 - 1) = 0 and information 2 (1/2 - 1/4) = 1/2.
    """
    df = pd.DataFrame({"start": [0.0, 0.0], "stop": [1.0, 1.0], "event": [1, 1],
                       "stratum": [0, 0], "x1": [1.0, 0.0], "x2": [0.0, 0.0]})  # fmt: skip
    for ties in ("efron", "breslow"):
        resid, info = loop_score_info(df, np.zeros(2), ties)
        assert resid[:, 0].tolist() == [0.0, 0.0]
        assert info[0, 0] == pytest.approx(0.5, abs=1e-15)
    # a censored third subject at risk at t = 1 with x = 1: Breslow xbar = 2/3
    df3 = pd.concat([df, df.iloc[[0]].assign(event=0, stop=2.0)], ignore_index=True)
    resid, info = loop_score_info(df3, np.zeros(2), "breslow")
    # dL = 2/3 per subject; dead x=1: (1 - 2/3)(1 - 2/3) = 1/9; dead x=0: (0 - 2/3)(1 - 2/3);
    # censored x=1: (1 - 2/3)(0 - 2/3)
    np.testing.assert_allclose(resid[:, 0], [1 / 9, -2 / 9, -2 / 9], atol=1e-15)
    assert info[0, 0] == pytest.approx(2 * (2 / 3 - 4 / 9), abs=1e-15)


REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "robust"


@pytest.mark.parametrize(("ties", "strata", "cluster"), CASES)
def test_matches_r_survival(ties: str, strata: str | None, cluster: str | None) -> None:
    """R's coxph(..., cluster=) on the same rows (tests/reference/robust)."""
    df = pd.read_csv(REFERENCE / "input.csv")
    pd.testing.assert_frame_equal(df, make_frame(20261204), check_dtype=False)
    ref = json.loads((REFERENCE / "expected.json").read_text())
    r = ref[f"{ties}/{strata or 'none'}/{cluster or 'row'}"]
    fit = cox_ph(df, duration="stop", event="event", covariates=COVS, start="start", ties=ties,
                 strata=strata, cluster=cluster, robust=True, tol=1e-12)  # fmt: skip
    # measured: coefficients 2e-12, variances 3e-13 (relative)
    np.testing.assert_allclose(fit.params.to_numpy(), r["coef"], rtol=1e-10)
    np.testing.assert_allclose(fit.loglik, r["loglik"][1], rtol=1e-12)
    np.testing.assert_allclose(fit.vcov.to_numpy().ravel(), r["naive_var"], rtol=1e-10)
    np.testing.assert_allclose(fit.robust_vcov.to_numpy().ravel(), r["robust_var"], rtol=1e-10)
