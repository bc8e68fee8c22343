"""Recovery with the package's generator: bias and coverage within 3 Monte-Carlo SE.

The resolution cohort is a mixture cure model: ``cure`` is a logistic model for
never resolving and the resolution hazard among the others is exponential
(a Weibull with shape 1) with proportional effects. Management changes are
switched off (they are time-varying, out of scope) and follow-up is long
enough for a plateau. ppprog's incidence part models the probability of
being susceptible, so the true incidence coefficients are the negated cure
coefficients.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import ppprog
from ppprog.models.cure import cure_model
from ppprog.models.cure_batch import cure_model_batch
from ppprog.models.status import FitStatus

CURE_INTERCEPT, CURE_LOG_OR, LOG_HR, RATE = -1.3862944, 0.8, math.log(0.5), 0.3
TERM = "extent[localized]"


def _batch(n: int, replicates: int, seed: int):
    spec = ppprog.CohortSpec.default("resolution").replace(
        {
            "resolution.management.rate": 0.0,
            "resolution.cure.log_or": {TERM: CURE_LOG_OR},
            f"resolution.log_hr.{TERM}": LOG_HR,
            "resolution.baseline.rate": RATE,
            "censoring.administrative": 60.0,
            "censoring.accrual": 24.0,
        }
    )
    return ppprog.generate(spec, n=n, replicates=replicates, seed=seed)


def _check(est: np.ndarray, se: np.ndarray, truth: float) -> None:
    R = len(est)
    mcse = est.std(ddof=1) / math.sqrt(R)
    assert abs(est.mean() - truth) < 3 * mcse, (est.mean(), truth, mcse)
    cover = np.mean(np.abs(est - truth) <= 1.959964 * se)
    assert abs(cover - 0.95) < 3 * math.sqrt(0.95 * 0.05 / R), cover


@pytest.mark.slow
def test_weibull_latency_recovers_truth():
    b = _batch(800, 300, seed=2026)
    X, names = b.baseline_arrays([TERM])
    fit = cure_model_batch(X, X, b.time, b.event, incidence_names=names, latency_names=names)
    ok = fit.status == FitStatus.CONVERGED
    assert ok.mean() > 0.97
    truth = {
        "incidence:(intercept)": -CURE_INTERCEPT,
        f"incidence:{TERM}": -CURE_LOG_OR,
        "latency:(intercept)": math.log(RATE),
        f"latency:{TERM}": LOG_HR,
        "latency:log(shape)": 0.0,
    }
    for name, value in truth.items():
        j = fit.column(name)
        _check(fit.params[ok, j], fit.se[ok, j], value)


@pytest.mark.slow
def test_cox_latency_recovers_truth():
    b = _batch(400, 100, seed=2027)
    X, names = b.baseline_arrays([TERM])
    est, se = [], []
    for r in range(b.time.shape[0]):
        df = pd.DataFrame({"time": b.time[r], "event": b.event[r], TERM: X[r, :, 0]})
        fit = cure_model(df, incidence=[TERM], latency=[TERM], latency_model="cox",
                         n_boot=50, seed=r)  # fmt: skip
        if fit.status.converged:
            est.append([fit.incidence.loc[TERM, "coef"], fit.latency.loc[TERM, "coef"]])
            se.append([fit.incidence.loc[TERM, "se"], fit.latency.loc[TERM, "se"]])
    est_a, se_a = np.array(est), np.array(se)
    assert len(est_a) >= 97
    _check(est_a[:, 0], se_a[:, 0], -CURE_LOG_OR)
    _check(est_a[:, 1], se_a[:, 1], LOG_HR)
