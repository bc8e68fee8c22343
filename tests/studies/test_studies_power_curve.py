"""The fitted power curve (sizes for a target power with MC uncertainty) and the estimand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from ppprog._core.errors import SpecError
from ppprog.studies.power_curve import fit_power_curve


def test_probit_fit_matches_direct_maximization() -> None:
    n = np.array([100.0, 300.0, 800.0, 1500.0])
    total = np.array([200.0, 200.0, 200.0, 200.0])
    hits = np.array([22.0, 71.0, 140.0, 181.0])

    def nll(beta: np.ndarray) -> float:
        p = np.clip(stats.norm.cdf(beta[0] + beta[1] * np.sqrt(n)), 1e-15, 1 - 1e-15)
        return -float(np.sum(stats.binom.logpmf(hits, total, p)))

    ref = optimize.minimize(nll, np.array([-1.0, 0.05]), method="Nelder-Mead",
                            options={"xatol": 1e-11, "fatol": 1e-13, "maxiter": 20000})  # fmt: skip
    fit = fit_power_curve(n, hits, total, target=0.8)
    np.testing.assert_allclose([fit.a, fit.b], ref.x, rtol=1e-5)
    s = (stats.norm.ppf(0.8) - fit.a) / fit.b
    assert fit.n_target == pytest.approx(s * s, rel=1e-12)
    assert fit.lower < fit.n_target < fit.upper
    assert fit.status == "converged"
    assert float(fit.power(fit.n_target)) == pytest.approx(0.8, rel=1e-10)


def test_interval_covers_the_true_size() -> None:
    """Binomial rejections from a known curve: the 95% interval covers the true n* about 95%."""
    rng = np.random.default_rng(np.random.SeedSequence(16001))
    a, b = -1.5, 0.07
    truth = ((stats.norm.ppf(0.8) - a) / b) ** 2
    n = np.array([150.0, 400.0, 900.0, 1600.0])
    p = stats.norm.cdf(a + b * np.sqrt(n))
    covered = 0
    reps = 400
    for _ in range(reps):
        fit = fit_power_curve(n, rng.binomial(300, p).astype(float), np.full(4, 300.0))
        covered += fit.lower <= truth <= fit.upper
    rate = covered / reps
    assert abs(rate - 0.95) < 3 * math.sqrt(0.95 * 0.05 / reps)


def test_separated_data_are_not_estimable() -> None:
    fit = fit_power_curve([100.0, 2000.0], [0.0, 20.0], [20.0, 20.0])
    assert fit.status == "not_estimable"
    assert math.isnan(fit.n_target)
    with pytest.raises(SpecError):
        fit_power_curve([100.0, 200.0], [5.0, 30.0], [20.0, 20.0])
